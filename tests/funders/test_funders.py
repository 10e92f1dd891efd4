"""Registering a funder and its own page: anyone may register one, and it gives them no power."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Funder, FunderMembership
from tests import factories
from tests.conftest import login, post_form, text_of


def test_registering_a_funder_makes_its_page_yours_and_nobody_elses(client, app):
    person = factories.person("Fran Funder")
    login(client, person.email)
    answer = post_form(
        client, "/funders/new", {"name": "  Valley Trust  ", "website": "https://valley.example"}, page="/funders/new"
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/funders/valley-trust/manage"
    funder = db.session.execute(select(Funder).where(Funder.slug == "valley-trust")).scalar_one()
    assert funder.name == "Valley Trust"
    members = db.session.execute(select(FunderMembership.person_id).where(FunderMembership.funder_id == funder.id))
    assert list(members.scalars()) == [person.id]
    page = text_of(client.get("/funders/valley-trust/manage"))
    assert "Valley Trust" in page
    # A second funder of the same name gets its own address, never the first one's page.
    other = app.test_client()
    login(other, factories.person("Sam Same").email)
    again = post_form(other, "/funders/new", {"name": "Valley Trust"}, page="/funders/new")
    assert again.headers["Location"] != "/funders/valley-trust/manage"
    assert other.get("/funders/valley-trust/manage").status_code == 403


def test_a_funder_form_with_several_mistakes_says_each_and_writes_nothing(client):
    login(client, factories.person("Fran Funder").email)
    before = db.session.execute(select(func.count()).select_from(Funder)).scalar_one()
    answer = post_form(client, "/funders/new", {"name": "", "website": "not a web address"}, page="/funders/new")
    page = text_of(answer)
    assert answer.status_code == 400
    assert "Enter the funder's name" in page and "Enter a web address starting with https://" in page
    for bad in ("x" * 10_000, "Trust\x00"):
        assert post_form(client, "/funders/new", {"name": bad}, page="/funders/new").status_code == 400
    assert db.session.execute(select(func.count()).select_from(Funder)).scalar_one() == before


def test_registering_needs_an_account(client):
    answer = client.get("/funders/new")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
