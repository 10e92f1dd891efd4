"""A large .pb file the worker reads, and what came of it (issue 16: a big file never holds a request)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow


class PbImport(db.Model):
    """One upload of a Pabulib file too large to read during the request.

    The file waits here until the worker reads it (its bytes are dropped then); the person
    who sent it reloads a page that shows whether it is still being imported, the table it
    made, or why it was refused (with the line)."""

    __tablename__ = "pb_imports"

    WAITING, IMPORTED, REFUSED, HAS_WARNINGS = "waiting", "imported", "refused", "has_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    accept_warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default=WAITING)
    message: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<PbImport {self.id} {self.state}>"
