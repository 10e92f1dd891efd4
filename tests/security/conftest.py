"""The populated world fixtures for the security tests."""

from tests.security.world import world_app, world_template  # noqa: F401
