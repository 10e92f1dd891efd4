"""Group use cases."""

from __future__ import annotations

from sqlalchemy import select

from grants import audit
from grants.core import DomainError, NotAllowed, transaction, unique_slug
from grants.extensions import db
from grants.models import AuditEntry, Group, GroupMembership, GroupRole, Person
from grants.roles import is_group_member
from grants.site import link_to


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
            slug=unique_slug(Group, name),
            name=name.strip(),
            description=description.strip(),
            is_lived_experience_led=is_lived_experience_led,
            contact_email=contact_email.strip(),
            registered_number=(registered_number or "").strip() or None,
            host_organisation=(host_organisation or "").strip() or None,
        )
        session.add(group)
        session.flush()
        session.add(GroupMembership(group_id=group.id, person_id=person.id, role=GroupRole.LEAD))
    return group


def add_member(*, person: Person, group_id: int, email: str, role: GroupRole) -> GroupMembership | None:
    """A group's lead adds someone with an account to the group.

    The lead is not told whether the address has an account (that would let anyone who leads a
    group find out who uses the site): the address's owner is told by e-mail, either that they
    were added or how to create an account. None when there was no account."""
    from grants.auth.services import find_person_by_email
    from grants.notifications import notify, notify_address

    with transaction() as session:
        if not is_group_member(person, group_id, GroupRole.LEAD):
            raise NotAllowed("Only a lead of the group can add members.")
        group = session.get(Group, group_id)
        other = find_person_by_email(email)
        if other is None:
            notify_address(
                email.strip().lower(),
                "role_given",
                f"{person.display_name} would like to add you to {group.name}",
                f"{person.display_name} tried to add this e-mail address to the group {group.name} on Our Tables, "
                "but it has no account. If you would like to join, create an account with this address, then "
                "ask them to add you again. If you do not know them, you can ignore this message.",
                link=link_to("auth.signup"),
            )
            return None
        existing = session.execute(
            select(GroupMembership).where(GroupMembership.group_id == group_id, GroupMembership.person_id == other.id)
        ).scalar_one_or_none()
        if existing is not None:
            raise DomainError(f"{other.display_name} is already in the group.")
        membership = GroupMembership(group_id=group_id, person_id=other.id, role=role)
        session.add(membership)
        notify(
            [other.id],
            "role_given",
            f"You were added to {group.name}",
            f"{person.display_name} added you to the group {group.name} as a {role.value}.",
            link=link_to("public.group", slug=group.slug),
        )
        # Not public: who belongs to a group is personal. The log still proves who granted what.
        audit.record(
            "role_granted",
            f"A {role.value} was added to a group.",
            actor_id=person.id,
            details={"group_id": group_id, "person_id": other.id, "role": role.value},
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
            raise DomainError("That group does not exist.")
        if not is_group_member(person, group_id, GroupRole.LEAD):
            raise NotAllowed("Only a lead of the group can change its details.")
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
                f"{old_name} is now called {new_name}.",
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
