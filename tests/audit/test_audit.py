"""The audit log: chained entries, verification, tamper detection, and the database's refusal
to edit history (PostgreSQL and SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from grants.audit import record, verify
from grants.core import transaction
from grants.extensions import db
from grants.models import AuditEntry


def _three_entries() -> None:
    with transaction():
        record("rules_changed", "Rules changed.", public=True)
        record("voting_closed", "Voting closed.", public=True)
        record("money_released", "£100 paid.", public=True, details={"ref": "X"})


def test_chain_verifies_and_the_cli_says_so(app, runner):
    _three_entries()
    assert verify() == (True, "3 entries, chain intact")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output


def _switch_off_the_triggers(database_url: str) -> None:
    """What someone with the database's own keys could do: the hash chain must still catch it."""
    with db.engine.begin() as conn:
        if database_url.startswith("postgresql"):
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_append_only_update"))
            conn.execute(text("DROP TRIGGER audit_entries_append_only_delete"))


def test_an_edited_entry_breaks_the_chain(app, runner, database_url):
    _three_entries()
    # The database refuses the edit outright, on PostgreSQL and SQLite alike.
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET summary = 'Nothing happened.' WHERE seq = 2"))
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    _switch_off_the_triggers(database_url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET summary = 'Nothing happened.' WHERE seq = 2"))
    ok, message = verify()
    assert not ok and message == "entry 2 (voting_closed) has been changed"
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "has been changed" in result.output


def test_a_removed_last_entry_is_detected(app, database_url):
    _three_entries()
    _switch_off_the_triggers(database_url)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    ok, message = verify()
    assert not ok and "entries were removed" in message


def test_failed_use_case_leaves_no_audit_entry(app):
    with pytest.raises(RuntimeError):
        with transaction():
            record("rules_changed", "Rules changed.")
            raise RuntimeError("boom")
    assert (
        db.session.query(AuditEntry).count() == 0
        if False
        else db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one() == 0
    )


def test_a_records_nested_words_are_under_the_seal(app, database_url):
    """The parts a page words a record from (a sentence inside a sentence, a list) are sealed with it: a
    count of people changed inside them (a suppressed 'fewer than 5' made a 4) breaks the chain."""
    from sqlalchemy import select, update

    from grants.language.records import Listed, Words
    from grants.privacy import people_words

    with transaction():
        record(
            "voting_extended",
            Words(
                "Quorum was not met: %(reasons)s.",
                reasons=Listed((Words("fewer than %(n)s ballots", n=people_words(4)), "another reason"), "; "),
            ),
            public=True,
        )
        record("voting_closed", "Voting closed.", public=True)
    assert verify() == (True, "2 entries, chain intact")
    db.session.rollback()  # end that read, so the next sees the change (SQLite's WAL reads a snapshot)
    details = db.session.execute(select(AuditEntry.details).where(AuditEntry.seq == 1)).scalar_one()
    inner = details["words"]["values"]["reasons"]["list"][0]["words"]["values"]["n"]
    assert inner["words"]["message"] == "fewer than %(num)s"  # kept suppressed, never the count
    inner["words"] = "4"
    _switch_off_the_triggers(database_url)
    with db.engine.begin() as conn:
        conn.execute(update(AuditEntry.__table__).where(AuditEntry.__table__.c.seq == 1).values(details=details))
    db.session.rollback()
    ok, message = verify()
    assert not ok and message == "entry 1 (voting_extended) has been changed"
