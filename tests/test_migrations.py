"""Alembic migrations: the head matches the models, and upgrade/downgrade/upgrade works,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

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
        if db.engine.dialect.name == "postgresql":
            # Leave the session's shared database as the other tests expect it: the models'
            # tables and nothing else. A new public schema has none of what the migrations made
            # (tables, trigger functions); downgrading every migration again would do the same,
            # slower. (test_upgrade_downgrade_upgrade checks the downgrade itself.)
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            db.create_all()
        # A SQLite database here is the test's own file, removed with its folder.
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
            "ledger_entries_sum_to_zero",
        } <= triggers
    else:
        with db.engine.connect() as conn:
            triggers = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        assert {
            f"{table}_append_only_{verb}"
            for table in ("audit_entries", "ledger_entries", "ledger_entry_groups", "interest_history")
            for verb in ("update", "delete")
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
    from grants.ledger import books

    assert books.check_balances() == []


def test_reflections_already_shown_are_released_and_fewer_than_five_are_not(empty_app):
    """Migration 0014 releases the reflections of a round that already showed them (5 or more)."""
    upgrade(revision="0013")
    from grants.models import Reflection
    from grants.panels.wellbeing import reflection_summary
    from tests import factories

    convenor = factories.person()
    shown, hidden = factories.open_round(convenor), factories.open_round(convenor)
    answers = [("Kind chairing", "", 3, 5), ("", "Too long", 2, 4), ("Paid on time", "", 3, 5), ("", "", 1, 2),
               ("Good snacks", "Cold room", 3, 4)]  # fmt: skip
    for rnd, n in ((shown, 5), (hidden, 3)):
        for i, (worked, did_not, felt, power) in enumerate(answers[:n]):
            db.session.add(Reflection(id=f"{rnd.id}-{i}", round_id=rnd.id, what_worked=worked,
                                      what_did_not=did_not, felt=felt, power=power))  # fmt: skip
    db.session.commit()
    shown_id, hidden_id = shown.id, hidden.id
    db.session.remove()
    upgrade()
    summary = reflection_summary(shown_id)
    assert summary is not None and summary.answered == 5
    assert summary.felt == {1: 1, 2: 1, 3: 3} and summary.power == {1: 0, 2: 1, 3: 0, 4: 2, 5: 2}
    assert sorted(summary.worked) == ["Good snacks", "Kind chairing", "Paid on time"]
    assert sorted(summary.did_not) == ["Cold room", "Too long"]
    assert reflection_summary(hidden_id) is None


def test_report_due_notices_already_sent_keep_their_date_so_nobody_is_told_twice(empty_app):
    """Migration 0015 gives each report-due notice already sent the key of its award's due date."""
    # The award is made with today's models (at the head), then the schema goes down to 0014:
    # a later migration's new columns (0020: contributions) cannot be written at 0014.
    upgrade()
    from grants.models import Award
    from grants.updates.services import report_due_key, send_report_due_notices
    from tests.money.conftest import awarded_round

    s = awarded_round(200_000, [60_000])
    award_id, lead_id = s.awards[0].id, s.lead.id
    due = db.session.get(Award, award_id).report_due_on
    db.session.commit()
    db.session.remove()
    downgrade(revision="0014")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO notifications (person_id, event, subject, body, email_state, email_attempts, created_at, key) "
            f"VALUES ({lead_id}, 'report_due', 'Your report', 'Due.', 'sent', 1, '2026-01-01 00:00:00', "
            f"'report-due-award-{award_id}:person-{lead_id}')"
        )
    db.session.remove()
    upgrade()
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM notifications WHERE key LIKE 'report-due%'")).scalars().all()
    assert keys == [f"{report_due_key(award_id, due)}:person-{lead_id}"]
    assert send_report_due_notices(due) == 0  # already told about this date
    downgrade(revision="0014")
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM notifications WHERE key LIKE 'report-due%'")).scalars().all()
    assert keys == [f"report-due-award-{award_id}:person-{lead_id}"]
    upgrade()


def test_bank_details_already_stored_are_encrypted_and_decrypted_again_on_the_way_down(empty_app):
    """Migration 0016 turns stored bank details into tokens under the configured key."""
    upgrade(revision="0015")
    from tests import factories

    group_id = factories.group(factories.person()).id
    db.session.commit()
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO payees (group_id, method, stripe_details_submitted, stripe_requirements, updated_at, "
                "account_name, sort_code, account_number) VALUES (:g, 'bank', false, '', '2026-01-01 00:00:00', "
                "'Leeds Peer Circle', '123456', '12345678')"
            ),
            {"g": group_id},
        )
    stored = "SELECT account_name, sort_code, account_number FROM payees"
    upgrade()
    with db.engine.connect() as conn:
        tokens = conn.execute(text(stored)).one()
    assert all(t.startswith("gAAAA") for t in tokens) and "12345678" not in "".join(tokens)
    from grants.models import Payee

    payee = db.session.execute(db.select(Payee)).scalar_one()
    assert (payee.account_name, payee.sort_code, payee.account_number) == ("Leeds Peer Circle", "123456", "12345678")
    db.session.remove()
    downgrade(revision="0015")
    with db.engine.connect() as conn:
        assert tuple(conn.execute(text(stored)).one()) == ("Leeds Peer Circle", "123456", "12345678")
    upgrade()


def test_the_audit_chain_is_sealed_under_audit_key_by_0021_and_back(empty_app):
    """Migration 0021 re-seals the existing chain under AUDIT_KEY; its downgrade restores plain SHA-256."""
    upgrade(revision="0016")
    from grants.audit import record, verify
    from grants.audit.log import rekey_chain
    from grants.core import transaction

    with transaction():
        for i in range(3):
            record("rules_changed", f"Rules changed {i}.", public=True)
    with db.engine.begin() as conn:
        rekey_chain(conn, keyed=False)  # the chain as it was kept before 0021
    db.session.remove()
    assert verify()[0] is False  # a plain chain does not verify under the key
    db.session.remove()
    upgrade()
    assert verify() == (True, "3 entries, chain intact")
    db.session.remove()
    downgrade(revision="0016")
    with db.engine.begin() as conn:
        plain = conn.exec_driver_sql("SELECT hash FROM audit_entries ORDER BY seq").scalars().all()
    upgrade()
    db.session.remove()
    assert verify()[0] is True
    with db.engine.begin() as conn:
        keyed = conn.exec_driver_sql("SELECT hash FROM audit_entries ORDER BY seq").scalars().all()
    assert len(plain) == len(keyed) == 3 and not set(plain) & set(keyed)


def test_tables_and_bids_already_there_are_written_in_english_by_0033_and_back(empty_app, monkeypatch):
    """Migration 0033: every table and bid already there is in English, with no further versions;
    a version in another language goes with the tables on the way down."""
    upgrade(revision="0032")
    from tests import factories

    # The rows are laid down by today's services on 0032's schema. Today's notices name a table or
    # bid in each reader's language (columns 0033 adds), so here they name it by its own title, as
    # 0032's code did.
    for feature in ("proposals", "rounds"):
        monkeypatch.setattr(f"grants.{feature}.services.lazy_text", lambda obj, field: getattr(obj, field))

    convenor = factories.person()
    rnd = factories.open_round(convenor)
    lead = factories.person()
    grp = factories.group(lead)
    bid = factories.proposal(lead, rnd.id, grp, 10_000)
    round_id, bid_id, title = rnd.id, bid.id, rnd.title
    db.session.remove()
    upgrade(revision="0033")
    with db.engine.begin() as conn:
        assert conn.exec_driver_sql(f"SELECT language FROM rounds WHERE id = {round_id}").scalar_one() == "en"
        assert conn.exec_driver_sql(f"SELECT language FROM proposals WHERE id = {bid_id}").scalar_one() == "en"
        conn.exec_driver_sql(
            "INSERT INTO round_texts (round_id, language, title, purpose, who_may_apply) "
            f"VALUES ({round_id}, 'cy', 'Bwrdd', 'Pwrpas', 'Grwpiau')"
        )
    from grants.models import Round

    assert db.session.get(Round, round_id).versions()["cy"]["title"] == "Bwrdd"
    db.session.remove()
    downgrade(revision="0032")
    names = set(inspect(db.engine).get_table_names())
    assert "round_texts" not in names and "proposal_texts" not in names
    assert "language" not in {c["name"] for c in inspect(db.engine).get_columns("rounds")}
    with db.engine.connect() as conn:  # the table's own text stays
        assert conn.exec_driver_sql(f"SELECT title FROM rounds WHERE id = {round_id}").scalar_one() == title
