"""A group writes its bid in English, Welsh or both (issue 19); the panel, the convenor and the
public see what was written, each text marked with its language, the reader's own first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, RoundStatus
from grants.rounds.services import advance
from tests import factories as f
from tests.conftest import login, post_form, text_of
from tests.problems import said_beside

WELSH = {
    "title_cy": "Teithiau cerdded i rieni",
    "summary_cy": "Teithiau cerdded wythnosol i rieni newydd.",
    "activities_cy": "Byddwn yn cerdded bob dydd Mawrth.",
    "beneficiaries_cy": "Rhieni newydd yn y dref.",
}
ENGLISH = {
    "title": "Walks for new parents",
    "summary": "Weekly walks for new parents.",
    "activities": "We walk every Tuesday.",
    "beneficiaries": "New parents in the town.",
}


@pytest.fixture
def table(app):  # noqa: ANN001, ANN201
    """A table open for bids, its convenor, a group's lead and a seated panel member."""
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    lead = f.person("Gwen Lead")
    f.group(lead, name="Cerddwyr")
    member = f.person("Pat Panel")
    f.seat(convenor, rnd.id, member)
    return rnd, convenor, lead, member


def _bid(client, rnd, texts: dict, languages: list[str]):  # noqa: ANN001, ANN202
    url = f"/proposals/new/{rnd.slug}"
    data = {"languages": ["", *languages], **texts, "lines-0-item": "Tea", "lines-0-amount": "20",
            "agreed_to_be_named": "y"}  # fmt: skip
    return post_form(client, url, data, page=url)


def _submit(client, response) -> int:  # noqa: ANN001
    assert response.status_code == 302, text_of(response)[:2000]
    proposal_id = int(re.search(r"/proposals/(\d+)/check", response.headers["Location"]).group(1))
    page = f"/proposals/{proposal_id}/check"
    assert post_form(client, f"/proposals/{proposal_id}/submit", {}, page=page).status_code == 302
    return proposal_id


def _as(app, person, language: str):  # noqa: ANN001, ANN202
    reader = app.test_client()
    reader.get(f"/language/{language}")
    login(reader, person.email)
    return reader


def test_a_welsh_only_bid_is_marked_cy_for_an_english_reading_panel_member(client, app, table):
    rnd, convenor, lead, member = table
    client.get("/language/cy")  # the group's member has the site in Welsh
    login(client, lead.email)
    form = client.get(f"/proposals/new/{rnd.slug}").get_data(as_text=True)
    assert 'checked class="choice-input" id="languages-1" name="languages" type="checkbox" value="cy"' in form
    # Each language's name is marked with its own language, so a screen reader says it as its speakers do.
    assert '<span lang="en">English</span>' in form and '<span lang="cy">Cymraeg</span>' in form
    proposal_id = _submit(client, _bid(client, rnd, WELSH, ["cy"]))
    db.session.expire_all()
    bid = db.session.get(Proposal, proposal_id)
    assert bid.language == "cy" and bid.title == WELSH["title_cy"] and bid.texts == []
    # Seen by the group in Welsh, unmarked (the page's own language).
    mine = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert WELSH["summary_cy"] in mine and f'<span lang="cy">{WELSH["summary_cy"]}' not in mine

    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    panel = _as(app, member, "en").get(f"/panel/{rnd.slug}/proposals/{proposal_id}").get_data(as_text=True)
    assert '<html lang="en">' in panel
    for text in WELSH.values():
        assert f'<span lang="cy">{text}</span>' in panel
    assert "Also written in" not in panel  # nothing was written in English, and nothing is translated
    # The convenor's list and the panel's list mark it too.
    manage = _as(app, convenor, "en").get(f"/manage/tables/{rnd.slug}").get_data(as_text=True)
    assert f'<span lang="cy">{WELSH["title_cy"]}</span>' in manage
    home = _as(app, member, "en").get(f"/panel/{rnd.slug}").get_data(as_text=True)
    assert f'<span lang="cy">{WELSH["title_cy"]}</span>' in home


def test_a_bid_in_both_languages_shows_the_readers_own_first_and_the_other_beside_it(client, app, table):
    rnd, convenor, lead, member = table
    login(client, lead.email)
    proposal_id = _submit(client, _bid(client, rnd, ENGLISH | WELSH, ["en", "cy"]))
    db.session.expire_all()
    bid = db.session.get(Proposal, proposal_id)
    assert bid.languages == ["en", "cy"] and bid.version("cy")["activities"] == WELSH["activities_cy"]
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    url = f"/panel/{rnd.slug}/proposals/{proposal_id}"

    english = _as(app, member, "en").get(url).get_data(as_text=True)
    first, other = english.split("Also written in", 1)
    assert ENGLISH["summary"] in first and WELSH["summary_cy"] not in first
    assert f'<dd lang="cy">{WELSH["summary_cy"]}</dd>' in other
    welsh = _as(app, member, "cy").get(url).get_data(as_text=True)
    assert '<html lang="cy">' in welsh
    first = welsh[: welsh.index('class="other-version"')]
    assert WELSH["summary_cy"] in first and ENGLISH["summary"] not in first
    assert f'<dd lang="en">{ENGLISH["summary"]}</dd>' in welsh
    # The group's own page offers both as well; open data gives both.
    assert f'<dd lang="cy">{WELSH["beneficiaries_cy"]}</dd>' in client.get(f"/proposals/{proposal_id}").get_data(
        as_text=True
    )
    row = next(r for r in app.test_client().get("/api/v1/proposals").get_json()["data"] if r["id"] == proposal_id)
    assert row["title"] == ENGLISH["title"] and row["texts"]["cy"]["title"] == WELSH["title_cy"]


def test_a_bid_in_both_languages_needs_every_answer_in_both(client, app, table):
    rnd, _convenor, lead, _member = table
    login(client, lead.email)
    response = _bid(client, rnd, ENGLISH | {"title_cy": WELSH["title_cy"]}, ["en", "cy"])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert said_beside(html, "summary_cy") == "Write a short summary in Cymraeg"
    assert said_beside(html, "activities_cy") == "Say what you will do, in Cymraeg"
    assert said_beside(html, "beneficiaries_cy") == "Say who will benefit, in Cymraeg"
    assert 'id="title_cy-error"' not in html and 'id="summary-error"' not in html
    assert db.session.execute(select(Proposal.id)).first() is None
    # A language the site does not offer, or none ticked, is refused too.
    for languages, said in ((["xx"], "Choose from the languages listed"), ([], "Choose at least one language")):
        refused = _bid(client, rnd, ENGLISH, languages)
        assert refused.status_code == 400 and said in text_of(refused)
    # Too long in Welsh: said, nothing saved.
    long = _bid(client, rnd, ENGLISH | WELSH | {"title_cy": "a" * 201}, ["en", "cy"])
    assert long.status_code == 400 and db.session.execute(select(Proposal.id)).first() is None


def test_changing_a_bid_to_welsh_only_keeps_only_the_welsh(client, app, table):
    rnd, _convenor, lead, _member = table
    login(client, lead.email)
    proposal_id = _submit(client, _bid(client, rnd, ENGLISH | WELSH, ["en", "cy"]))
    url = f"/proposals/{proposal_id}/edit"
    edit = client.get(url).get_data(as_text=True)
    assert f'value="{WELSH["title_cy"]}"' in edit and f'value="{ENGLISH["title"]}"' in edit
    data = {"languages": ["", "cy"], **WELSH, "lines-0-item": "Tea", "lines-0-amount": "20"}
    assert post_form(client, url, data, page=url).status_code == 302
    db.session.expire_all()
    bid = db.session.get(Proposal, proposal_id)
    assert bid.languages == ["cy"] and bid.title == WELSH["title_cy"] and bid.texts == []
    # Someone outside the group cannot change it.
    stranger = f.person("Sam Stranger")
    other = _as(app, stranger, "en")
    assert post_form(other, url, data, page="/me").status_code in (403, 404)


def _lines(response) -> list:  # noqa: ANN001
    proposal_id = int(re.search(r"/proposals/(\d+)/check", response.headers["Location"]).group(1))
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).budget_lines


def test_a_bid_in_both_languages_may_give_each_budget_line_in_both(client, app, table):
    """Each line's item in the bid's own language and, where the group wrote it, in the other: the panel reads
    each line in its own language when written, else as written, marked with its language."""
    rnd, convenor, lead, member = table
    login(client, lead.email)
    url = f"/proposals/new/{rnd.slug}"
    new = client.get(url).get_data(as_text=True)
    assert 'name="lines-0-item_cy"' not in new  # a bid in one language has one box a line
    data = {"languages": ["", "en", "cy"], **ENGLISH, **WELSH, "agreed_to_be_named": "y",
            "lines-0-item": "Tea", "lines-0-item_cy": "Te", "lines-0-amount": "20",
            "lines-1-item": "Room hire", "lines-1-amount": "30"}  # fmt: skip
    saved = post_form(client, url, data, page=url)
    lines = _lines(saved)
    assert [(b.item, {t.language: t.item for t in b.texts}) for b in lines] == [
        ("Tea", {"cy": "Te"}),
        ("Room hire", {}),
    ]
    proposal_id = _submit(client, saved)

    # The group's edit page gives each line a box in each language, named by it, the Welsh filled in.
    edit = client.get(f"/proposals/{proposal_id}/edit").get_data(as_text=True)
    assert 'name="lines-0-item_cy"' in edit and 'value="Te"' in edit
    assert "Item (English)" in edit and "Item (Cymraeg)" in edit

    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    page = f"/panel/{rnd.slug}/proposals/{proposal_id}"
    welsh = _as(app, member, "cy").get(page).get_data(as_text=True)
    budget = welsh[welsh.index("<caption>") :]
    assert "<td>Te</td>" in budget and "Tea" not in budget
    assert '<td><span lang="en">Room hire</span></td>' in budget  # written in English only: marked so
    english = _as(app, member, "en").get(page).get_data(as_text=True)
    budget = english[english.index("<caption>") :]
    assert "<td>Tea</td>" in budget and "<td>Room hire</td>" in budget and ">Te<" not in budget


def test_a_welsh_only_bids_budget_lines_are_marked_welsh_for_an_english_reader(client, app, table):
    rnd, convenor, lead, member = table
    login(client, lead.email)
    proposal_id = _submit(client, _bid(client, rnd, WELSH, ["cy"]))
    db.session.expire_all()
    assert [(b.item, b.texts) for b in db.session.get(Proposal, proposal_id).budget_lines] == [("Tea", [])]
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    panel = _as(app, member, "en").get(f"/panel/{rnd.slug}/proposals/{proposal_id}").get_data(as_text=True)
    assert '<td><span lang="cy">Tea</span></td>' in panel


def test_a_bid_changed_to_welsh_only_keeps_each_lines_welsh_item(client, app, table):
    rnd, _convenor, lead, _member = table
    login(client, lead.email)
    url = f"/proposals/new/{rnd.slug}"
    data = {"languages": ["", "en", "cy"], **ENGLISH, **WELSH,
            "lines-0-item": "Tea", "lines-0-item_cy": "Te", "lines-0-amount": "20"}  # fmt: skip
    proposal_id = _submit(client, post_form(client, url, data, page=url))
    edit = f"/proposals/{proposal_id}/edit"
    data = {"languages": ["", "cy"], **WELSH, "lines-0-item": "Tea", "lines-0-item_cy": "Te", "lines-0-amount": "20"}
    assert post_form(client, edit, data, page=edit).status_code == 302
    db.session.expire_all()
    bid = db.session.get(Proposal, proposal_id)
    assert bid.languages == ["cy"] and [(b.item, b.texts) for b in bid.budget_lines] == [("Te", [])]


def test_a_line_in_the_further_language_only_is_refused_beside_the_first_languages_box(client, app, table):
    rnd, _convenor, lead, _member = table
    login(client, lead.email)
    url = f"/proposals/new/{rnd.slug}"
    data = {"languages": ["", "en", "cy"], **ENGLISH, **WELSH, "lines-0-item_cy": "Te", "lines-0-amount": "20"}
    refused = post_form(client, url, data, page=url)
    assert refused.status_code == 400
    assert said_beside(refused.get_data(as_text=True), "lines-0-item") == "Say what this cost is for"
    assert db.session.execute(select(Proposal.id)).first() is None
