"""People: anyone with a login. Roles come from memberships, never global flags."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, FetchedValue, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow


class Person(UserMixin, db.Model):
    """A person with a login."""

    __tablename__ = "people"
    __mapper_args__ = {"eager_defaults": False}  # session_epoch is read when needed, not RETURNING'd

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on by signing out, a password reset and "sign out everywhere": every session
    # cookie made before carries the old number and is no longer accepted (grants/security.py).
    # Deferred with only a server default, so code written before this column (the migration
    # tests at older revisions) neither reads nor writes it; the user loader undefers it.
    session_epoch: Mapped[int] = mapped_column(Integer, server_default="0", deferred=True)
    # The language the person chose (a code of grants/language.LANGUAGES), or None: their pages,
    # e-mails and notifications are written in it. Deferred, as session_epoch is, so code at
    # older revisions never reads it, and FetchedValue, so an insert leaves it out (NULL); the user
    # loader undefers it.
    language: Mapped[str | None] = mapped_column(
        String(8), nullable=True, deferred=True, server_default=FetchedValue()
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"

    def get_id(self) -> str:
        """What the session cookie holds: the person and their session generation."""
        return f"{self.id}:{self.session_epoch}"
