"""Issue 17: people who took part are told on their own page that the reflection is open, until they answer."""

from __future__ import annotations

from tests import factories
from tests.conftest import post_form, text_of
from tests.panels.care_world import as_person
from tests.panels.test_care_feedback import _decided


def test_everyone_who_took_part_is_told_the_reflection_is_open_until_they_answer(client, app):
    w = _decided(client)
    slug = w.rnd.slug
    for person in (w.members[0], w.lead, w.convenor):
        as_person(client, person)
        page = text_of(client.get("/me"))
        assert "Tell us how it went" in page and f"Answer the reflection on {w.rnd.title}" in page
    as_person(client, w.members[0])
    assert f'href="/panel/{slug}/reflect"' in client.get("/me").get_data(as_text=True)
    response = post_form(client, f"/panel/{slug}/reflect",
                         {"what_worked": "Kind", "what_did_not": "", "felt": "3", "power": "4"},
                         page=f"/panel/{slug}/reflect")  # fmt: skip
    assert response.status_code == 302
    assert "Tell us how it went" not in text_of(client.get("/me"))
    # Someone who took no part is not asked.
    as_person(client, factories.person("Sid Stranger"))
    assert "Tell us how it went" not in text_of(client.get("/me"))


def test_the_reflection_counts_its_questions_right(client, app):
    w = _decided(client)
    as_person(client, w.members[0])
    page = text_of(client.get(f"/panel/{w.rnd.slug}/reflect"))
    assert "Four short questions" in page and "Five short questions" not in page


def test_the_ballot_says_how_many_to_pick_in_plain_words(client, app):
    from tests.panels.care_world import make_world

    w = make_world(min_picks=1, max_picks=1)
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.members[0])
    page = text_of(client.get(f"/vote/{w.rnd.slug}"))
    assert "Tick every proposal you support. Pick at least 1 proposal. Pick no more than 1." in page
    assert "1 proposals" not in page
    both = [str(p.id) for p in w.proposals]
    refused = text_of(post_form(client, f"/vote/{w.rnd.slug}", {"proposal": both}, page=f"/vote/{w.rnd.slug}"))
    assert "Pick no more than 1 proposal. You picked 2." in refused
    none = text_of(post_form(client, f"/vote/{w.rnd.slug}", {}, page=f"/vote/{w.rnd.slug}"))
    assert "Pick at least 1 proposal. You picked 0." in none
