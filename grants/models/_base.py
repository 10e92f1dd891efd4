"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DDL, DateTime, Enum, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def N_(message: str) -> str:
    """Marks words for the catalogue (pybabel's default keyword): a model's names for its kinds stay
    English here, as records keep them, and are translated where a person reads them (`label`)."""
    return message


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite has no time zones; without this, values read back naive on SQLite and
    aware on PostgreSQL, and comparisons break on one of them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type, length: int = 24) -> Enum:
    """A portable enum column: stored as its string values, checked by a constraint."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


REFUSE_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def sqlite_append_only_triggers(name: str) -> list[str]:
    """SQLite's version of `refuse_change`: one BEFORE trigger per refused operation."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_append_only_{op.lower()} BEFORE {op} ON {name} "
        f"BEGIN SELECT RAISE(ABORT, '{name} is append-only: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def append_only(table) -> None:  # noqa: ANN001
    """Make the database itself refuse UPDATE and DELETE on `table`, on PostgreSQL and SQLite.

    Migrations 0002 (PostgreSQL) and 0019 (SQLite) install the same triggers; this covers
    `create_all` (the tests).
    """

    # DDL formats its text with %, so the function's own % placeholders are doubled here.
    event.listen(table, "after_create", DDL(REFUSE_CHANGE_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"))
    event.listen(
        table,
        "after_create",
        DDL(
            f"CREATE TRIGGER {table.name}_append_only BEFORE UPDATE OR DELETE ON {table.name} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        ).execute_if(dialect="postgresql"),
    )
    for statement in sqlite_append_only_triggers(table.name):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))


LEDGER_SUMS_TO_ZERO_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_group_sums_to_zero() RETURNS trigger AS $$
DECLARE
    total bigint;
BEGIN
    SELECT COALESCE(SUM(amount_pence), 0) INTO total FROM ledger_entries WHERE entry_group_id = NEW.entry_group_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger entry group % does not sum to zero (it sums to %)', NEW.entry_group_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

LEDGER_SUMS_TO_ZERO_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER ledger_entries_sum_to_zero AFTER INSERT ON ledger_entries "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_group_sums_to_zero()"
)


def sums_to_zero(table) -> None:  # noqa: ANN001
    """On PostgreSQL, check at commit that each entry group written sums to zero.

    Deferred to the commit because a group's entries arrive one row at a time. SQLite has no
    deferred triggers; there `books.post` (grants/ledger/books.py) is the only check. Migration 0019 installs the same.
    """

    event.listen(
        table, "after_create", DDL(LEDGER_SUMS_TO_ZERO_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql")
    )
    event.listen(table, "after_create", DDL(LEDGER_SUMS_TO_ZERO_TRIGGER).execute_if(dialect="postgresql"))


class AddressInvitation:
    """Columns of an invitation sent to an e-mail address and waiting for its owner's answer.

    Adding someone to a group or a table makes one of these whether or not the address has an
    account, so whoever adds them sees the same thing either way (nobody can find out who uses
    the site by adding them), and nobody takes on a role without saying yes. Only an account
    signed in with the invited address can answer (grants/invitations.py)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once: accepted (with the account that accepted) or declined; never both.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.declined_at is None
