"""Who may do what: roles come from memberships in a context, never global flags."""

from __future__ import annotations

from sqlalchemy import exists, select

from grants.extensions import db
from grants.models import (
    FunderMembership,
    GroupMembership,
    GroupRole,
    InterestDeclaration,
    PanelMember,
    Person,
    Pledge,
    RoundStaff,
    StaffRole,
    TableFunder,
    TableFunderStatus,
)


def _exists(stmt) -> bool:  # noqa: ANN001
    return bool(db.session.execute(select(exists(stmt))).scalar())


def is_convenor(person: Person, round_id: int) -> bool:
    """A convenor runs the round: rules, panel, closing the vote."""
    return _exists(
        select(RoundStaff.id).where(
            RoundStaff.round_id == round_id,
            RoundStaff.person_id == person.id,
            RoundStaff.role == StaffRole.CONVENOR,
        )
    )


def is_treasurer(person: Person, round_id: int) -> bool:
    """A round's treasurer records payments."""
    return _exists(
        select(RoundStaff.id).where(
            RoundStaff.round_id == round_id,
            RoundStaff.person_id == person.id,
            RoundStaff.role == StaffRole.TREASURER,
        )
    )


def panel_seat(person: Person, round_id: int) -> PanelMember | None:
    """The person's active seat on the round's panel, if any."""
    return db.session.execute(
        select(PanelMember).where(
            PanelMember.round_id == round_id,
            PanelMember.person_id == person.id,
            PanelMember.stepped_down_at.is_(None),
        )
    ).scalar_one_or_none()



def is_group_member(person: Person, group_id: int, *roles: GroupRole) -> bool:
    """A member of the group, optionally in one of `roles`."""
    stmt = select(GroupMembership.id).where(
        GroupMembership.group_id == group_id, GroupMembership.person_id == person.id
    )
    if roles:
        stmt = stmt.where(GroupMembership.role.in_(roles))
    return _exists(stmt)


def acts_for_funder(person: Person, funder_id: int) -> bool:
    """The person acts for this funder."""
    return _exists(
        select(FunderMembership.id).where(
            FunderMembership.funder_id == funder_id, FunderMembership.person_id == person.id
        )
    )


def funds_round(person: Person, round_id: int) -> bool:
    """The person acts for a funder that the round's convenors accepted and that has pledged to it.

    A pledge alone is an offer: it gives no power until the convenors accept the funder."""
    return bool(accepted_funder_ids(person, round_id))


def accepted_funder_ids(person: Person, round_id: int) -> list[int]:
    """The funders this person acts for that take part in the round (accepted by its convenors, pledged)."""
    if not getattr(person, "is_authenticated", False):
        return []
    return list(
        db.session.execute(
            select(TableFunder.funder_id)
            .join(FunderMembership, FunderMembership.funder_id == TableFunder.funder_id)
            .where(
                TableFunder.round_id == round_id,
                TableFunder.status == TableFunderStatus.ACCEPTED,
                FunderMembership.person_id == person.id,
                exists(select(Pledge.id).where(Pledge.round_id == round_id, Pledge.funder_id == TableFunder.funder_id)),
            )
            .order_by(TableFunder.funder_id)
        ).scalars()
    )


# The funders a table's convenors accepted (grants/money/power.py decides who they are): selects
# for the public pages to filter on, so a pledge that is only an offer is never shown.


def accepted_funders_of(round_id: int):  # noqa: ANN201 - a Select
    """A select of the ids of the funders a table accepted (for public queries to filter on)."""
    return select(TableFunder.funder_id).where(
        TableFunder.round_id == round_id, TableFunder.status == TableFunderStatus.ACCEPTED
    )


def accepted_pairs():  # noqa: ANN201 - a Select
    """A select of (round_id, funder_id) for every accepted funder of every table."""
    return select(TableFunder.round_id, TableFunder.funder_id).where(TableFunder.status == TableFunderStatus.ACCEPTED)


def funders_accepted_anywhere():  # noqa: ANN201 - a Select
    """A select of the ids of funders that at least one table accepted (the public lists)."""
    return select(TableFunder.funder_id).where(TableFunder.status == TableFunderStatus.ACCEPTED)


def took_part_in_decision(person: Person, round_id: int) -> bool:
    """Convenors and panel members decide; they may not also release the money."""
    return is_convenor(person, round_id) or _exists(
        select(PanelMember.id).where(PanelMember.round_id == round_id, PanelMember.person_id == person.id)
    )


def may_release_money(person: Person, round_id: int) -> bool:
    """A funder of the round or its treasurer, who did not take part in the decision."""
    if took_part_in_decision(person, round_id):
        return False
    return is_treasurer(person, round_id) or funds_round(person, round_id)


def has_declared_interest(person: Person, proposal_id: int) -> bool:
    """The person declared a conflict with this proposal."""
    return _exists(
        select(InterestDeclaration.id).where(
            InterestDeclaration.proposal_id == proposal_id,
            InterestDeclaration.person_id == person.id,
        )
    )
