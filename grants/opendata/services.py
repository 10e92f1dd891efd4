"""Open-data use cases: make the published 360Giving files, and have them made again after a change.

After any committed use case that wrote a table the files are made from, the worker makes
them again (`REMAKE_JOB`). The job is recorded in the use case's own transaction, just
before it commits, so a change can never be left out; and a change joins a remake that is
already waiting instead of adding another, so a burst of changes is one remake or a few.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from flask import current_app
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from sqlalchemy.orm import Session

from grants import jobs
from grants.core import transaction, use_case_committing
from grants.db_setup import ANY_TABLE
from grants.extensions import db
from grants.jobs import enqueue_job
from grants.models import OutboxJob
from grants.models._base import utcnow
from grants.opendata import bp, files

REMAKE_JOB = "opendata.make_files"
# Every table the files are read from (threesixty.grants; a test checks the list against
# the queries it runs). A ballot writes none of them, so voting never remakes the files.
SOURCE_TABLES = frozenset(
    {
        "awards",
        "budget_lines",
        "funders",
        "groups",
        "ledger_accounts",
        "ledger_entries",
        "ledger_entry_groups",
        "pledges",
        "proposals",
        "rounds",
        "table_funders",
    }
)


def make_open_data_files() -> datetime:
    """Make every published file from one consistent reading of the database, and store it.

    Returns when the data was read (shown on the open-data page as when the files were made)."""
    db.session.commit()  # end whatever was read before (views never write): read afresh
    if db.session.get_bind().dialect.name == "postgresql":
        # One snapshot for all the queries, so a payment made meanwhile is in all of them or none.
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    made_at = utcnow()
    bodies = files.make_bodies()
    db.session.rollback()  # the reading ends; nothing was written in it
    with transaction():
        files.store(bodies, made_at)
    return made_at


@jobs.job(REMAKE_JOB, was="make_open_data_files")
def _make_files(key: str) -> None:  # noqa: ARG001 - making the files twice is harmless
    make_open_data_files()


def remake_after_change(session: Session, tables: frozenset[str], **_: Any) -> None:  # noqa: ANN401
    """Before a use case commits: if it wrote what the files show, record their remaking with it.

    A remake still waiting to start takes this change too. It is locked for sharing until the
    commit, so a worker cannot start it (its claim is an UPDATE) before this change is there to
    be read; one already started does not count, and a new one is recorded. On SQLite the use
    case holds the database's write lock until it commits, which the claim waits for too."""
    if ANY_TABLE not in tables and not tables & SOURCE_TABLES:
        return
    waiting = session.execute(
        select(OutboxJob.id)
        .where(OutboxJob.kind == REMAKE_JOB, OutboxJob.state == "pending", OutboxJob.attempts == 0)
        .order_by(OutboxJob.id)
        .limit(1)
        .with_for_update(read=True)
    ).first()
    if waiting is not None:
        return
    delay = float(current_app.config.get("OPEN_DATA_REMAKE_SECONDS", 10))
    # Held a few seconds, so the rest of a burst of changes joins it.
    run_after = utcnow() + timedelta(seconds=delay) if delay > 0 else None
    enqueue_job(REMAKE_JOB, f"open-data-{uuid4().hex}", run_after=run_after)


@bp.record_once
def _remake_files_after_changes(_state: BlueprintSetupState) -> None:
    """Every committed change to what the 360Giving files show has them made again."""
    use_case_committing.connect(remake_after_change, weak=False)
