"""Every state-changing route refuses a request without the right CSRF token.

Parametrised over the URL map, so a new POST route is covered the moment it exists.
"""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select

from grants.extensions import csrf, db
from grants.models import AuditEntry
from tests.conftest import Client, login, text_of
from tests.factories import person

# Its Stripe signature replaces CSRF: Stripe cannot hold our session's token.
CSRF_EXEMPT = {"stripe_webhook"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _state_changing_rules(app: Flask):  # noqa: ANN202
    return [rule for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING]


def _dummy_url(rule) -> str:  # noqa: ANN001
    from werkzeug.routing import IntegerConverter

    values = {
        arg: (1 if isinstance(rule._converters[arg], IntegerConverter) else "x") for arg in rule.arguments
    }
    return url_for(rule.endpoint, **values)


def _rules_for_params() -> list[str]:
    from config import TestConfig
    from grants import create_app

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({rule.endpoint for rule in _state_changing_rules(app)} - CSRF_EXEMPT)


ENDPOINTS = _rules_for_params()


def test_there_are_state_changing_routes_to_check() -> None:
    assert len(ENDPOINTS) >= 20


def test_only_the_stripe_webhook_is_exempt(app: Flask) -> None:
    """No view escapes CSRF protection except the signed webhook."""
    exempt = {name.rsplit(".", 1)[-1] for name in csrf._exempt_views}
    exempt_endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.rsplit(".", 1)[-1] in exempt
    }
    assert exempt_endpoints <= CSRF_EXEMPT, exempt_endpoints
    assert app.config["WTF_CSRF_ENABLED"] is True


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("token", ["missing", "wrong"])
def test_state_changing_route_refuses_without_the_right_token(app: Flask, endpoint: str, token: str) -> None:
    """Signed in (so the login wall is not what stops it), the request is refused as a CSRF failure."""
    app.test_client_class = Client
    client = app.test_client()
    someone = person("Cass Csrf")
    login(client, someone.email)
    rule = next(r for r in _state_changing_rules(app) if r.endpoint == endpoint)
    with app.test_request_context():
        url = _dummy_url(rule)
    before = db.session.execute(select(func.count(AuditEntry.id))).scalar()
    data = {} if token == "missing" else {"csrf_token": "IjQ1ZjY3OGEi.forged.token"}
    response = client.post(url, data=data)
    # Refused: a 400 that says the form was out of date (forms that keep what was typed show it
    # again with that message), or a 403/404 when the dummy object is not this person's to see.
    assert response.status_code in (400, 403, 404), (endpoint, response.status_code)
    if response.status_code == 400:
        assert "out of date" in text_of(response), endpoint
    assert db.session.execute(select(func.count(AuditEntry.id))).scalar() == before


def test_a_token_from_another_session_is_refused(app: Flask) -> None:
    """A token is bound to its session: one stolen from another browser does not work."""
    app.test_client_class = Client
    alice, mallory = app.test_client(), app.test_client()
    login(alice, person("Alice").email)
    login(mallory, person("Mallory").email)
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', mallory.get("/me").get_data(as_text=True)).group(1)
    response = alice.post("/groups/new", data={"csrf_token": token, "name": "Forged"})
    assert response.status_code == 400
    assert "Your form was out of date" in text_of(response)
