"""Use cases for a person's own notifications."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import undefer

from grants.core import NotFound, hold, transaction
from grants.extensions import db
from grants.models import Notification, NotificationPreference, Person
from grants.models._base import utcnow
from grants.notifications.delivery import optional_events


def for_person(person: Person, limit: int = 100) -> list[Notification]:
    """A person's notifications, newest first."""
    return list(
        db.session.execute(
            select(Notification)
            .where(Notification.person_id == person.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
            .options(undefer(Notification.language))  # each is marked with the language it was written in
        ).scalars()
    )


def unread_count(person_id: int) -> int:
    """How many of a person's notifications are unread."""
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.person_id == person_id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(*, person: Person, notification_id: int) -> Notification:
    """Mark one of the person's own notifications as read."""
    with transaction():
        note = db.session.get(Notification, notification_id)
        if note is None or note.person_id != person.id:
            raise NotFound("That notification does not exist.")
        if note.read_at is None:
            note.read_at = utcnow()
    return note


def mark_all_read(*, person: Person) -> int:
    """Mark all the person's notifications as read. Returns how many changed."""
    with transaction() as session:
        result = session.execute(
            update(Notification)
            .where(Notification.person_id == person.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return result.rowcount


def set_email_choices(*, person: Person, wanted: set[str]) -> None:
    """Record which optional notifications the person wants by e-mail (the rest stay in the app).

    The person's row is held first, so the same form sent twice at once (a double click) is saved
    twice in turn, rather than both inserting the first choices and one failing."""
    with transaction() as session:
        hold(Person, person.id)
        existing = {
            p.event: p
            for p in session.execute(
                select(NotificationPreference).where(NotificationPreference.person_id == person.id)
            ).scalars()
        }
        for event, _label in optional_events():
            row = existing.get(event)
            if row is None:
                session.add(NotificationPreference(person_id=person.id, event=event, by_email=event in wanted))
            else:
                row.by_email = event in wanted
