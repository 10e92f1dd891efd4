"""Automatic recusals: people of a bidding group stand aside from its proposals.

A lead, treasurer or member of a group that bids, or a person of its host organisation (a
member of the group the bid names as its host), is recused from that group's proposals
without having to declare it. The recusal is an ordinary interest declaration (so the ballot
paper, the count, quorum and the conflicts register all see it), written with a plain note of
why, whenever someone takes a seat and again when the panel starts reading and when voting
opens (bids are final then). The invitation and the draw warn the convenor beforehand.
"""

from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import func, select

from grants import audit
from grants.extensions import db
from grants.groups import events
from grants.models import (
    Group,
    GroupMembership,
    GroupRole,
    InterestDeclaration,
    PanelMember,
    Participation,
    Person,
    Proposal,
    ProposalStatus,
    Round,
    RoundStatus,
)
from grants.panels.deliberation import record_history, wait_for_ballots_in_flight
from grants.rounds import stages

ROLE_WORDS = {GroupRole.LEAD: "a lead", GroupRole.TREASURER: "a treasurer", GroupRole.MEMBER: "a member"}
AUTOMATIC = "Automatic: "


def _bids(round_id: int) -> list[Proposal]:
    return list(
        db.session.execute(
            select(Proposal).where(Proposal.round_id == round_id, Proposal.status != ProposalStatus.DRAFT)
        ).scalars()
    )


def group_ties(round_id: int, person_ids: set[int] | None = None) -> dict[int, list[tuple[Proposal, str]]]:
    """For each person, the round's bids they are tied to and why (as plain words)."""
    bids = _bids(round_id)
    if not bids:
        return {}
    bidders = select(Group).where(Group.id.in_({p.group_id for p in bids}))
    groups = {g.id: g for g in db.session.execute(bidders).scalars()}
    hosts = {g.host_organisation.strip().lower() for g in groups.values() if (g.host_organisation or "").strip()}
    host_groups: dict[int, Group] = {}
    if hosts:
        named = select(Group).where(func.lower(Group.name).in_(hosts))
        host_groups = {g.id: g for g in db.session.execute(named).scalars()}
    wanted = set(groups) | set(host_groups)
    stmt = select(GroupMembership).where(GroupMembership.group_id.in_(wanted))
    if person_ids is not None:
        stmt = stmt.where(GroupMembership.person_id.in_(person_ids))
    ties: dict[int, list[tuple[Proposal, str]]] = {}
    for m in db.session.execute(stmt).scalars():
        for p in bids:
            bidder = groups[p.group_id]
            if m.group_id == bidder.id:
                why = f"{ROLE_WORDS[m.role]} of {bidder.name}, the group bidding"
            elif m.group_id in host_groups and host_groups[m.group_id].name.strip().lower() == (
                bidder.host_organisation or ""
            ).strip().lower():
                why = f"{ROLE_WORDS[m.role]} of {host_groups[m.group_id].name}, host of {bidder.name}"
            else:
                continue
            ties.setdefault(m.person_id, []).append((p, why))
    return ties


def ties_for_email(round_id: int, email: str) -> list[tuple[Proposal, str]]:
    """The bids the account with this e-mail is tied to (none if there is no such account yet)."""
    person_id = db.session.execute(
        select(Person.id).where(func.lower(Person.email) == email.strip().lower())
    ).scalar_one_or_none()
    if person_id is None:
        return []
    return group_ties(round_id, {person_id}).get(person_id, [])


def warning_for(ties: list[tuple[Proposal, str]], bare: bool = False) -> str:
    """A convenor's warning naming the bids a person will stand aside from, and why.

    bare: without its subject, to follow a person's reference and name ("V-K7QX2M, Ann: will stand aside…").
    The reasons stay in English: they are the words written on the declaration's record."""
    parts = "; ".join(f"“{p.title}” ({why})" for p, why in ties)
    if bare:
        return ngettext(
            "will stand aside from %(num)d bid automatically: %(bids)s.",
            "will stand aside from %(num)d bids automatically: %(bids)s.",
            len(ties),
            bids=parts,
        )
    return ngettext(
        "They will stand aside from %(num)d bid automatically: %(bids)s.",
        "They will stand aside from %(num)d bids automatically: %(bids)s.",
        len(ties),
        bids=parts,
    )


def seated_rounds(person_id: int) -> list[int]:
    """The tables whose panel this person sits on, where the panel is still to decide."""
    deciding = (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION, RoundStatus.VOTING)
    stmt = (
        select(PanelMember.round_id)
        .join(Round, Round.id == PanelMember.round_id)
        .where(PanelMember.person_id == person_id, PanelMember.stepped_down_at.is_(None), Round.status.in_(deciding))
    )
    return list(db.session.execute(stmt).scalars())


@events.on_joining
def _stand_aside_from_the_new_groups_bids(person_id: int, group_id: int) -> None:
    """Someone who sits on a panel and joins a group bidding to it stands aside from its bids at
    once, even mid-vote, as if they had been in the group when they took their seat."""
    for round_id in seated_rounds(person_id):
        record_group_conflicts(round_id)


@stages.on_entering(RoundStatus.DELIBERATION, RoundStatus.VOTING)
def _bids_are_final(rnd: Round) -> None:
    """Bids are final: people of a bidding group stand aside from its proposals before anyone reads or votes."""
    record_group_conflicts(rnd.id)


def record_group_conflicts(round_id: int) -> int:
    """Write the automatic recusals of the round's seated panel members; returns how many are new.

    Joins the caller's transaction. A member who has already voted cannot be recused from a
    secret ballot after the fact: someone who joins a bidding group after casting keeps the
    ballot they cast while they had no tie. Everyone else tied to a bid stands aside from it,
    including mid-vote (a member who joins a bidding group then is recused as they join).
    """

    wait_for_ballots_in_flight(round_id)  # a ballot being cast is seen as cast, as for a declaration
    seated = set(
        db.session.execute(
            select(PanelMember.person_id).where(PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None))
        ).scalars()
    )
    if not seated:
        return 0
    declared: set[tuple[int, int]] = set(
        tuple(row)
        for row in db.session.execute(
            select(InterestDeclaration.person_id, InterestDeclaration.proposal_id).where(
                InterestDeclaration.round_id == round_id
            )
        ).all()
    )
    voted = set(
        db.session.execute(select(Participation.person_id).where(Participation.round_id == round_id)).scalars()
    )
    new = 0
    for person_id, ties in group_ties(round_id, seated).items():
        for proposal, why in ties:
            if (person_id, proposal.id) in declared or person_id in voted:
                continue
            declared.add((person_id, proposal.id))
            nature = f"{AUTOMATIC}{why}."
            db.session.add(
                InterestDeclaration(round_id=round_id, proposal_id=proposal.id, person_id=person_id, nature=nature)
            )
            record_history(round_id, proposal.id, person_id, "declared", nature)
            new += 1
    if new:
        db.session.flush()
        audit.record(
            "interest_declared",
            "Panel members of bidding groups were recused from their groups' proposals automatically.",
            round_id=round_id,
            details={"count": new},
        )
    return new
