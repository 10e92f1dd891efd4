"""Accounts: sign up, sign in and out, password reset, safe redirects, default deny."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Notification
from tests import factories
from tests.conftest import login, post_form, text_of


def test_signup_then_duplicate_is_refused(client, mailbox):
    # Issue 16: the page answers the same either way; the e-mail tells the owner.
    data = {"display_name": "Ada", "email": "Ada@Example.org ", "password": "correct horse battery"}
    first = post_form(client, "/signup", data, page="/signup")
    assert first.status_code == 302 and first.headers["Location"] == "/signup/check-your-email"
    link = re.search(r"(/signup/finish/\S+)", mailbox.texts_to("ada@example.org")[-1]).group(1)
    assert post_form(client, link, page=link).status_code == 302
    assert client.get("/me").status_code == 200
    client.delete_cookie("session")
    again = post_form(client, "/signup", data, page="/signup")
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "already have one" in mailbox.texts_to("ada@example.org")[-1]
    # The first link made the account; using it again makes no second one.
    reused = post_form(client, link, page=link, follow=True)
    assert "already an account" in text_of(reused)


def test_short_password_and_bad_email_get_clear_messages(client):
    response = post_form(client, "/signup", {"display_name": "A", "email": "nope", "password": "short"}, page="/signup")
    page = text_of(response)
    assert response.status_code == 400
    assert "Enter a real e-mail address" in page and "Use at least 10 characters" in page


def test_login_failure_is_generic_and_logout_is_post_only(client, app):
    person = factories.person("Bea Member")
    wrong_password = login(client, person.email, "not the password")
    no_account = login(client, "nobody@example.org", "not the password")
    assert wrong_password.status_code == no_account.status_code == 400
    message = "That e-mail address and password do not match an account."
    assert message in text_of(wrong_password) and message in text_of(no_account)
    assert login(client, person.email).status_code == 302
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert post_form(client, "/logout").status_code == 302
    assert client.get("/me").status_code == 302


def test_session_is_new_at_login(client, app):
    person = factories.person()
    client.get("/login")
    before = client.get_cookie("session").value
    login(client, person.email)
    assert client.get_cookie("session").value != before


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/groups/new", "/groups/new"),
        ("https://evil.example/", "/me"),
        ("//evil.example/", "/me"),
        ("/\\evil.example", "/me"),
    ],
)
def test_next_only_goes_to_this_site(client, app, target, expected):
    person = factories.person()
    response = post_form(
        client, f"/login?next={target}", {"email": person.email, "password": factories.PASSWORD}, page="/login"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_password_reset_flow(client, app, mailbox):
    person = factories.person("Cy Reset")
    response = post_form(client, "/password-reset", {"email": person.email}, page="/password-reset", follow=True)
    assert "If that address has an account" in text_of(response)
    # The same answer for an address with no account, and nothing is queued for it.
    post_form(client, "/password-reset", {"email": "ghost@example.org"}, page="/password-reset")
    notes = db.session.execute(select(Notification).where(Notification.event == "password_reset")).scalars().all()
    assert len(notes) == 1 and notes[0].person_id == person.id
    # The link is in the e-mail only (issue 16): what the database keeps has no token.
    assert "/password-reset/" not in (notes[0].shown_link or "")
    path = re.search(r"(/password-reset/[^\s]+)", mailbox.texts_to(person.email)[0]).group(1)
    new = {"password": "a brand new password", "confirm": "a brand new password"}
    assert post_form(client, path, new, page=path).status_code == 302
    assert login(client, person.email, "a brand new password").status_code == 302
    client.delete_cookie("session")
    # The link works once: the password changed, so the token no longer matches.
    reused = post_form(client, path, new, page=path, follow=True)
    assert "already been used" in text_of(reused)


def test_every_page_needs_login_unless_public(client, app):
    for url in ("/me", "/groups/new", "/funders/new", "/manage/tables/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for url in ("/", "/tables", "/ledger", "/login", "/signup"):
        assert client.get(url).status_code == 200


def test_an_unknown_address_costs_a_password_check_of_the_same_method(client, app, monkeypatch):
    """A failed sign-in for an address with no account checks the password against a hash made
    the way every account's is (PASSWORD_HASH_METHOD), so how long the refusal takes does not
    tell whether the address has an account. (It was always scrypt: with another method set, an
    unknown address took longer than a known one.)"""
    from grants.auth import services

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1500"
    known = factories.person("Kim Known")
    checked: list[str] = []
    real_check = services.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real_check(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    for email in ("nobody@example.org", known.email):
        response = login(client, email, "not the password")
        assert "do not match an account" in text_of(response)
    assert checked == ["pbkdf2:sha256:1500", "pbkdf2:sha256:1500"]
