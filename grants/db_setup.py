"""Database engine settings that keep money and ballots safe on both databases.

SQLite is the embedded default. Its deferred transactions would let two requests
read the same balance and both write; so a use case (see `core.transaction`) starts
with `BEGIN IMMEDIATE`, which takes the write lock at once: check-then-write use cases
are serialised, and a busy timeout makes the second writer wait instead of failing.
Plain page views read in deferred transactions and, with WAL, never block writers.
PostgreSQL uses row locks (`SELECT ... FOR UPDATE`, see `core.lock_for_update`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from weakref import WeakSet

from sqlalchemy import event
from sqlalchemy.engine import Engine

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
_written: ContextVar[set[str] | None] = ContextVar("written_tables", default=None)
ANY_TABLE = "*"  # a write whose table could not be told (raw SQL, DDL): assume it touched anything
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA", "SHOW", "SET")
_configured: WeakSet[Engine] = WeakSet()  # engines already set up: two apps may share one (the tests do)


@contextmanager
def write_intent() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at once."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def noting_writes() -> Iterator[set[str]]:
    """Collect the names of the tables written inside this block (`ANY_TABLE` when unknown)."""
    written: set[str] = set()
    token = _written.set(written)
    try:
        yield written
    finally:
        _written.reset(token)


def _written_table(statement: str, context: Any) -> str | None:  # noqa: ANN401
    """The table a statement writes, ANY_TABLE if it writes but the table is unknown, else None."""
    if context is None or context.isddl:
        return ANY_TABLE
    if context.isinsert or context.isupdate or context.isdelete:
        return getattr(getattr(context.compiled.statement, "table", None), "name", None) or ANY_TABLE
    if context.compiled is None or context.is_text:
        words = statement.lstrip().split(None, 1)
        return None if words and words[0].upper() in _READS else ANY_TABLE
    return None


def configure_engine(engine: Engine) -> None:
    """Install the per-dialect settings on an engine, once however many apps use it."""
    if engine in _configured:
        return
    _configured.add(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        written = _written.get()
        if written is not None:
            table = _written_table(statement, context)
            if table is not None:
                written.add(table)

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
