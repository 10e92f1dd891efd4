"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


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


def append_only(table) -> None:  # noqa: ANN001
    """On PostgreSQL, make the database itself refuse UPDATE and DELETE on `table`.

    Migration 0002 installs the same trigger; this covers `create_all` (the tests).
    """
    from sqlalchemy import DDL, event

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
