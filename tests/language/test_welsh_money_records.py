"""Following the money in Welsh (issue 19): ledger lines and audit entries are put into the
reader's words from the parts kept with them; what a person typed is shown as typed, marked with
its language; an older record (no parts) is shown as written, marked lang="en"; the seal holds."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlalchemy import select

from grants import audit
from grants.core import transaction
from grants.extensions import db
from grants.ledger import books
from grants.models import AuditEntry, EntryGroup, EntryKind, Tranche
from grants.money.payouts import confirm_bank_payment, hold_tranche, record_bank_return, release_tranche
from tests import factories
from tests.money.conftest import awarded_round


def _text(page: str) -> str:
    """A page's text as a reader sees it (tags gone, entities read)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _followed_money(app):  # noqa: ANN001, ANN202
    """A table whose money came in, was awarded, paid, came back and was held, with reasons typed
    on an English page (the hold) and a Welsh page (the return)."""
    s = awarded_round(50_000, [20_000, 15_000])
    treasurer = factories.treasurer_of(s.rnd.id)
    paid = release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=10_000)
    confirm_bank_payment(person=treasurer, tranche_id=paid.id, bank_reference="BANK-1", paid_on=date.today())
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        record_bank_return(
            person=treasurer,
            tranche_id=paid.id,
            amount_pence=2_500,
            returned_on=date.today(),
            reason="Caewyd y cyfrif banc",
        )
    later = release_tranche(
        person=s.funder_person, award_id=s.awards[0].id, amount_pence=5_000, due_on=date(2099, 1, 1)
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        hold_tranche(person=s.funder_person, tranche_id=later.id, reason="Waiting for the group's report")
    return s


def _records(round_id: int) -> tuple[list[str], list[str]]:
    """The stored English of the table's public ledger lines and of its public audit entries (its stages,
    its staff, its funders, its money)."""
    lines = db.session.execute(select(EntryGroup.description).where(EntryGroup.round_id == round_id)).scalars()
    entries = db.session.execute(
        select(AuditEntry.summary).where(AuditEntry.round_id == round_id, AuditEntry.is_public)
    ).scalars()
    return list(lines), list(entries)


def test_a_welsh_reader_follows_a_groups_money_with_no_english_sentence_from_the_records(app, client):
    s = _followed_money(app)
    lines, entries = _records(s.rnd.id)
    assert len(lines) >= 4 and len(entries) >= 6  # money in, award(s), payment, came back; their audit entries
    group = s.groups[0]

    client.get("/language/cy?next=/")
    pages = {
        "table": client.get(f"/tables/{s.rnd.slug}").get_data(as_text=True),
        "table ledger": client.get(f"/ledger?round={s.rnd.id}").get_data(as_text=True),
        "group": client.get(f"/groups/{group.slug}").get_data(as_text=True),
        "group ledger": client.get(f"/ledger?group={group.id}").get_data(as_text=True),
        "funder ledger": client.get(f"/ledger?funder={s.funder.id}").get_data(as_text=True),
        "feed": client.get("/open-data/feed.atom").get_data(as_text=True),
    }
    for name, page in pages.items():
        text = _text(page)
        for english in lines + entries:
            assert english not in text, f"{name}: {english!r} shown in English"
        assert 'lang="en">Talwyd' not in page and 'lang="en">Dyfarnwyd' not in page, name

    ledger_page = pages["table ledger"]
    assert "Dyfarnwyd £200 i" in _text(ledger_page)
    assert "Talwyd £100 i" in _text(ledger_page)
    # Typed on a Welsh page, read on a Welsh page: as typed, nothing to mark.
    assert "Rheswm: Caewyd y cyfrif banc" in _text(ledger_page)
    record = pages["table"]
    assert "Cafodd taliad o £50 i" in _text(record)
    # The hold's reason was typed on an English page: shown as typed, marked as English.
    assert '<span lang="en">Waiting for the group&#39;s report</span>' in record
    assert "Cafwyd £500 gan" in _text(record)  # money in, found on the statement
    assert "Dangosir rhai cofnodion" not in record  # every entry is worded: no note about English ones
    assert "Talwyd £100 i" in _text(pages["feed"])  # the feed gives payments

    # In English the same records read as they were written.
    client.get("/language/en?next=/")
    english_ledger = _text(client.get(f"/ledger?round={s.rnd.id}").get_data(as_text=True))
    for line in lines:
        assert html.unescape(line) in english_ledger
    english_record = _text(client.get(f"/tables/{s.rnd.slug}").get_data(as_text=True))
    for entry in entries:
        assert entry in english_record

    # The words sit inside the sealed details: the chain still checks.
    ok, why = audit.verify()
    assert ok, why


def test_a_record_written_before_its_parts_were_kept_reads_as_written_marked_english(app, client):
    s = awarded_round(50_000, [20_000])
    with transaction():
        old = books.post(
            EntryKind.AWARD,
            "An older line, written before its parts were kept",
            [
                (books.account(books.AccountKind.ROUND_AVAILABLE, round_id=s.rnd.id), -100),
                (books.account(books.AccountKind.ROUND_FEES, round_id=s.rnd.id), 100),
            ],
            occurred_on=date.today(),
            round_id=s.rnd.id,
        )
        assert old.words is None
        audit.record("money_released", "An older entry, as it was written.", round_id=s.rnd.id, public=True)
    client.get("/language/cy?next=/")
    assert '<span lang="en">An older line, written before its parts were kept</span>' in client.get(
        f"/ledger?round={s.rnd.id}"
    ).get_data(as_text=True)
    table = client.get(f"/tables/{s.rnd.slug}").get_data(as_text=True)
    assert '<span lang="en">An older entry, as it was written.</span>' in table
    assert "Dangosir rhai cofnodion yn union fel y cawsant eu hysgrifennu, yn Saesneg" in table


def test_hostile_words_kept_with_a_record_fall_back_to_what_was_written(app):
    from grants.language.records import in_plain_words, in_words

    with app.test_request_context(headers={"Accept-Language": "cy"}):
        written = "The sentence as written"
        for parts in (
            None,
            "not a dict",
            {"shape": 99, "message": "%(x)s", "values": {"x": "y"}},
            {"shape": 1, "message": "%(missing)s", "values": {}},
            {"shape": 1, "message": "%(x)s", "values": {"x": "y"}, "extra": 1},
            {"shape": 1, "message": "%(x)d", "values": {"x": "not a number"}},
            {"shape": 1, "message": 5, "values": {}},
        ):
            shown = str(in_words(parts, written))
            assert shown in ('<span lang="en">The sentence as written</span>', "y"), parts
            assert in_plain_words(parts, written) in (written, "y")
        # Values are escaped; a part's language code not known to the site is not put in an attribute.
        parts = {"shape": 1, "message": "%(x)s", "values": {"x": {"typed": "<b>\x00hi", "lang": '"><script>'}}}
        assert str(in_words(parts, written)) == "&lt;b&gt;\x00hi"


def test_a_hold_reason_of_ten_thousand_characters_is_worded_around_as_typed(app, client):
    s = awarded_round(50_000, [20_000])
    later = release_tranche(
        person=s.funder_person, award_id=s.awards[0].id, amount_pence=5_000, due_on=date(2099, 1, 1)
    )
    long = "Gwell aros am yr adroddiad. " * 360  # about 10,000 characters
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        hold_tranche(person=s.funder_person, tranche_id=later.id, reason=long)
    assert db.session.get(Tranche, later.id).held_reason == long.strip()
    client.get("/language/cy?next=/")
    page = client.get(f"/tables/{s.rnd.slug}").get_data(as_text=True)
    assert "Cafodd taliad o £50 i" in _text(page)
    ok, why = audit.verify()
    assert ok, why


def test_counts_names_from_the_catalogue_and_dates_are_worded_in_the_readers_language(app):
    from grants.language.records import Day, Label, Words, counted, in_words
    from grants.models import N_

    closed = counted("Voting closed with %(num)d ballot.", "Voting closed with %(num)d ballots.", 2)
    moved = Words(N_("The table moved to “%(step)s”."), step=Label(N_("Voting")))
    extended = Words(
        N_("%(step)s moved to %(date)s: %(reason)s"),
        step=Label("Voting closes"),
        date=Day(date(2026, 12, 6)),
        reason="x",
    )
    with app.test_request_context():
        assert closed.english() == "Voting closed with 2 ballots."
        assert counted("Voting closed with %(num)d ballot.", "Voting closed with %(num)d ballots.", 1).english() == (
            "Voting closed with 1 ballot."
        )
        assert moved.english() == "The table moved to “Voting”."
        assert extended.english() == "Voting closes moved to 6 December 2026: x"
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        # Welsh's form for two (a soft mutation), from the catalogue's six.
        assert str(in_words(closed.stored(), "")) == "Caeodd y pleidleisio gyda 2 bleidlais."
        assert "Rhagfyr 2026" in str(in_words(extended.stored(), ""))
        assert "Voting" not in str(in_words(moved.stored(), ""))
        # A count that is not a whole number in the stored parts: shown as written.
        broken = closed.stored() | {"num": "2"}
        assert str(in_words(broken, "Voting closed with 2 ballots.")) == (
            '<span lang="en">Voting closed with 2 ballots.</span>'
        )


def test_a_nul_byte_sent_from_a_welsh_page_is_refused_in_welsh(client):
    """A hold reason (or any text) with a NUL byte is refused before any view runs (grants/inputs.py):
    on a Welsh page the refusal reads in Welsh too."""
    client.get("/language/cy?next=/")
    refused = client.get("/ledger?round=1%00")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Roedd nod yn yr hyn a anfonoch na allwn ei gadw" in page
    assert "Something you sent has a character we cannot keep" not in page
