"""Group use cases."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants import audit, invitations
from grants.core import DomainError, NotAllowed, add_with_unique_slug, transaction
from grants.extensions import db
from grants.groups import events
from grants.language.records import Words
from grants.models import N_, AuditEntry, Group, GroupInvitation, GroupMembership, GroupRole, Person
from grants.roles import is_group_member


def register_group(
    *,
    person: Person,
    name: str,
    description: str,
    is_lived_experience_led: bool,
    contact_email: str,
    registered_number: str | None = None,
    host_organisation: str | None = None,
) -> Group:
    """Register a group; the person who registers it becomes its lead."""
    with transaction() as session:
        group = Group(
            name=name.strip(),
            description=description.strip(),
            is_lived_experience_led=is_lived_experience_led,
            contact_email=contact_email.strip(),
            registered_number=(registered_number or "").strip() or None,
            host_organisation=(host_organisation or "").strip() or None,
        )
        add_with_unique_slug(session, group, name)
        session.add(GroupMembership(group_id=group.id, person_id=person.id, role=GroupRole.LEAD))
    return group


def invite_member(*, person: Person, group_id: int, email: str, role: GroupRole) -> GroupInvitation:
    """A group's lead invites someone, by e-mail address, to join the group.

    The same happens whether or not the address has an account (grants/invitations.py): the
    lead sees the same waiting row either way, and nobody is put in a group without saying yes."""
    to = invitations.address(email)
    with transaction() as session:
        if not is_group_member(person, group_id, GroupRole.LEAD):
            raise NotAllowed(_("Only a lead of the group can add members."))
        group = session.get(Group, group_id)
        member = session.execute(
            select(GroupMembership.id)
            .join(Person, Person.id == GroupMembership.person_id)
            .where(GroupMembership.group_id == group_id, func.lower(Person.email) == to)
        ).first()
        if member is not None:
            raise DomainError(_("%(email)s is already in the group.", email=to))
        if invitations.waiting(GroupInvitation, GroupInvitation.group_id == group_id, GroupInvitation.email == to):
            raise DomainError(_("%(email)s has already been invited. The invitation is waiting for them.", email=to))
        invitation = GroupInvitation(group_id=group_id, email=to, role=role, invited_by_id=person.id)
        session.add(invitation)
        session.flush()
        invitations.tell(
            to,
            inviter=person,
            subject=_l("%(name)s invited you to join %(group)s", name=person.display_name, group=group.name),
            what=_l("to join the group %(group)s as a %(role)s", group=group.name, role=_l(role.value)),
        )
        # Not public: who belongs to a group is personal. The log still proves who granted what.
        audit.record(
            "role_granted",
            f"A {role.value} was invited to a group.",
            actor_id=person.id,
            details={"group_id": group_id, "invitation_id": invitation.id, "role": role.value},
        )
    return invitation


def open_invitations(group_id: int) -> list[GroupInvitation]:
    """A group's invitations still waiting for an answer (and not yet expired)."""
    return invitations.waiting(GroupInvitation, GroupInvitation.group_id == group_id)


def answer_invitation(*, person: Person, invitation_id: int, accept: bool) -> GroupMembership | None:
    """Say yes (join the group) or no to an invitation sent to one's own address."""
    with transaction() as session:
        invitation = invitations.answer(GroupInvitation, invitation_id, person, accept)
        if not accept:
            return None
        membership = session.execute(
            select(GroupMembership).where(
                GroupMembership.group_id == invitation.group_id, GroupMembership.person_id == person.id
            )
        ).scalar_one_or_none()
        if membership is None:
            membership = GroupMembership(group_id=invitation.group_id, person_id=person.id, role=invitation.role)
            session.add(membership)
        session.flush()
        events.joined(person.id, invitation.group_id)  # panels: a member of a bidding group stands aside
        audit.record(
            "role_granted",
            f"A {invitation.role.value} joined a group.",
            actor_id=person.id,
            details={"group_id": invitation.group_id, "person_id": person.id, "role": invitation.role.value},
        )
    return membership


def update_group(
    *,
    person: Person,
    group_id: int,
    name: str,
    description: str,
    is_lived_experience_led: bool,
    contact_email: str,
    registered_number: str | None = None,
    host_organisation: str | None = None,
) -> Group:
    """A lead changes the group's details. A new name is logged in public, so people can follow a group
    whose name changed (its web address stays the same)."""
    with transaction() as session:
        group = session.get(Group, group_id)
        if group is None:
            raise DomainError(_("That group does not exist."))
        if not is_group_member(person, group_id, GroupRole.LEAD):
            raise NotAllowed(_("Only a lead of the group can change its details."))
        old_name, new_name = group.name, name.strip()
        group.name = new_name
        group.description = description.strip()
        group.is_lived_experience_led = is_lived_experience_led
        group.contact_email = contact_email.strip()
        group.registered_number = (registered_number or "").strip() or None
        group.host_organisation = (host_organisation or "").strip() or None
        if new_name != old_name:
            audit.record(
                "group_renamed",
                Words(N_("%(old)s is now called %(new)s."), old=old_name, new=new_name),
                actor_id=person.id,
                public=True,
                details={"group_id": group_id, "from": old_name, "to": new_name},
            )
    return group


def earlier_names(group_id: int) -> list[tuple[str, object]]:
    """The group's earlier names and when each changed, oldest first (from the public log)."""
    entries = db.session.execute(
        select(AuditEntry)
        .where(AuditEntry.action == "group_renamed", AuditEntry.is_public.is_(True))
        .order_by(AuditEntry.seq)
    ).scalars()
    return [(e.details["from"], e.created_at) for e in entries if e.details.get("group_id") == group_id]
