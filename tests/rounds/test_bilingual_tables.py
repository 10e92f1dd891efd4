"""A table run in English and Welsh (issue 19): the convenor writes its name, purpose and who may
apply in each language; it is published only with every language written; each reader sees the
version in their own language, and a text in the other language is marked with its `lang`."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants.extensions import db
from grants.models import Round, RoundStatus, RuleChange
from tests import factories as f
from tests.conftest import login, post_form, text_of
from tests.e2e.test_spine_journey import rules_form
from tests.problems import said_beside
from tests.rounds import journey

WELSH = {
    "title_cy": "Bwrdd Cymorth Cymheiriaid",
    "purpose_cy": "Cymorth gan gymheiriaid yn y gogledd.",
    "who_may_apply_cy": "Grwpiau dan arweiniad pobl â phrofiad bywyd.",
}


def _round(slug: str) -> Round:
    db.session.expire_all()
    return db.session.execute(select(Round).where(Round.slug == slug)).scalar_one()


def _set_up(client, form: dict, languages: list[str], welsh: dict) -> str:  # noqa: ANN001
    """Walk the task list as the convenor, with the languages ticked and the Welsh given; the slug."""
    first = {"languages": languages, "title": form["title"], "purpose": form["purpose"]}
    first |= {k: v for k, v in welsh.items() if k in ("title_cy", "purpose_cy")}
    response = post_form(client, "/manage/tables/new", first, page="/manage/tables/new")
    assert response.status_code == 302, text_of(response)[:2000]
    slug = response.headers["Location"].rstrip("/").split("/")[-2]
    who = {"who_may_apply": form["who_may_apply"]} | {k: v for k, v in welsh.items() if k == "who_may_apply_cy"}
    url = f"/manage/tables/{slug}/setup/who"
    assert post_form(client, url, who, page=url).status_code == 302
    for page in journey.PAGE_FIELDS:
        if page != "who":
            assert journey.send_page(client, slug, page, form).status_code == 302, page
    return slug


def _publish(client, slug: str):  # noqa: ANN001, ANN202
    check = f"/manage/tables/{slug}/setup/check"
    return post_form(client, check, {}, page=check)


def _reader(app, language: str):  # noqa: ANN001, ANN202
    reader = app.test_client()
    reader.get(f"/language/{language}")
    return reader


def test_a_convenor_publishes_a_table_in_both_languages_and_each_reader_sees_their_own(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    form = rules_form()
    slug = _set_up(client, form, ["en", "cy"], WELSH)
    check = client.get(f"/manage/tables/{slug}/setup/check").get_data(as_text=True)
    assert f'<dd lang="cy">{WELSH["purpose_cy"]}</dd>' in check  # the convenor checks both versions
    assert _publish(client, slug).status_code == 302
    rnd = _round(slug)
    assert rnd.status is RoundStatus.OPEN_FOR_BIDS and rnd.languages == ["en", "cy"]
    assert rnd.version("cy") == {
        "title": WELSH["title_cy"], "purpose": WELSH["purpose_cy"], "who_may_apply": WELSH["who_may_apply_cy"]
    }  # fmt: skip

    welsh, english = _reader(app, "cy"), _reader(app, "en")
    page = welsh.get(f"/tables/{slug}").get_data(as_text=True)
    assert '<html lang="cy">' in page
    assert WELSH["title_cy"] in page and WELSH["purpose_cy"] in page and WELSH["who_may_apply_cy"] in page
    assert form["purpose"] not in page
    # Written in the page's own language: nothing to mark.
    assert f'<span lang="cy">{WELSH["purpose_cy"]}' not in page
    page = english.get(f"/tables/{slug}").get_data(as_text=True)
    assert form["title"] in page and form["purpose"] in page and WELSH["purpose_cy"] not in page
    # The list of tables and the home page too.
    assert WELSH["title_cy"] in welsh.get("/tables").get_data(as_text=True)
    assert WELSH["title_cy"] in welsh.get("/").get_data(as_text=True)
    assert form["title"] in english.get("/tables").get_data(as_text=True)
    # Open data: the old fields as they were, and the texts in each language.
    row = next(r for r in english.get("/api/v1/rounds").get_json()["data"] if r["slug"] == slug)
    assert row["title"] == form["title"] and row["language"] == "en"
    assert row["texts"]["cy"]["purpose"] == WELSH["purpose_cy"] and row["texts"]["en"]["title"] == form["title"]


def test_a_table_in_welsh_only_is_marked_cy_for_an_english_reader(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    slug = _set_up(client, rules_form() | {"title": "", "purpose": "", "who_may_apply": ""}, ["cy"], WELSH)
    assert _publish(client, slug).status_code == 302
    rnd = _round(slug)
    assert rnd.language == "cy" and rnd.title == WELSH["title_cy"] and rnd.texts == []
    page = _reader(app, "en").get(f"/tables/{slug}").get_data(as_text=True)
    assert f'<span lang="cy">{WELSH["purpose_cy"]}</span>' in page
    assert f'<span lang="cy">{WELSH["title_cy"]}</span>' in page
    listed = _reader(app, "en").get("/tables").get_data(as_text=True)
    assert f'<span lang="cy">{WELSH["title_cy"]}</span>' in listed
    # A Welsh reader reads it as the page's own language, unmarked.
    page = _reader(app, "cy").get(f"/tables/{slug}").get_data(as_text=True)
    assert WELSH["purpose_cy"] in page and f'<span lang="cy">{WELSH["purpose_cy"]}' not in page


def test_publishing_a_table_in_both_languages_without_the_welsh_is_refused_saying_every_missing_text(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    slug = _set_up(client, rules_form(), ["en", "cy"], {})  # a draft may wait for its Welsh
    response = _publish(client, slug)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary))
    assert links == {
        f"/manage/tables/{slug}/setup/purpose#title_cy": "Enter the table’s name in Cymraeg",
        f"/manage/tables/{slug}/setup/purpose#purpose_cy": "Say what the money is for, in Cymraeg",
        f"/manage/tables/{slug}/setup/who#who_may_apply_cy": "Say who may apply, in Cymraeg",
    }
    assert _round(slug).status is RoundStatus.DRAFT
    # Each link finds its box.
    assert 'id="title_cy"' in client.get(f"/manage/tables/{slug}/setup/purpose").get_data(as_text=True)
    assert 'id="who_may_apply_cy"' in client.get(f"/manage/tables/{slug}/setup/who").get_data(as_text=True)


def test_a_draft_needs_its_first_language_and_at_least_one_language(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    none = post_form(client, "/manage/tables/new", {"languages": "", "title": "A", "purpose": "B"},
                     page="/manage/tables/new")  # fmt: skip
    assert none.status_code == 400 and "Choose at least one language" in text_of(none)
    welsh_only = post_form(client, "/manage/tables/new", {"languages": ["", "cy"], "title": "English words"},
                           page="/manage/tables/new")  # fmt: skip
    assert welsh_only.status_code == 400
    body = welsh_only.get_data(as_text=True)
    # The Welsh box is the one asked for (English was not chosen, so its box may stay as it is).
    assert said_beside(body, "title_cy") == "Enter a name" and 'id="title-error"' not in body
    assert said_beside(body, "purpose_cy") == "Say what the money is for"
    made = db.session.execute(select(Round.id)).first()
    assert made is None
    unknown = post_form(client, "/manage/tables/new", {"languages": ["xx"], "title": "A", "purpose": "B"},
                        page="/manage/tables/new")  # fmt: skip
    assert unknown.status_code == 400 and "Choose from the languages listed" in text_of(unknown)


def test_the_rules_page_adds_a_language_only_in_full_and_publishes_the_change(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    login(client, convenor.email)
    url = f"/manage/tables/{rnd.slug}/rules"
    page = client.get(url).get_data(as_text=True)
    assert 'id="title_cy"' in page and 'checked class="choice-input" id="languages-0"' in page
    form = rules_form(title=rnd.title, purpose=rnd.purpose, who_may_apply=rnd.who_may_apply)
    refused = post_form(client, url, form | {"languages": ["", "en", "cy"], "title_cy": WELSH["title_cy"],
                                             "reason": "Run in Welsh too."}, page=url)  # fmt: skip
    assert refused.status_code == 400
    said = text_of(refused)
    assert "Say what the money is for, in Cymraeg" in said and "Say who may apply, in Cymraeg" in said
    assert _round(rnd.slug).languages == ["en"]
    accepted = post_form(client, url, form | {"languages": ["", "en", "cy"], **WELSH, "reason": "Run in Welsh too."},
                         page=url)  # fmt: skip
    assert accepted.status_code == 302, text_of(accepted)[:2000]
    assert _round(rnd.slug).languages == ["en", "cy"]
    changes = db.session.execute(select(RuleChange.field).where(RuleChange.round_id == rnd.id)).scalars().all()
    assert "Name (Cymraeg)" in changes and "Languages" in changes
    # Sent again, nothing changes and nothing more is recorded.
    again = post_form(client, url, form | {"languages": ["", "en", "cy"], **WELSH, "reason": "Again."}, page=url)
    assert again.status_code == 302
    assert db.session.execute(select(RuleChange.id).where(RuleChange.round_id == rnd.id)).all().__len__() == len(
        changes
    )
