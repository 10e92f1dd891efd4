"""Writing notifications into the outbox, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from grants.extensions import db
from grants.language import chosen, written_in
from grants.models import Person
from grants.models.notifications import SECRET_MARK, Notification, NotificationSecret

# The moments that matter. Each person chooses which of these reach them by e-mail.
EVENTS = {
    "bid_received": _l("Your bid was received"),
    "panel_question": _l("A question from the panel"),
    "voting_opened": _l("Voting has opened"),
    "voting_closed": _l("Voting has closed"),
    "result": _l("The result and your feedback"),
    "award_made": _l("An award was made"),
    "payment_sent": _l("A payment was sent"),
    "payment_held": _l("A payment was held"),
    "money_alert": _l("Money needs your attention"),
    "funding_offer": _l("Offers and invitations to fund a table"),
    "report_due": _l("A report is due"),
    "panel_invitation": _l("An invitation to join a panel"),
    "password_reset": _l("Reset your password"),  # nosec B105
    "account_exists": _l("Creating an account"),
    "role_given": _l("You were added to a group or a table"),
    "reminder": _l("A gentle reminder"),
}


def _check_secret(secret: str | None, body: str, link: str | None) -> None:
    """A secret goes in `secret` and only its mark in the body or link, never the secret itself."""
    if secret is None:
        return
    if SECRET_MARK not in body + (link or ""):
        raise ValueError("a notification with a secret must mark where it goes (SECRET_MARK)")
    if secret in body + (link or ""):
        raise ValueError("the secret must not be written into the notification's body or link")


def _secret(secret: str | None) -> dict:
    return {"secret_row": NotificationSecret(secret=secret)} if secret is not None else {}


def notify(
    person_ids: Iterable[int],
    event: str,
    subject: str | LazyString,
    body: str | LazyString,
    link: str | None = None,
    key: str | None = None,
    secret: str | None = None,
) -> list[Notification]:
    """Queue a notification for each person, inside the current transaction.

    Each person's is written in their own language: pass `subject` and `body` as
    `lazy_gettext("...", name=value)`, and each is put into words once per language asked for.
    With a `key`, each person's row carries `KEY:person-ID` (unique in the table): anyone
    already told under that key is skipped, so writing the same notice again adds nothing.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    people = list(dict.fromkeys(person_ids))
    keys = {pid: f"{key}:person-{pid}" for pid in people} if key else {}
    if keys:
        told = set(db.session.execute(select(Notification.key).where(Notification.key.in_(keys.values()))).scalars())
        people = [pid for pid in people if keys[pid] not in told]
    chose: dict[int, str | None] = {
        pid: code for pid, code in db.session.execute(select(Person.id, Person.language).where(Person.id.in_(people)))
    }
    words = {code: (written_in(subject, code), written_in(body, code)) for code in {chose.get(p) for p in people}}
    for _subject, text_body in words.values():
        _check_secret(secret, text_body, link)
    rows = [
        Notification(
            person_id=pid,
            event=event,
            subject=words[chose.get(pid)][0],
            body=words[chose.get(pid)][1],
            language=chose.get(pid),
            link=link,
            key=keys.get(pid),
            **_secret(secret),
        )
        for pid in people
    ]
    db.session.add_all(rows)
    return rows


def notify_address(
    email: str,
    event: str,
    subject: str | LazyString,
    body: str | LazyString,
    link: str | None = None,
    secret: str | None = None,
) -> Notification:
    """Queue an e-mail to an address that may not have an account yet.

    Written in the language of the account with that address if there is one, or else in the
    language of the page the request came from (someone asking for a reset on a Welsh page)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    owner = db.session.execute(select(Person.language).where(Person.email == email)).first()
    code = owner.language if owner is not None and owner.language else chosen()
    text_subject, text_body = written_in(subject, code), written_in(body, code)
    _check_secret(secret, text_body, link)
    row = Notification(
        email_to=email, event=event, subject=text_subject, body=text_body, link=link, language=code, **_secret(secret)
    )
    db.session.add(row)
    return row
