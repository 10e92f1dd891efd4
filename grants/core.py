"""What every service shares: domain errors, one transaction per use case, row locks."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from blinker import Signal
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grants.db_setup import noting_writes, write_intent
from grants.extensions import db

T = TypeVar("T")


class DomainError(Exception):
    """A use case refused: the message is for a person and says what to do next."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Problems(DomainError):
    """Several things to fix, said all at once: each (the id of the box it is about, what to do)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(" ".join(message for _where, message in problems))
        self.problems = list(problems)


def raise_problems(problems: list[tuple[str, str]]) -> None:
    """Refuse with every problem found, if there are any."""
    if problems:
        raise Problems(problems)


class NotAllowed(DomainError):
    """The person may not do this here."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to this person)."""


_in_use_case: ContextVar[bool] = ContextVar("in_use_case", default=False)

# Sent after a use case's transaction has committed, with `tables`: the names of the tables it
# wrote ("*" for a write whose table is unknown). grants/caching.py forgets public pages.
use_case_committed = Signal("use-case-committed")
# Sent just before the commit, with the same `tables` (everything written so far, flushed): a
# receiver may write more in the use case's own transaction, so it is kept or lost with it
# (grants/opendata/services.py records the rebuild of the published files this way). What the
# receivers write is their own bookkeeping and is not added to `tables`.
use_case_committing = Signal("use-case-committing")


@contextmanager
def transaction() -> Iterator[Session]:
    """Run one use case in one transaction: all of it is written, or none of it.

    Whatever the view read before is forgotten first (views never write), so the use case
    sees the latest data: on SQLite it starts a fresh transaction that holds the write lock
    from its first statement; on PostgreSQL at READ COMMITTED every statement already sees
    the latest commits, so it carries on in the view's transaction with the objects expired.
    A use case called from inside another one joins the outer transaction.
    """
    session = db.session()
    if _in_use_case.get():
        yield session
        return
    if session.in_transaction():
        if _each_statement_sees_the_latest(session):
            session.expire_all()  # same visibility as a fresh transaction, two round trips fewer
        else:
            session.commit()
    token = _in_use_case.set(True)
    try:
        with write_intent(), noting_writes() as written:
            yield session
            session.flush()  # every write is noted before the receivers hear which tables were written
            tables = frozenset(written)
            use_case_committing.send(session, tables=tables)
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _in_use_case.reset(token)
    use_case_committed.send(session, tables=tables)


def _each_statement_sees_the_latest(session: Session) -> bool:
    """PostgreSQL at READ COMMITTED: a statement sees every commit made before it began, so
    a use case may carry on in the view's reading transaction once the objects read are
    forgotten. SQLite must begin afresh, to take the write lock at the start (db_setup)."""
    dialect = session.get_bind().dialect
    return dialect.name == "postgresql" and dialect.default_isolation_level == "READ COMMITTED"


def id_of(row: Any) -> Any:  # noqa: ANN401 - any mapped row
    """A loaded row's primary key, without reloading the row if a commit has expired it."""
    identity = inspect(row).identity
    return identity[0] if identity and len(identity) == 1 else identity


def lock_for_update(model: type[T], pk: Any) -> T:
    """Load a row and lock it until the transaction ends (PostgreSQL `FOR UPDATE`).

    On SQLite every transaction already holds the write lock (see db_setup), so the
    check-then-write that follows is serialised there too.
    """
    row = db.session.execute(
        select(model)
        .where(model.id == pk)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)  # the locked row's values, not what was read before
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("That record no longer exists.")
    return row


def hold(model: type, pk: Any) -> None:  # noqa: ANN401
    """Hold a row until this transaction ends (PostgreSQL `FOR UPDATE`), without reading it again.

    For a use case that reads whether something is there yet and then writes it: two at the same
    moment (a double click, two people) would both read "not yet" and both write. Held first, they
    go one after the other, and the second sees what the first wrote. SQLite's write lock, taken
    at the start of every use case (db_setup), does the same there.
    """
    db.session.execute(select(model.id).where(model.id == pk).with_for_update())  # type: ignore[attr-defined]


def slugify(text: str, max_length: int = 60) -> str:
    """A URL-safe slug from a title."""
    normal = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normal.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"


def unique_slug(model: type, text: str) -> str:
    """A slug not yet used by `model`, with a short random suffix when needed (`add_with_unique_slug`
    also copes with one taken at the same moment)."""
    base = slugify(text)
    slug = base
    while db.session.execute(select(model.slug).where(model.slug == slug)).first():  # type: ignore[attr-defined]
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


SLUG_ATTEMPTS = 5


def add_with_unique_slug(session: Session, row: Any, text: str) -> None:  # noqa: ANN401 - any mapped row with a slug
    """Add `row` with a slug made from `text` that no other row of its kind has, and flush it.

    Reading which slugs are taken cannot stop another use case from taking the same one at the
    same moment: two people registering "Allotment Minds", or one form sent twice by a double
    click. On PostgreSQL the second insert then meets the unique index as soon as the first
    commits. It is tried again, in a savepoint, with a short suffix, rather than failing the
    whole use case with a server error. (SQLite lets one writer in at a time, so there the
    second always sees the first.) Any other rule the insert breaks is raised as it is.
    """
    model = type(row)
    base, slug = slugify(text), unique_slug(model, text)
    for attempt in range(SLUG_ATTEMPTS):
        row.slug = slug
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return
        except IntegrityError:
            taken = session.execute(select(model.slug).where(model.slug == slug)).first() is not None
            if not taken or attempt == SLUG_ATTEMPTS - 1:
                raise
            slug = f"{base}-{secrets.token_hex(2)}"
