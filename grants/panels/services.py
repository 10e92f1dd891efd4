"""Panel use cases."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants import audit
from grants.core import DomainError, NotAllowed, transaction
from grants.extensions import db
from grants.language.written import lazy_text
from grants.models import (
    PanelInvitation,
    PanelMember,
    PanelRole,
    Person,
    Round,
    RoundStatus,
)
from grants.models.notifications import SECRET_MARK
from grants.notifications import notify_address
from grants.panels import deliberation
from grants.panels.conflicts import record_group_conflicts
from grants.roles import is_convenor, panel_seat
from grants.site import link_to


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    *, person: Person, round_id: int, email: str, role: PanelRole, link_for: Callable[[str], str] | None = None
) -> tuple[PanelInvitation, str]:
    """Invite someone to the panel by e-mail. Returns the invitation and its one-time token."""
    with transaction() as session:
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only a convenor of this table can invite panel members."))
        rnd = session.get(Round, round_id)
        if rnd.status in (RoundStatus.COUNTED, RoundStatus.NO_DECISION, RoundStatus.CLOSED):
            raise DomainError(_("This table has finished deciding; its panel cannot change now."))
        token = secrets.token_urlsafe(24)
        invitation = PanelInvitation(
            round_id=round_id, email=email.strip().lower(), token_hash=_hash(token), role=role, invited_by_id=person.id
        )
        session.add(invitation)
        link = link_for(SECRET_MARK) if link_for else link_to("panels.accept", token=SECRET_MARK)
        notify_address(
            invitation.email,
            "panel_invitation",
            _l("You are invited to the panel for %(title)s", title=lazy_text(rnd, "title")),
            _l(
                "%(name)s invites you to join the panel that decides %(title)s: %(purpose)s\n\n"
                "Panel members read the proposals, talk about them together and vote in a secret ballot. You can "
                "pause at any time without giving a reason. Open the link to say yes.",
                name=person.display_name,
                title=lazy_text(rnd, "title"),
                purpose=rnd.purpose,
            ),
            link=link,
            secret=token,
        )
    return invitation, token


def find_invitation(token: str) -> PanelInvitation | None:
    """The invitation for a token, if it exists and its link has not expired."""
    invitation = db.session.execute(
        select(PanelInvitation).where(PanelInvitation.token_hash == _hash(token))
    ).scalar_one_or_none()
    if invitation is None or invitation_expired(invitation):
        return None
    return invitation


def invitation_expired(invitation: PanelInvitation) -> bool:
    """An invitation's link works for PANEL_INVITATION_DAYS, so an old e-mail or backup opens nothing."""
    days = int(current_app.config.get("PANEL_INVITATION_DAYS", 14))
    return invitation.created_at + timedelta(days=days) < datetime.now(UTC)


def accept_invitation(*, person: Person, token: str, has_lived_experience: bool | None = None) -> PanelMember:
    """Take up a seat on a panel; what the person says about lived experience stays private."""
    with transaction() as session:
        invitation = find_invitation(token)
        if invitation is None:
            raise DomainError(_("That invitation link is not valid. Ask the convenor for a new one."))
        if invitation.accepted_at is not None:
            raise DomainError(_("That invitation has already been used."))
        if invitation.round.status in (RoundStatus.COUNTED, RoundStatus.NO_DECISION, RoundStatus.CLOSED):
            raise DomainError(_("This table has finished deciding; its panel cannot change now."))
        if invitation.round.rules_frozen:
            # Nobody joins a panel mid-vote: the ballot paper and quorum were fixed when voting opened.
            raise DomainError(_("Voting has opened on this table, so its invitations can no longer be accepted."))
        if person.email.strip().lower() != invitation.email.strip().lower():
            # Not a bearer link: only the account that proves the invited address takes the seat.
            raise NotAllowed(
                _(
                    "This invitation was sent to another e-mail address. Sign in with the account for the address "
                    "it was sent to, or ask the convenor to invite this account."
                )
            )
        seat = session.execute(
            select(PanelMember).where(PanelMember.round_id == invitation.round_id, PanelMember.person_id == person.id)
        ).scalar_one_or_none()
        if seat is None:
            seat = PanelMember(round_id=invitation.round_id, person_id=person.id, role=invitation.role)
            session.add(seat)
        else:
            seat.stepped_down_at = None
        if has_lived_experience is not None:
            seat.has_lived_experience = has_lived_experience
        invitation.accepted_at = datetime.now(UTC)
        invitation.accepted_by_id = person.id
        session.flush()

        record_group_conflicts(invitation.round_id)
        audit.record(
            "role_granted",
            "A panel member joined the panel.",
            actor_id=person.id,
            round_id=invitation.round_id,
            details={"role": invitation.role.value},
        )
    return seat


def _seat_or_refuse(person: Person, round_id: int) -> PanelMember:
    seat = panel_seat(person, round_id)
    if seat is None:
        raise NotAllowed(_("Only members of this table's panel can do that."))
    return seat


# Commenting and declaring interests live with the rest of deliberation; these names stay for callers.
add_comment = deliberation.add_comment
declare_interest = deliberation.declare_interest


def set_paused(*, person: Person, round_id: int, paused: bool) -> PanelMember:
    """Pause or resume taking part. No reason is asked."""
    with transaction():
        seat = _seat_or_refuse(person, round_id)
        seat.is_paused = paused
    return seat
