"""A table's record in Welsh, the last four kinds (issue 19): the published result (its quorum reasons,
its tie-break note), a voting extension, a rule change and a timetable moved earlier keep their parts
(sentences inside sentences, lists) beside the English they were written in, under the same seal; a
Welsh page words them in Welsh, with every count of people under 5 as 'fewer than 5' (issue 15's one
rule), exactly as the English sentence has it. An entry written before its parts were kept reads as
written, marked lang="en"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from babel.dates import format_date
from sqlalchemy import select

from grants import audit
from grants.core import transaction
from grants.extensions import db
from grants.models import AuditEntry, QuorumPolicy, Round, RoundStatus, TieBreak
from grants.rounds.services import change_rules, move_on
from tests import factories as f
from tests.ballots.test_decision_ballots import close
from tests.ballots.test_receipts_choice import _cast


def _text(page: str) -> str:
    """A page's text as a reader sees it (tags gone, entities read)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _entry(action: str) -> AuditEntry:
    return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars().one()


def _welsh_record(client, slug: str) -> str:  # noqa: ANN001
    client.get("/language/cy?next=/")
    return client.get(f"/tables/{slug}").get_data(as_text=True)


def _english_record(client, slug: str) -> str:  # noqa: ANN001
    client.get("/language/en?next=/")
    return _text(client.get(f"/tables/{slug}").get_data(as_text=True))


def _worded_in_welsh(page: str, entry: AuditEntry) -> None:
    """The entry is not shown in its English (neither as text nor marked lang="en"), and the page has no
    note about entries shown in English."""
    assert entry.summary not in _text(page), entry.summary
    assert f'<span lang="en">{html.escape(entry.summary[:20], quote=True)}' not in page
    assert "Dangosir rhai cofnodion" not in page  # every entry is worded: no note about English ones


def _sealed() -> None:
    ok, why = audit.verify()
    assert ok, why


def test_a_decided_tables_result_with_a_tie_reads_in_welsh_with_small_counts_suppressed(client, app):
    """Four ballots split two and two between bids of the same cost: the result names the tie and how it
    was settled, and its counts of people (4 ballots, 4 who could vote) are 'fewer than 5'."""
    convenor, rnd, (a, b), members = f.voting_table(4, costs=(30_000, 30_000), pot=30_000)
    for member, pick in zip(members, (a, a, b, b), strict=True):
        _cast(client, member, rnd.slug, pick.id)
    close(client, convenor, rnd.slug)
    entry = _entry("result_published")
    assert entry.summary.startswith("1 of 2 proposals funded, £300 of £300, from fewer than 5 ballots (fewer than 5")
    assert f"A tie between “{a.title}” and “{b.title}” was settled by the published tie-break" in entry.summary

    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, entry)
    text = _text(page)
    assert "Ariannwyd 1 o 2 gynnig, £300 o £300; bwriwyd llai na 5 pleidlais" in text
    assert "roedd llai na 5 aelod o'r panel yn cael pleidleisio; cworwm 1" in text
    assert f"Cafodd y gyfartaledd rhwng “{a.title}” a(c) “{b.title}” ei setlo gan" in text
    assert "from 4 ballots" not in text and " 4 pleidlais" not in text  # the count itself is never shown

    assert entry.summary in _english_record(client, rnd.slug)  # in English, as written
    _sealed()


def test_a_result_with_no_decision_gives_its_quorum_reasons_in_welsh(client, app):
    convenor, rnd, (a, _b, _c), members = f.voting_table(3, quorum_min_ballots=3)
    _cast(client, members[0], rnd.slug, a.id)
    close(client, convenor, rnd.slug)
    entry = _entry("result_published")
    assert entry.summary == (
        "No decision: fewer than 5 ballots were cast and the published quorum needed 3. "
        "The round's policy is that no decision is made."
    )
    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, entry)
    assert (
        "Dim penderfyniad: bwriwyd llai na 5 pleidlais ac roedd y cworwm a gyhoeddwyd angen 3. "
        "Polisi'r bwrdd yw na wneir penderfyniad."
    ) in _text(page)
    _sealed()


def test_a_voting_extension_and_the_no_decision_after_it_read_in_welsh(client, app):
    convenor, rnd, (a, _b, _c), members = f.voting_table(
        3, quorum_min_ballots=3, quorum_policy=QuorumPolicy.EXTEND, quorum_extend_days=3
    )
    close(client, convenor, rnd.slug)
    extended = _entry("voting_extended")
    closes = db.session.get(Round, rnd.id).voting_closes_at
    assert extended.summary == (
        "Quorum was not met: 0 ballots were cast and the published quorum needed 3. Under the published rules "
        f"voting is extended once, to {closes:%-d %B %Y}. Nothing has been counted."
    )
    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, extended)
    assert (
        "Ni chyrhaeddwyd y cworwm: bwriwyd 0 pleidlais ac roedd y cworwm a gyhoeddwyd angen 3. O dan y rheolau a "
        f"gyhoeddwyd, estynnir y bleidlais unwaith, i {format_date(closes, 'd MMMM y', locale='cy_GB')}."
    ) in _text(page)

    close(client, convenor, rnd.slug)  # the second close: no decision, voting having been extended once
    result = _entry("result_published")
    assert "Voting had already been extended once." in result.summary
    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, result)
    assert "Roedd y bleidlais eisoes wedi'i hestyn unwaith." in _text(page)
    _sealed()


def test_a_rule_change_reads_in_welsh_its_reason_marked_with_the_language_it_was_typed_in(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, max_grant_pence=500_000)
    values = f.rules(title=rnd.title, max_grant_pence=400_000, tie_break=TieBreak.NEWER_GROUP_FIRST)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        change_rules(person=convenor, round_id=rnd.id, values=values, reason="More, smaller grants")
    entry = _entry("rules_changed")
    assert entry.summary == (
        "Rules changed: Largest grant from “£5,000” to “£4,000”; Tie-break from “The cheaper proposal comes first” "
        "to “The newer group comes first”. Reason: More, smaller grants"
    )
    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, entry)
    text = _text(page)
    assert "Newidiwyd y rheolau: " in text and "o “£5,000” i “£4,000”" in text
    assert "The newer group comes first" not in text
    assert '<span lang="en">More, smaller grants</span>' in page  # typed on an English page
    _sealed()


def test_a_timetable_moved_earlier_reads_in_welsh(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    with app.test_request_context("/", headers={"Accept-Language": "cy"}), transaction():
        move_on(person=convenor, round_id=rnd.id, to=RoundStatus.BIDS_CLOSED, reason="Mae pob grŵp wedi anfon cais.")
    entry = _entry("timetable_moved_earlier")
    today = datetime.now(UTC)
    assert entry.summary.startswith("Bids close moved from ") and f"to {today:%-d %B %Y}." in entry.summary
    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, entry)
    text = _text(page)
    assert "Symudwyd “" in text and "Rheswm: Mae pob grŵp wedi anfon cais." in text
    assert 'lang="en">Mae pob grŵp' not in page  # typed on a Welsh page: nothing to mark
    _sealed()


def test_an_older_result_entry_without_its_parts_reads_as_written_marked_english(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    written = "1 of 2 proposals funded, £300 of £300, from 6 ballots (7 panel members could vote; quorum 1)."
    with transaction():
        for action in ("result_published", "voting_extended", "rules_changed", "timetable_moved_earlier"):
            audit.record(action, f"{action}: {written}", round_id=rnd.id, public=True)
    page = _welsh_record(client, rnd.slug)
    for action in ("result_published", "voting_extended", "rules_changed", "timetable_moved_earlier"):
        assert f'<span lang="en">{action}: {html.escape(written, quote=True)}</span>' in page
    assert "Dangosir rhai cofnodion yn union fel y cawsant eu hysgrifennu, yn Saesneg" in page
    _sealed()


def test_the_welsh_feed_gives_no_english_sentence_of_a_result(client, app):
    convenor, rnd, (a, b), members = f.voting_table(4, costs=(30_000, 30_000), pot=30_000)
    for member, pick in zip(members, (a, a, b, b), strict=True):
        _cast(client, member, rnd.slug, pick.id)
    close(client, convenor, rnd.slug)
    summary = _entry("result_published").summary
    client.get("/language/cy?next=/")
    feed = html.unescape(client.get("/open-data/feed.atom").get_data(as_text=True))
    assert summary not in feed and "proposals funded" not in feed
    assert "1 o 2" in feed


def test_a_consensus_record_reads_in_welsh_with_one_stand_aside_suppressed(client, app):
    from tests.ballots.test_consensus_kept import _confirm, _consensus_round, _record

    convenor, rnd, (a, b, _c), members, facilitator = _consensus_round(6)
    _record(client, facilitator, rnd, [a, b], members, [members[5]])
    for m in members:
        _confirm(client, m, rnd)
    close(client, convenor, rnd.slug)
    entry = _entry("result_published")
    assert "6 panel members were present, fewer than 5 stood aside, and 5 confirmed the record" in entry.summary
    page = _welsh_record(client, rnd.slug)
    _worded_in_welsh(page, entry)
    text = _text(page)
    assert "Penderfynwyd drwy gonsensws: ariannwyd 2 o 3 chynnig" in text
    assert "Roedd 6 aelod o'r panel yn bresennol, camodd llai na 5 o'r neilltu, a chadarnhaodd 5 y cofnod" in text
    _sealed()


def test_nested_parts_that_do_not_fit_fall_back_to_what_was_written(app):
    from grants.language.records import DEEPEST, Listed, Words, in_plain_words, in_words

    written = "The sentence as written"
    deep: Words | str = "x"
    for _ in range(DEEPEST + 2):
        deep = Words("%(x)s", x=deep)
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        for parts in (
            {"shape": 2, "message": "%(x)s", "values": {"x": {"words": "not parts"}}},
            {"shape": 2, "message": "%(x)s", "values": {"x": {"words": {"message": "%(y)s", "values": {}}}}},
            {"shape": 2, "message": "%(x)s", "values": {"x": {"list": "not a list", "sep": None}}},
            {"shape": 2, "message": "%(x)s", "values": {"x": {"list": [], "sep": 5}}},
            {"shape": 3, "message": "%(x)s", "values": {"x": "y"}},
            deep.stored(),
        ):
            assert str(in_words(parts, written)) == '<span lang="en">The sentence as written</span>', parts
            assert in_plain_words(parts, written) == written
        just_deep_enough: Words | str = "x"
        for _ in range(DEEPEST + 1):
            just_deep_enough = Words("%(x)s", x=just_deep_enough)
        assert str(in_words(just_deep_enough.stored(), written)) == "x"
        # A list's parts are escaped once, each in its place; a part's text is never read as a place.
        listed = Words("%(x)s", x=Listed(("<b>", "\x000\x00", "c")))
        assert listed.stored()["shape"] == 2
        assert str(in_words(listed.stored(), written)) == "&lt;b&gt;, \x000\x00, a(c) c"
        # Flat parts are still kept in shape 1, which code from before shape 2 reads.
        assert Words("%(x)s", x="y").stored()["shape"] == 1
