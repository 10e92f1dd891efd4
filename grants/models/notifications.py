"""Notifications: what a person is told, in the app and (if they want) by e-mail.

A notification is written in the same transaction as the event that causes it (a
transactional outbox), so a crash can never drop it; delivery happens afterwards.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow


class Notification(db.Model):
    """One message to one person (or, before they have an account, one e-mail address)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    email_to: Mapped[str | None] = mapped_column(String(254))
    event: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending -> sent | failed | not_wanted (the person chose not to get this by e-mail)
    email_state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.event} to={self.person_id or self.email_to}>"
