"""Casting a secret ballot.

The ballot row and the participation row are written in one transaction. The ballot
holds no person, no time and a random id; the unique participation row makes a second
ballot from the same person fail, also when two arrive at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.models import Ballot, InterestDeclaration, Participation, Person, Proposal, Round
from grants.money import ledger
from grants.money_format import format_pence
from grants.roles import panel_seat
from grants.rounds.counting import ballot_proposals

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class AlreadyVoted(DomainError):
    """One ballot per person per round."""


class VotingClosed(DomainError):
    """The round is not taking ballots."""


@dataclass(frozen=True)
class BallotPaper:
    """What a panel member may choose from, and the limits that apply."""

    round: Round
    proposals: list[Proposal]
    stood_aside: set[int]
    budget_pence: int

    @property
    def choosable(self) -> list[Proposal]:
        return [p for p in self.proposals if p.id not in self.stood_aside]


def new_receipt() -> str:
    """A receipt code like K7QX-MP2D-9RTA: easy to read out and to type."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def ballot_paper(person: Person, rnd: Round) -> BallotPaper:
    """The ballot paper for a panel member, or a refusal saying why they cannot vote."""
    if not rnd.is_voting:
        raise VotingClosed("Voting is not open on this table.")
    seat = panel_seat(person, rnd.id)
    if seat is None:
        raise NotAllowed("Only members of this table's panel can vote.")
    if seat.is_paused:
        raise DomainError("You have paused. Resume taking part on your panel page if you want to vote.")
    voted = db.session.execute(
        select(Participation.id).where(Participation.round_id == rnd.id, Participation.person_id == person.id)
    ).first()
    if voted:
        raise AlreadyVoted("You have already voted on this table. Each person votes once.")
    stood_aside = set(
        db.session.execute(
            select(InterestDeclaration.proposal_id).where(
                InterestDeclaration.round_id == rnd.id, InterestDeclaration.person_id == person.id
            )
        ).scalars()
    )
    return BallotPaper(
        round=rnd,
        proposals=ballot_proposals(rnd.id),
        stood_aside=stood_aside,
        budget_pence=ledger.round_summary(rnd.id).available_pence,
    )


def check_choices(paper: BallotPaper, chosen_ids: list[int]) -> list[Proposal]:
    """The chosen proposals, or a refusal that says what to change."""
    by_id = {p.id: p for p in paper.proposals}
    if len(set(chosen_ids)) != len(chosen_ids):
        raise DomainError("Each proposal can be picked once.")
    unknown = [pid for pid in chosen_ids if pid not in by_id]
    if unknown:
        raise DomainError("Your ballot named a proposal that is not on this table's ballot.")
    conflicted = [by_id[pid].title for pid in chosen_ids if pid in paper.stood_aside]
    if conflicted:
        raise DomainError(f"You declared an interest in “{conflicted[0]}”, so you cannot vote for it.")
    chosen = [by_id[pid] for pid in chosen_ids]
    rnd = paper.round
    if rnd.min_picks and len(chosen) < rnd.min_picks:
        raise DomainError(f"Pick at least {rnd.min_picks} proposals. You picked {len(chosen)}.")
    if rnd.max_picks and len(chosen) > rnd.max_picks:
        raise DomainError(f"Pick no more than {rnd.max_picks} proposals. You picked {len(chosen)}.")
    total = sum(p.requested_pence for p in chosen)
    if rnd.ballot_within_budget and total > paper.budget_pence:
        raise DomainError(
            f"Your picks add up to {format_pence(total)}, more than the pot of "
            f"{format_pence(paper.budget_pence)}. Untick some proposals so they fit."
        )
    return chosen


def cast_ballot(*, person: Person, round_id: int, chosen_ids: list[int]) -> str:
    """Cast a secret ballot and return the voter's receipt code."""
    try:
        with transaction() as session:
            rnd = lock_for_update(Round, round_id)
            paper = ballot_paper(person, rnd)
            chosen = check_choices(paper, chosen_ids)
            receipt = new_receipt()
            session.add(Participation(round_id=rnd.id, person_id=person.id, channel="online"))
            session.add(
                Ballot(
                    id=secrets.token_hex(16),
                    round_id=rnd.id,
                    marks={str(p.id): 1 for p in chosen},
                    receipt=receipt,
                )
            )
            session.flush()
    except IntegrityError as exc:
        # Two submissions at once: the unique participation row let only one through.
        raise AlreadyVoted("You have already voted on this table. Each person votes once.") from exc
    return receipt
