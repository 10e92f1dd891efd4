"""Alembic migrations: the head matches the models, and upgrade/downgrade/upgrade works,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from config import TestConfig
from grants import create_app
from grants.extensions import db


@pytest.fixture
def empty_app(database_url):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()  # the PostgreSQL fixture database is shared by the session
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        yield app
        db.session.remove()
        # Leave the shared database as the other tests expect it: the model's tables.
        downgrade(revision="base")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.create_all()
        db.engine.dispose()


def test_head_matches_models(empty_app):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_upgrade_downgrade_upgrade(empty_app):
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"people", "rounds", "ballots", "participations", "ledger_entries"} <= tables
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert set(inspect(db.engine).get_table_names()) == tables
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            triggers = set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
        assert {
            "audit_entries_append_only",
            "ledger_entries_append_only",
            "ledger_entry_groups_append_only",
        } <= triggers


def test_running_balances_are_computed_from_the_entries_already_there(empty_app):
    """Migration 0012 fills the new running balances from the ledger a site already has."""
    upgrade(revision="0011")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ledger_accounts (id, code, kind) VALUES "
            "(1, 'round:1:available', 'round_available'), (2, 'round:1:fees', 'round_fees')"
        )
        conn.exec_driver_sql(
            "INSERT INTO ledger_entry_groups (id, kind, description, occurred_on, created_at) VALUES "
            "(1, 'fee', 'a', '2026-01-01', '2026-01-01 00:00:00'),"
            " (2, 'fee', 'b', '2026-01-02', '2026-01-02 00:00:00'),"
            " (3, 'reversal', 'c', '2026-01-03', '2026-01-03 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO ledger_entries (entry_group_id, account_id, amount_pence) VALUES "
            "(1, 1, -30), (1, 2, 30), (2, 1, -12), (2, 2, 12), (3, 1, 12), (3, 2, -12)"
        )
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT account_id, entry_kind, amount_pence FROM ledger_balances").all()
    expected = [(1, "fee", -42), (1, "reversal", 12), (2, "fee", 42), (2, "reversal", -12)]
    assert sorted(tuple(r) for r in rows) == expected
    from grants.money import ledger

    assert ledger.check_balances() == []
