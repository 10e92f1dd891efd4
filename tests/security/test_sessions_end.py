"""Issue 16: sessions end when people end them.

Session cookies are signed, not stored, so a copy of one (a shared computer, a browser's
history) used to keep working after signing out or a password reset. Now each person has a
session generation that those moments move on, and a session idle for SESSION_IDLE_MINUTES ends.
"""

from __future__ import annotations

import re
import time

from flask import Flask

from tests import factories
from tests.conftest import Client, login, post_form, text_of

SEEN_KEY = "_seen"  # grants.security.SEEN_KEY (a literal, so the test also runs against the base)


def _signed_in(app: Flask, person) -> Client:  # noqa: ANN001
    app.test_client_class = Client
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    assert client.get("/me").status_code == 200
    return client


def _cookie(client) -> str:  # noqa: ANN001
    return client.get_cookie("session").value


def _reaches_me(client) -> bool:  # noqa: ANN001
    return client.get("/me").status_code == 200


def test_an_old_cookie_does_not_reach_me_after_signing_out(app):
    person = factories.person("Olu Oldcookie")
    client = _signed_in(app, person)
    copied = _cookie(client)
    assert post_form(client, "/logout", page="/me").status_code == 302
    assert not _reaches_me(client)
    client.set_cookie("session", copied)  # someone kept a copy of the cookie
    response = client.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_reset_ends_every_older_session(app, mailbox):
    person = factories.person("Rhea Reset")
    elsewhere = _signed_in(app, person)  # e.g. left signed in at the community centre
    here = app.test_client()
    post_form(here, "/password-reset", {"email": person.email}, page="/password-reset")
    path = re.search(r"(/password-reset/\S+)", mailbox.texts_to(person.email)[-1]).group(1)
    new = {"password": "a brand new password", "confirm": "a brand new password"}
    assert post_form(here, path, new, page=path).status_code == 302
    assert not _reaches_me(elsewhere)
    assert login(here, person.email, "a brand new password").status_code == 302
    assert _reaches_me(here)


def test_sign_out_everywhere_ends_the_other_sessions_and_keeps_this_one(app):
    person = factories.person("Eve Everywhere")
    other, this = _signed_in(app, person), _signed_in(app, person)
    page = this.get("/me")
    assert "Sign out everywhere else" in text_of(page)
    response = post_form(this, "/sign-out-everywhere", page="/me", follow=True)
    assert "signed out everywhere else" in text_of(response)
    assert _reaches_me(this)
    assert not _reaches_me(other)


def test_signing_out_on_one_computer_ends_the_others_too(app):
    person = factories.person("Sol Shared")
    library, home = _signed_in(app, person), _signed_in(app, person)
    post_form(home, "/logout", page="/me")
    assert not _reaches_me(library)


def _idle_for(client, minutes: float) -> None:  # noqa: ANN001
    with client.session_transaction() as session:
        session[SEEN_KEY] = int(time.time() - minutes * 60)


def test_a_session_idle_for_two_hours_ends_with_a_reason(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 120
    person = factories.person("Ida Idle")
    client = _signed_in(app, person)
    _idle_for(client, 119)
    assert _reaches_me(client)  # activity within the limit keeps it going, and restarts the clock
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_KEY] < 60
    _idle_for(client, 121)
    response = client.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "next=/me" in response.headers["Location"]
    shown = text_of(client.get(response.headers["Location"]))
    assert "We signed you out because you had not done anything for 2 hours" in shown
    assert not _reaches_me(client)


def test_the_idle_timeout_is_configurable(app):
    app.config["SESSION_IDLE_MINUTES"] = 30
    client = _signed_in(app, factories.person("Cy Configured"))
    _idle_for(client, 31)
    response = client.get("/me", follow_redirects=True)
    assert "for 30 minutes" in text_of(response)


def test_the_timeout_warning_is_on_every_signed_in_page_and_staying_restarts_the_clock(app):
    client = _signed_in(app, factories.person("Wren Warned"))
    html = client.get("/me").get_data(as_text=True)
    # A closed dialog (GOV.UK's timeout warning) with a real form, and a script file, not inline.
    assert re.search(r'<dialog id="session-timeout"[^>]*data-idle-seconds="7200"[^>]*data-warn-seconds="300"', html)
    assert "<dialog id=\"session-timeout\" open" not in html
    assert re.search(r'<script src="/static/session-timeout.js(\?v=[0-9a-f]+)?"[^>]*></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script (the CSP forbids it)
    assert client.get("/static/session-timeout.js").status_code == 200
    _idle_for(client, 100)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    kept = client.post(
        "/stay-signed-in", data={"csrf_token": token, "next": "/me"}, headers={"Accept": "application/json"}
    )
    assert kept.status_code == 204
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_KEY] < 60
    # Without JavaScript the same form is a plain POST that comes back to the page.
    plain = client.post("/stay-signed-in", data={"csrf_token": token, "next": "/me"})
    assert plain.status_code == 302 and plain.headers["Location"] == "/me"
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert "session-timeout" not in anonymous
