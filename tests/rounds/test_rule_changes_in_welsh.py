"""A table's published rule changes in the reader's language (issue 19): the table's page lists each
change with its reason, and marks a moved date beside the timetable; the panel's "how we work" lists
them too. Each change keeps its parts (RuleChange.words), so a Welsh page names the field, the old and
new values and the dates in Welsh; the reason is shown as typed, marked with its language. A change
made before its parts were kept reads as written, marked lang="en"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from flask import url_for

from grants.core import transaction
from grants.extensions import db
from grants.models import RoundStatus, RuleChange, TieBreak
from grants.rounds.services import change_rules, move_on
from tests import factories as f


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _pages(client, app, slug: str, language: str) -> list[str]:  # noqa: ANN001
    """The table's public page and the panel's "how we work", in `language`."""
    client.get(f"/language/{language}?next=/")
    with app.test_request_context():
        urls = [url_for("public.round", slug=slug), url_for("panels.how_we_work", slug=slug)]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.get_data(as_text=True))
    return pages


def test_a_rule_change_is_listed_in_welsh_with_its_reason_as_typed(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, max_grant_pence=500_000)
    values = f.rules(title=rnd.title, max_grant_pence=400_000, tie_break=TieBreak.NEWER_GROUP_FIRST)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        change_rules(person=convenor, round_id=rnd.id, values=values, reason="More, smaller grants")

    for page in _pages(client, app, rnd.slug, "cy"):
        text = _text(page)
        for english in ("Largest grant", "Tie-break", "The cheaper proposal comes first", "cheaper_first"):
            assert english not in text, english
        assert "o “£5,000” i “£4,000”" in text
        assert '<span lang="en">More, smaller grants</span>' in page  # typed on an English page

    for page in _pages(client, app, rnd.slug, "en"):
        text = _text(page)
        assert "Largest grant changed from “£5,000” to “£4,000”. Why: More, smaller grants" in text


def test_a_date_moved_earlier_is_shown_in_welsh_beside_the_timetable(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    with app.test_request_context("/", headers={"Accept-Language": "cy"}), transaction():
        move_on(person=convenor, round_id=rnd.id, to=RoundStatus.BIDS_CLOSED, reason="Mae pob grŵp wedi anfon cais.")
    month = f"{datetime.now(UTC):%B}"
    welsh_page, how_we_work = _pages(client, app, rnd.slug, "cy")
    text = _text(welsh_page)
    assert "Why:" not in text and "Bids close" not in text
    assert month not in text  # every date in Welsh: the moved one too (it was "06 December 2026")
    assert "Mae pob grŵp wedi anfon cais." in text
    assert 'lang="en">Mae pob grŵp' not in welsh_page  # typed on a Welsh page: nothing to mark
    assert "Bids close" not in _text(how_we_work)


def test_a_change_made_before_its_parts_were_kept_reads_as_written_marked_english(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    with transaction() as session:
        session.add(
            RuleChange(
                round_id=rnd.id,
                field="Largest grant",
                old_value="£5,000",
                new_value="£4,000",
                reason="More, smaller grants",
                changed_by_id=convenor.id,
            )
        )
    assert db.session.execute(db.select(RuleChange.words)).scalar_one() is None
    for page in _pages(client, app, rnd.slug, "cy"):
        assert '<span lang="en">Largest grant</span>' in page
        assert '<span lang="en">More, smaller grants</span>' in page


def test_saving_the_rules_with_the_same_days_changes_no_date(client, app):
    """The form sets days. A table whose steps are kept at another hour (moved on early, or set up
    elsewhere) is saved with its days untouched: only what was changed is published as a change, and
    the steps keep their hours. It published 'Bids close changed from “01 January 2027” to “01 January
    2027”' beside the one real change, with its reason."""
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, max_grant_pence=500_000)
    with transaction():
        rnd = db.session.get(type(rnd), rnd.id)
        rnd.bids_close_at = rnd.bids_close_at.replace(hour=12, minute=0)
        kept = rnd.bids_close_at
    values = f.rules(title=rnd.title, max_grant_pence=400_000)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        change_rules(person=convenor, round_id=rnd.id, values=values, reason="More, smaller grants")
    fields = db.session.execute(db.select(RuleChange.field)).scalars().all()
    assert fields == ["Largest grant"]
    assert db.session.get(type(rnd), rnd.id).bids_close_at.replace(tzinfo=None) == kept.replace(tzinfo=None)
