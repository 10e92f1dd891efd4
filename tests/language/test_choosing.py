"""The language link, the browser's languages on a first visit, and the account's own choice."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from grants.extensions import cache, db
from grants.models import Person
from tests import factories
from tests.conftest import Client, login, make_app, post_form

WELSH_SKIP = "Neidio i'r prif gynnwys"


def _lang(response) -> str:  # noqa: ANN001
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_first_visit_follows_the_browsers_languages(client):
    welsh = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert _lang(welsh) == "cy"
    assert WELSH_SKIP in welsh.get_data(as_text=True)
    assert "Accept-Language" in welsh.headers["Vary"]
    english = client.get("/", headers={"Accept-Language": "fr,de;q=0.8"})  # neither offered: English
    assert _lang(english) == "en"
    assert "Skip to main content" in english.get_data(as_text=True)


def test_the_language_link_keeps_the_choice_for_the_visit_and_goes_back(client):
    page = client.get("/ledger").get_data(as_text=True)
    assert 'href="/language/cy?next=/ledger" lang="cy" hreflang="cy">Cymraeg</a>' in page
    answer = client.get("/language/cy?next=/ledger")
    assert answer.status_code == 302 and answer.headers["Location"] == "/ledger"
    welsh = client.get("/ledger", headers={"Accept-Language": "en"})  # the choice beats the browser
    assert _lang(welsh) == "cy"
    assert 'lang="en" hreflang="en">English</a>' in welsh.get_data(as_text=True)
    back = client.get("/language/en?next=/ledger")
    assert back.headers["Location"] == "/ledger"
    assert _lang(client.get("/ledger")) == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_the_link_never_leads_off_the_site(client, target):
    answer = client.get("/language/cy", query_string={"next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_a_language_not_offered_is_not_found(client):
    assert client.get("/language/xx").status_code == 404
    assert client.get("/language/cy%00").status_code == 400  # a NUL byte is refused everywhere (grants/inputs.py)


def test_a_signed_in_persons_choice_is_kept_on_their_account(app, client):
    person = factories.person("Gwen Jones")
    login(client, person.email)
    page = client.get("/me").get_data(as_text=True)
    assert 'action="/language/cy?next=/me"' in page  # a form with a CSRF token, not a bare link
    assert client.post("/language/cy?next=/me").status_code == 400  # no CSRF token: refused
    answer = post_form(client, "/language/cy?next=/me")
    assert answer.status_code == 302 and answer.headers["Location"] == "/me"
    assert db.session.execute(select(Person.language).where(Person.id == person.id)).scalar_one() == "cy"
    # Signed out and back in on another computer whose browser asks for English: still Welsh.
    other = app.test_client()
    login(other, person.email)
    assert _lang(other.get("/me", headers={"Accept-Language": "en"})) == "cy"


def test_a_following_link_while_signed_in_changes_the_visit_only(client):
    person = factories.person("Rhys Evans")
    login(client, person.email)
    assert client.get("/language/cy?next=/me").status_code == 302  # another site's link or image: no write
    assert _lang(client.get("/me")) == "cy"
    assert db.session.execute(select(Person.language).where(Person.id == person.id)).scalar_one() is None


def test_a_choice_made_before_signing_in_is_kept_at_sign_in_and_after_sign_out(client):
    person = factories.person("Siân Davies")
    client.get("/language/cy")
    login(client, person.email)
    assert _lang(client.get("/me")) == "cy"
    assert db.session.execute(select(Person.language).where(Person.id == person.id)).scalar_one() == "cy"
    post_form(client, "/logout")
    assert _lang(client.get("/")) == "cy"


def test_the_public_page_cache_keeps_each_language_apart(database_url, tmp_path):
    app = make_app(
        database_url, UPLOAD_FOLDER=str(tmp_path / "up"), CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300
    )
    app.test_client_class = Client
    with app.app_context():
        cache.clear()
        english = app.test_client().get("/ledger", headers={"Accept-Language": "en"})
        welsh = app.test_client().get("/ledger", headers={"Accept-Language": "cy"})
        assert _lang(english) == "en" and _lang(welsh) == "cy"
        chose = app.test_client()
        chose.get("/language/cy")
        assert _lang(chose.get("/ledger", headers={"Accept-Language": "en"})) == "cy"
        assert _lang(app.test_client().get("/ledger", headers={"Accept-Language": "en"})) == "en"
        db.session.remove()
        db.engine.dispose()
