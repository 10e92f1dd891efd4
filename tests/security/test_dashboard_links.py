"""A regression found by the browser accessibility check."""

from __future__ import annotations

from flask import Flask

from tests.conftest import Client, login
from tests.security.world import EMAILS, describe


def test_a_funder_sees_a_working_link_to_their_funder(world_app: Flask) -> None:
    """Found by the browser check (an empty link): the dashboard names the funder and links to it."""
    world = describe(world_app)
    world_app.test_client_class = Client
    client = world_app.test_client()
    login(client, EMAILS["funder"], "our-tables-demo")
    html = client.get("/me").get_data(as_text=True)
    assert f'href="/funders/{world.funder}/manage">Northern Community Trust</a>' in html
