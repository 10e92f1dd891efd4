"""Notifications: what a person is told, in the app and (if they want) by e-mail.

A notification is written in the same transaction as the event that causes it (a
transactional outbox), so a crash can never drop it; delivery happens afterwards.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, FetchedValue, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow
from grants.secrets_at_rest import EncryptedText

# Where a one-time secret (a reset token, an invitation token, a voting code) goes in a
# notification's body or link. The secret itself is kept apart, encrypted, only until the
# e-mail is sent; what stays afterwards never holds it.
SECRET_MARK = "__ONE_TIME_SECRET__"  # noqa: S105 - a placeholder, not a secret # nosec B105
SHOWN_INSTEAD = "(in the e-mail we sent)"


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
    # The language the subject and body were written in (the recipient's, grants/language): the
    # e-mail around them is written in it too. Deferred with FetchedValue, as people.language is,
    # so code at older revisions neither reads nor writes it.
    language: Mapped[str | None] = mapped_column(
        String(8), nullable=True, deferred=True, server_default=FetchedValue()
    )
    # For notifications that must be written at most once (a report falling due, a reconcile
    # run): unique, so a sweep that runs twice, or on two workers at once, writes one row.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending -> sending -> sent | failed | not_wanted (the person chose not to get this by e-mail).
    # A worker claims a row by moving it to "sending" with a lease (claimed_until) in one
    # conditional UPDATE, so two workers can never both send it; a crashed worker's lease runs
    # out and the relay hands the row to another worker.
    email_state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After a failed attempt: not before this time (exponential backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.event} to={self.person_id or self.email_to}>"

    # The secret the e-mail carries, in a row of its own, deleted once the e-mail is sent.
    secret_row: Mapped[NotificationSecret | None] = relationship(
        back_populates="notification", cascade="all, delete-orphan", uselist=False
    )

    def with_secret(self, text: str | None) -> str | None:
        """`text` as the e-mail says it: with the secret in place of its mark."""
        secret = self.secret_row.secret if self.secret_row is not None else None
        return text.replace(SECRET_MARK, secret or SHOWN_INSTEAD) if text else text

    @property
    def shown_body(self) -> str:
        """The body as the site shows it: a secret is only ever in the e-mail."""
        return self.body.replace(SECRET_MARK, SHOWN_INSTEAD)

    @property
    def shown_link(self) -> str | None:
        """The link as the site shows it: none if it would carry a secret."""
        return None if self.link and SECRET_MARK in self.link else self.link


class NotificationSecret(db.Model):
    """The one-time secret an unsent e-mail carries, encrypted under DATA_KEYS.

    Kept apart from the notification so that nothing about it stays once the e-mail has gone:
    the row is deleted when the message is sent."""

    __tablename__ = "notification_secrets"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(EncryptedText)

    notification: Mapped[Notification] = relationship(back_populates="secret_row")

    def __repr__(self) -> str:
        return f"<NotificationSecret for notification {self.notification_id}>"


class NotificationPreference(db.Model):
    """Whether one person wants one kind of notification by e-mail (no row: the default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("person_id", "event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    by_email: Mapped[bool] = mapped_column(Boolean)


class OutboxJob(db.Model):
    """Background work recorded in the same transaction as the change that causes it.

    `key` is the idempotency key: unique, so the same work can never be recorded twice,
    and handed to the handler (and on to Stripe) so a retried call has no second effect.
    """

    __tablename__ = "outbox_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    # pending -> running -> done | failed
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxJob {self.id} {self.kind} {self.key} {self.state}>"
