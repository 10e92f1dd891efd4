"""The ledger is append-only in the database itself, on SQLite and PostgreSQL alike: each
tampering is tried directly in SQL, past the application. PostgreSQL also refuses, at
commit, an entry group that does not sum to zero."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from grants.extensions import db
from tests.money.conftest import awarded_round

TAMPERING = [
    "UPDATE ledger_entries SET amount_pence = amount_pence + 100",
    "DELETE FROM ledger_entries",
    "UPDATE ledger_entry_groups SET description = 'nothing to see here'",
    "DELETE FROM ledger_entry_groups",
    "UPDATE audit_entries SET summary = 'nothing happened'",
    "DELETE FROM audit_entries",
]


@pytest.mark.parametrize("statement", TAMPERING)
def test_the_database_refuses_to_edit_or_delete_history(app, statement):
    awarded_round(300_000, [100_000])
    db.session.commit()
    counted = "SELECT (SELECT count(*) FROM ledger_entries), (SELECT sum(amount_pence) FROM ledger_entries), " \
        "(SELECT count(*) FROM ledger_entry_groups), (SELECT count(*) FROM audit_entries)"
    with db.engine.connect() as conn:
        before = tuple(conn.execute(text(counted)).one())
    assert before[0] > 0 and before[2] > 0
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.engine.connect() as conn:
        assert tuple(conn.execute(text(counted)).one()) == before


def _new_group(conn) -> int:  # noqa: ANN001
    conn.execute(
        text(
            "INSERT INTO ledger_entry_groups (kind, description, occurred_on, created_at) "
            "VALUES ('fee', 'tampered', '2026-01-01', '2026-01-01 00:00:00')"
        )
    )
    return conn.execute(text("SELECT max(id) FROM ledger_entry_groups")).scalar_one()


def test_postgresql_refuses_an_entry_group_that_does_not_sum_to_zero_at_commit(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no deferred triggers; grants.ledger.books.post is its check")
    awarded_round(300_000, [100_000])
    db.session.commit()
    with db.engine.connect() as conn:
        accounts = conn.execute(text("SELECT id FROM ledger_accounts ORDER BY id LIMIT 2")).scalars().all()
        entries = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    with pytest.raises(DBAPIError, match="does not sum to zero"):
        with db.engine.begin() as conn:
            group = _new_group(conn)
            conn.execute(
                text("INSERT INTO ledger_entries (entry_group_id, account_id, amount_pence) VALUES (:g, :a, 500)"),
                {"g": group, "a": accounts[0]},
            )
    # A line added later to an existing (balanced) group is refused the same way.
    with pytest.raises(DBAPIError, match="does not sum to zero"):
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO ledger_entries (entry_group_id, account_id, amount_pence) "
                    "VALUES ((SELECT min(id) FROM ledger_entry_groups), :a, 1)"
                ),
                {"a": accounts[0]},
            )
    # Lines that balance by the commit are accepted, even though each row alone does not.
    with db.engine.begin() as conn:
        group = _new_group(conn)
        for account, amount in ((accounts[0], 500), (accounts[1], -500)):
            conn.execute(
                text("INSERT INTO ledger_entries (entry_group_id, account_id, amount_pence) VALUES (:g, :a, :p)"),
                {"g": group, "a": account, "p": amount},
            )
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one() == entries + 2
