"""Our Tables: participatory grant-making decided by people with lived experience."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grants.configuration import ConfigurationError

if TYPE_CHECKING:  # Flask is imported inside create_app, so `grants.tally` stays free of it.
    from flask import Flask

__all__ = ["ConfigurationError", "create_app"]

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (
    "auth",
    "groups",
    "funders",
    "rounds",
    "proposals",
    "panels",
    "ballots",
    "money",
    "panel_pay",
    "public",
    "updates",
    "opendata",
    "api",
    "decisions",
    "notifications",
    "ops",
    "language",
)

# Where features register their background work by name (`@jobs.job`, `@jobs.periodic`,
# `@jobs.runner`; grants/jobs/registry.py). Importing them is what registers the jobs, so the
# queue never imports a feature; tests/test_imports.py checks this list against the code.
JOB_MODULES = (
    "grants.decisions.services",
    "grants.notifications.delivery",
    "grants.notifications.reminders",
    "grants.money.payouts",
    "grants.money.reconcile",
    "grants.money.stripe_in",
    "grants.opendata.services",
    "grants.rounds.timetable",
    "grants.updates.services",
)


def create_app(config: type | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application. Nothing happens at import time.

    `config` is a configuration class (default: chosen by OUR_TABLES_ENV); `overrides`
    are settings applied on top (the tests pass their database URL this way).
    """
    from config import _DEV_SECRET, config_from_env
    from grants import site
    from grants.site import SiteFlask

    app = SiteFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config or config_from_env())
    if overrides:
        app.config.from_mapping(overrides)

    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in ("", _DEV_SECRET):
        raise ConfigurationError("Set SECRET_KEY to a long random value before running in production.")
    if app.config["ENV_NAME"] == "production" and len(app.config["SECRET_KEY"]) < 32:
        raise ConfigurationError("SECRET_KEY must be at least 32 characters in production.")
    if app.config["ENV_NAME"] == "production":
        site.check_secret_key(app.config["SECRET_KEY"])

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    Path(app.instance_path).mkdir(exist_ok=True)

    from grants import secrets_at_rest

    secrets_at_rest.init_app(app)  # refuses production without DATA_KEYS
    from grants import audit

    audit.init_app(app)  # refuses production without AUDIT_KEY
    site.init_app(app)  # SITE_URL builds every absolute link; other Host headers are refused
    _init_extensions(app)
    _register_blueprints(app)

    from grants import cli, inputs, security, static_files, templating

    security.init_app(app)
    static_files.init_app(app)  # fingerprinted links to the site's files, kept by the browser
    inputs.init_app(app)  # refuses control characters (a NUL breaks PostgreSQL) before any view
    templating.init_app(app)
    cli.init_app(app)
    from grants.ops import setup as ops_setup

    ops_setup.init_app(app)  # job queue, ProxyFix (only when PROXY_FIX_HOPS is set), request logs
    return app


def _init_extensions(app: Flask) -> None:
    from grants import caching, models  # noqa: F401 - models registers every table
    from grants.db_setup import configure_engine
    from grants.extensions import babel, csrf, db, limiter, login_manager, migrate
    from grants.language import locale_for_request

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=locale_for_request,
        default_locale="en_GB",
        default_timezone="UTC",
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )
    limiter.init_app(app)
    caching.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from flask_babel import gettext

    from grants.models import N_

    login_manager.login_message = N_("Please sign in to see that page.")
    login_manager.localize_callback = gettext  # flashed in the page's language
    login_manager.login_message_category = "info"


def _register_blueprints(app: Flask) -> None:
    """Import each feature (its views, its `flask` commands, the modules that register its
    background jobs) and register its blueprint.

    Every feature is imported before any blueprint is registered: a feature may add a page or a
    command to another's blueprint (ballots closes the vote at the table's address,
    `rounds.close_voting`), and what subscribes to a table's stages (grants/rounds/stages.py) or
    its timetable's steps is in place before anything runs."""
    import importlib
    import importlib.util

    for module_name in JOB_MODULES:
        importlib.import_module(module_name)
    features = []
    for name in BLUEPRINTS:
        features.append(importlib.import_module(f"grants.{name}"))
        importlib.import_module(f"grants.{name}.views")
        if importlib.util.find_spec(f"grants.{name}.commands") is not None:
            importlib.import_module(f"grants.{name}.commands")  # its commands, on `bp.cli`
    for module in features:
        app.register_blueprint(module.bp)
