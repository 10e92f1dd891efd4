"""Delivering notifications by e-mail, once, respecting each person's choices."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import undefer

from grants import jobs
from grants.extensions import db
from grants.jobs.outbox import claim, finish, record_failure
from grants.language import speaking
from grants.models import Notification, NotificationPreference, Person
from grants.models._base import utcnow
from grants.models.notifications import NotificationSecret
from grants.notifications.outbox import EVENTS
from grants.site import link_to

log = logging.getLogger(__name__)

# Always sent by e-mail: without them a person cannot get in (reset) or join (invitation).
ALWAYS_EMAILED = frozenset({"password_reset", "panel_invitation", "account_exists"})
# Off unless the person asks for them.
OFF_BY_DEFAULT = frozenset({"reminder"})
# Why a person is hearing about this, said at the foot of each e-mail.
REASONS = {
    "bid_received": _l("you lead a group that sent a bid"),
    "panel_question": _l("you lead a group whose bid the panel is reading"),
    "voting_opened": _l("you sit on this table's panel"),
    "voting_closed": _l("you sit on this table's panel"),
    "result": _l("you lead a group that bid, or sit on the panel"),
    "award_made": _l("you lead a group that was awarded money"),
    "payment_sent": _l("you lead a group that was paid"),
    "payment_held": _l("you lead a group whose payment was held"),
    "report_due": _l("you lead a group that was awarded money"),
    "panel_invitation": _l("a convenor invited this address to a panel"),
    "account_exists": _l("someone asked to create an account with this address"),
    "role_given": _l("someone added this address to a group or a table"),
    "password_reset": _l("someone asked to reset the password for this address"),  # nosec B105 - a sentence, not a secret
    "reminder": _l("you asked for panel reminders"),
}


def optional_events() -> list[tuple[str, str]]:
    """The events a person may choose to get by e-mail or not, with their plain names."""
    return [(event, label) for event, label in EVENTS.items() if event not in ALWAYS_EMAILED]


def email_choices(person_id: int) -> dict[str, bool]:
    """Which optional events this person gets by e-mail (defaults filled in)."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.event, NotificationPreference.by_email).where(
                NotificationPreference.person_id == person_id
            )
        ).all()
    )
    return {event: chosen.get(event, event not in OFF_BY_DEFAULT) for event, _ in optional_events()}


def wants_email(person_id: int | None, event: str) -> bool:
    """Whether this notification should go out by e-mail."""
    if person_id is None or event in ALWAYS_EMAILED:
        return True
    return email_choices(person_id).get(event, True)


def absolute(link: str | None) -> str | None:
    """A link usable from an e-mail: site-relative paths get SITE_URL in front."""
    if not link:
        return None
    if link.startswith("/"):
        return current_app.config["SITE_URL"] + link
    return link


def build_message(note: Notification, to: str, name: str | None) -> EmailMessage:
    """The e-mail for a notification: plain text first, HTML as the alternative."""
    context = {
        "note": note,
        "name": name,
        "body": note.with_secret(note.body),
        "link": absolute(note.with_secret(note.link)),
        "reason": REASONS.get(note.event, ""),
        "choices_link": None if note.person_id is None else absolute(link_to("notifications.choices")),
        "site_name": current_app.config.get("SITE_NAME", "Our Tables"),
    }
    msg = EmailMessage()
    msg["Subject"] = note.subject
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    domain = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    # The same notification always has the same Message-ID, so a mail client shows a copy
    # resent after a crash mid-send as one message.
    msg["Message-ID"] = f"<notification-{note.id}.{int(note.created_at.timestamp())}@{domain}>"
    msg["X-Our-Tables-Event"] = note.event
    # A request context of its own (no one signed in) so templates and url_for work in the worker,
    # written in the language the notification was written in (its recipient's).
    with current_app.test_request_context("/", base_url=current_app.config["SITE_URL"]), speaking(note.language):
        text_part = render_template("notifications/email.txt", **context)
        html_part = render_template("notifications/email.html", **context)
    msg.set_content(text_part)
    msg.add_alternative(html_part, subtype="html")
    return msg


def send_message(msg: EmailMessage) -> None:
    """Hand a message to the SMTP server, or print it to the log when none is set."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        if cfg.get("ENV_NAME") == "production":
            # Never the body in a production log: it can hold a reset link or a voting code.
            current_app.logger.warning("E-mail not sent (no MAIL_SERVER set) to %s: %s", msg["To"], msg["Subject"])
            return
        body = msg.get_body(("plain",))
        current_app.logger.info(
            "E-mail not sent (no MAIL_SERVER set) to %s\nSubject: %s\n\n%s",
            msg["To"],
            msg["Subject"],
            body.get_content() if body else "",
        )
        return
    smtp_class = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=float(cfg.get("MAIL_TIMEOUT", 20))) as smtp:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        smtp.send_message(msg)


@jobs.runner("notifications.deliver")
def deliver(notification_id: int) -> tuple[str, float | None]:
    """Claim one notification and e-mail it. Returns (outcome, retry delay in seconds)."""
    note = db.session.get(Notification, notification_id, populate_existing=True)
    if note is None:
        return "missing", None
    if note.email_state == "pending" and not wants_email(note.person_id, note.event):
        finish(Notification, note.id, "email_state", "pending", {"email_state": "not_wanted"})
        return "not_wanted", None
    db.session.rollback()
    if not claim(Notification, notification_id, "email_state", "sending", "email_attempts"):
        return "not_due", None
    db.session.rollback()  # read what the claim wrote, not an older snapshot
    note = db.session.get(
        Notification, notification_id, populate_existing=True, options=[undefer(Notification.language)]
    )
    person = db.session.get(Person, note.person_id) if note.person_id else None
    to = note.email_to or (person.email if person else None)
    attempts = note.email_attempts
    try:
        if not to:
            raise ValueError("no e-mail address for this notification")
        msg = build_message(note, to, person.display_name if person else None)
        db.session.rollback()
        send_message(msg)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, retried, then shown to an administrator
        db.session.rollback()
        log.warning("e-mail %s failed on attempt %s: %s", notification_id, attempts, exc)
        return record_failure(
            Notification, notification_id, "email_state", "sending", "email_error", attempts, exc, "MAIL_MAX_ATTEMPTS"
        )
    # Sent: the secret has done its job and is not kept (the body and link hold only its mark).
    # It goes in the transaction that records the sending, so no crash can leave a sent e-mail's
    # secret behind; and only while this worker's claim stands, since a worker that took the
    # row over still needs it.
    finish(
        Notification,
        notification_id,
        "email_state",
        "sending",
        {"email_state": "sent", "sent_at": utcnow(), "claimed_until": None, "email_error": None},
        then=[delete(NotificationSecret).where(NotificationSecret.notification_id == notification_id)],
    )
    return "sent", None
