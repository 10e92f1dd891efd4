"""Closing the vote: quorum first, then the published counting rule, then awards.

The result is stored once and never recomputed silently. The ballots are rewritten in
a random order at close, so neither row order nor system columns can link them to the
participation records written alongside them.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select

from grants import audit
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.models import (
    Ballot,
    Group,
    GroupMembership,
    PanelMember,
    Proposal,
    ProposalStatus,
    Result,
    ResultLine,
    Round,
    RoundStatus,
    TieBreak,
)
from grants.money import ledger
from grants.money.services import commit_awards
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import is_convenor
from grants.tally import Election, Project, count, lottery_order, write_pb

# Rounds with fewer voters than this publish totals only, never the ballot file.
MIN_VOTERS_FOR_BALLOT_FILE = 5


def quorum_required(rnd: Round, eligible: int) -> int:
    """The fewest ballots for a decision under the round's published quorum rule."""
    needed = rnd.quorum_min_ballots or 0
    if rnd.quorum_min_share_percent:
        needed = max(needed, math.ceil(eligible * rnd.quorum_min_share_percent / 100))
    return max(needed, 1)


def eligible_voters(round_id: int) -> int:
    """Panel members who count towards quorum: active and not paused."""
    return len(
        db.session.execute(
            select(PanelMember.id).where(
                PanelMember.round_id == round_id,
                PanelMember.stepped_down_at.is_(None),
                PanelMember.is_paused.is_(False),
            )
        ).all()
    )


def ballot_proposals(round_id: int) -> list[Proposal]:
    """The proposals on a round's ballot (submitted ones), in a stable order."""
    return list(
        db.session.execute(
            select(Proposal)
            .where(
                Proposal.round_id == round_id,
                Proposal.status.in_(
                    [
                        ProposalStatus.SUBMITTED,
                        ProposalStatus.FUNDED,
                        ProposalStatus.NOT_FUNDED,
                    ]
                ),
            )
            .order_by(Proposal.id)
        ).scalars()
    )


def tie_break_order(rnd: Round, proposals: list[Proposal]) -> list[str]:
    """The round's published tie-break as an explicit priority order of proposal ids."""
    if rnd.tie_break is TieBreak.LOTTERY:
        return lottery_order([str(p.id) for p in proposals], rnd.lottery_seed or "")
    if rnd.tie_break is TieBreak.NEWER_GROUP_FIRST:
        created = dict(
            db.session.execute(
                select(Group.id, Group.created_at).where(Group.id.in_({p.group_id for p in proposals}))
            ).all()
        )
        ordered = sorted(proposals, key=lambda p: (-created[p.group_id].timestamp(), p.id))
        return [str(p.id) for p in ordered]
    return [str(p.id) for p in sorted(proposals, key=lambda p: (p.requested_pence, p.id))]


def build_election(rnd: Round, proposals: list[Proposal], budget: int) -> Election:
    """The anonymous election: projects, budget and ballots keyed by receipt."""
    ballots = list(
        db.session.execute(select(Ballot).where(Ballot.round_id == rnd.id).order_by(Ballot.receipt)).scalars()
    )
    return Election(
        projects=[Project(id=str(p.id), cost=p.requested_pence, name=p.title) for p in proposals],
        budget=budget,
        vote_type="approval",
        ballots=[{k: int(v) for k, v in b.marks.items()} for b in ballots],
        voter_ids=[b.receipt for b in ballots],
        meta={
            "description": rnd.title,
            "country": "United Kingdom",
            "unit": "Our Tables",
            "instance": rnd.slug,
            "currency": rnd.currency,
            "rule": rnd.counting_rule.value,
            "vote_type": "approval",
        },
        min_length=rnd.min_picks,
        max_length=rnd.max_picks,
    )


def ballot_file(election: Election, selected: list[str] | None = None) -> str:
    """The anonymous ballot file in Pabulib format; voters find their receipt in it."""
    return write_pb(election, selected=selected)


def _shuffle_ballots(round_id: int) -> None:
    ballots = list(db.session.execute(select(Ballot).where(Ballot.round_id == round_id)).scalars())
    rows = [(b.marks, b.receipt) for b in ballots]
    random.SystemRandom().shuffle(rows)
    db.session.execute(delete(Ballot).where(Ballot.round_id == round_id))
    db.session.flush()
    for marks, receipt in rows:
        db.session.add(Ballot(id=secrets.token_hex(16), round_id=round_id, marks=marks, receipt=receipt))
    db.session.flush()


def close_voting(*, person, round_id: int) -> Result:  # noqa: ANN001
    """Close voting and count. `person` is None when the timetable closes it."""
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if person is not None and not is_convenor(person, rnd.id):
            raise NotAllowed("Only a convenor of this table can close voting.")
        if rnd.status is not RoundStatus.VOTING:
            raise DomainError("Voting is not open on this table, so there is nothing to close.")
        _shuffle_ballots(rnd.id)
        proposals = ballot_proposals(rnd.id)
        budget = ledger.round_summary(rnd.id).available_pence
        election = build_election(rnd, proposals, max(budget, 0))
        ballots_counted = len(election.ballots)
        eligible = eligible_voters(rnd.id)
        required = quorum_required(rnd, eligible)
        fingerprint = hashlib.sha256(ballot_file(election).encode()).hexdigest()
        result = Result(
            round_id=rnd.id,
            ballots_counted=ballots_counted,
            eligible_voters=eligible,
            quorum_required=required,
            rule=rnd.counting_rule.value,
            tie_break=rnd.tie_break.value,
            budget_pence=max(budget, 0),
            spent_pence=0,
            ballot_fingerprint=fingerprint,
            computed_at=datetime.now(UTC),
            quorum_met=ballots_counted >= required,
            summary="",
        )
        session.add(result)
        if not result.quorum_met:
            result.summary = (
                f"No decision: {ballots_counted} ballots were cast and the published quorum "
                f"needed {required}. The round's policy is that no decision is made."
            )
            rnd.status = RoundStatus.NO_DECISION
            _announce(rnd, result, person, proposals)
            return result
        session.flush()

        outcome = count(
            election,
            rnd.counting_rule.value,
            tie_break=tie_break_order(rnd, proposals),
            format_money=format_pence,
        )
        selected = set(outcome.selected)
        order = {pid: i for i, pid in enumerate(outcome.selected)}
        ranked = sorted(
            proposals,
            key=lambda p: (
                str(p.id) not in selected,
                order.get(str(p.id), 0),
                -outcome.support.get(str(p.id), 0),
                p.id,
            ),
        )
        for position, proposal in enumerate(ranked, start=1):
            pid = str(proposal.id)
            why = outcome.explanations[pid]
            session.add(
                ResultLine(
                    result_id=result.id,
                    proposal_id=proposal.id,
                    position=position,
                    support=float(outcome.support.get(pid, 0)),
                    cost_pence=proposal.requested_pence,
                    is_funded=pid in selected,
                    explanation=why.text,
                    figures={k: _plain(v) for k, v in why.figures.items()},
                )
            )
            proposal.status = ProposalStatus.FUNDED if pid in selected else ProposalStatus.NOT_FUNDED
        funded = [p for p in proposals if str(p.id) in selected]
        funded.sort(key=lambda p: order[str(p.id)])
        commit_awards(rnd, funded, awarded_on=result.computed_at.date())
        result.spent_pence = sum(p.requested_pence for p in funded)
        result.summary = (
            f"{len(funded)} of {len(proposals)} proposals funded, {format_pence(result.spent_pence)} "
            f"of {format_pence(result.budget_pence)}, from {ballots_counted} ballots "
            f"({eligible} panel members could vote; quorum {required})."
        )
        rnd.status = RoundStatus.COUNTED
        _announce(rnd, result, person, proposals)
    return result


def _announce(rnd: Round, result: Result, person, proposals: list[Proposal]) -> None:  # noqa: ANN001
    """Audit the close and the result, and tell the panel and the groups."""
    audit.record(
        "voting_closed",
        f"Voting closed with {result.ballots_counted} ballots.",
        actor_id=person.id if person else None,
        round_id=rnd.id,
        public=True,
    )
    audit.record(
        "result_published",
        result.summary,
        actor_id=person.id if person else None,
        round_id=rnd.id,
        public=True,
        details={"fingerprint": result.ballot_fingerprint},
    )
    panel = db.session.execute(select(PanelMember.person_id).where(PanelMember.round_id == rnd.id)).scalars()
    notify(panel, "voting_closed", f"Voting has closed: {rnd.title}", result.summary, link=f"/tables/{rnd.slug}")
    members = db.session.execute(
        select(GroupMembership.person_id, Proposal.title)
        .join(Proposal, Proposal.group_id == GroupMembership.group_id)
        .where(Proposal.id.in_([p.id for p in proposals]))
    ).all()
    for person_id, title in members:
        notify(
            [person_id],
            "result",
            f"The result for “{title}”",
            f"The panel for {rnd.title} has decided. {result.summary} See how your proposal did and why.",
            link=f"/tables/{rnd.slug}",
        )


def _plain(value):  # noqa: ANN001, ANN202
    """JSON-safe figures (fractions and decimals become floats, others stay)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
