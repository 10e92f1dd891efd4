"""Invitations by e-mail address: to join a group, or to help run a table.

Whoever adds someone sees the same thing whether or not the address has an account: an
invitation waits for the address's owner, who is told by e-mail in the same words either way.
Only an account signed in with that address can answer it, once, within INVITATION_DAYS.
The models share their columns (`grants.models._base.AddressInvitation`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from grants.core import DomainError, lock_for_update
from grants.extensions import db
from grants.models import GroupInvitation, Person, StaffInvitation
from grants.notifications import notify_address
from grants.site import link_to

I = TypeVar("I", GroupInvitation, StaffInvitation)  # noqa: E741


def days() -> int:
    """How long an invitation waits for an answer."""
    return int(current_app.config.get("INVITATION_DAYS", 14))


def _since() -> datetime:
    return datetime.now(UTC) - timedelta(days=days())


def address(email: str) -> str:
    return email.strip().lower()


def waiting(model: type[I], *where) -> list[I]:  # noqa: ANN002
    """Invitations of `model` matching `where` that still wait for an answer, oldest first."""
    stmt = select(model).where(
        *where, model.accepted_at.is_(None), model.declined_at.is_(None), model.created_at > _since()
    )
    return list(db.session.execute(stmt.order_by(model.id)).scalars())


def for_person(person: Person) -> tuple[list[GroupInvitation], list[StaffInvitation]]:
    """What waits for this person's own address: group invitations, then table invitations."""
    mine = address(person.email)
    return (
        waiting(GroupInvitation, GroupInvitation.email == mine),
        waiting(StaffInvitation, StaffInvitation.email == mine),
    )


def answer(model: type[I], invitation_id: int, person: Person, accept: bool) -> I:
    """Lock the invitation and record the answer, if it is this person's and still waiting.

    Joins the caller's transaction; the caller adds the role when the answer is yes."""
    invitation = lock_for_update(model, invitation_id)
    if invitation.email != address(person.email) or not invitation.is_open or invitation.created_at <= _since():
        raise DomainError(_("That invitation is not waiting for you. It may have been answered or have expired."))
    now = datetime.now(UTC)
    if accept:
        invitation.accepted_at = now
        invitation.accepted_by_id = person.id
    else:
        invitation.declined_at = now
    return invitation


def tell(to: str, *, inviter: Person, subject: str | LazyString, what: str | LazyString) -> None:
    """The one e-mail an invitation sends, in the same words whether or not `to` has an account.

    `what` says what they are invited to, e.g. "to join the group X as a member"."""
    notify_address(
        to,
        "role_given",
        subject,
        _l(
            "%(name)s invited this e-mail address %(what)s on Our Tables. To say yes or no, sign in with this "
            "address (or create an account with it) and open your invitations. The invitation lasts %(days)s days. "
            "If you do not know them, you can ignore this message.",
            name=inviter.display_name,
            what=what,
            days=days(),
        ),
        link=link_to("auth.invitations"),
    )
