"""Read-only queries behind the public pages. Each page does a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import (
    AuditEntry,
    Award,
    EntryGroup,
    Funder,
    Group,
    InterestDeclaration,
    Pledge,
    Proposal,
    ProposalStatus,
    Result,
    Round,
    RoundStatus,
    Tranche,
)
from grants.models.ledger import PRIVATE_ENTRY_KINDS
from grants.money import ledger

PUBLIC_PROPOSAL = (Proposal.status == ProposalStatus.FUNDED) | (
    Proposal.agreed_to_be_named.is_(True) & (Proposal.status != ProposalStatus.DRAFT)
)


def published_rounds() -> list[Round]:
    """Every published round, newest first."""
    return list(
        db.session.execute(
            select(Round).where(Round.status != RoundStatus.DRAFT).order_by(Round.created_at.desc())
        ).scalars()
    )


def public_round(slug: str) -> Round | None:
    """A published round by slug."""
    return db.session.execute(
        select(Round)
        .where(Round.slug == slug, Round.status != RoundStatus.DRAFT)
        .options(selectinload(Round.rule_changes))
    ).scalar_one_or_none()


@dataclass
class RoundPage:
    """Everything the public round page shows."""

    round: Round
    proposals: list[Proposal]
    unnamed_count: int
    result: Result | None
    recusals: int
    money: ledger.MoneySummary
    awards: list[Award]
    paid: dict[int, int]
    funders: list[tuple[Funder, int]]
    record: list[AuditEntry]


def round_page(rnd: Round) -> RoundPage:
    """The public view of one round."""
    proposals = list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.round_id == rnd.id, PUBLIC_PROPOSAL)
            .options(selectinload(Proposal.group))
            .order_by(Proposal.title)
        ).scalars()
    )
    submitted = db.session.execute(
        select(func.count(Proposal.id)).where(Proposal.round_id == rnd.id, Proposal.status != ProposalStatus.DRAFT)
    ).scalar_one()
    result = db.session.execute(
        select(Result).where(Result.round_id == rnd.id).options(selectinload(Result.lines))
    ).scalar_one_or_none()
    recusals = db.session.execute(
        select(func.count(InterestDeclaration.id)).where(InterestDeclaration.round_id == rnd.id)
    ).scalar_one()
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.round_id == rnd.id)
            .options(selectinload(Award.group), selectinload(Award.tranches))
            .order_by(Award.id)
        ).scalars()
    )
    funders = list(
        db.session.execute(
            select(Funder, func.sum(Pledge.amount_pence))
            .join(Pledge, Pledge.funder_id == Funder.id)
            .where(Pledge.round_id == rnd.id)
            .group_by(Funder.id)
            .order_by(Funder.name)
        ).all()
    )
    record = list(
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.round_id == rnd.id, AuditEntry.is_public.is_(True))
            .order_by(AuditEntry.seq)
        ).scalars()
    )
    return RoundPage(
        round=rnd,
        proposals=proposals,
        unnamed_count=submitted - len(proposals),
        result=result,
        recusals=recusals,
        money=ledger.round_summary(rnd.id),
        awards=awards,
        paid=ledger.award_paid_totals([a.id for a in awards]),
        funders=funders,
        record=record,
    )


def public_proposal_ids(round_id: int) -> set[int]:
    """Ids of the proposals of a round that may be named in public."""
    return set(db.session.execute(select(Proposal.id).where(Proposal.round_id == round_id, PUBLIC_PROPOSAL)).scalars())


def group_page(slug: str) -> tuple[Group, list[Award], dict[int, int], list[Proposal]] | None:
    """A group's public page: what it does, its awards and payments, its named proposals."""
    group = db.session.execute(select(Group).where(Group.slug == slug)).scalar_one_or_none()
    if group is None:
        return None
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.group_id == group.id)
            .options(selectinload(Award.round), selectinload(Award.proposal), selectinload(Award.tranches))
            .order_by(Award.awarded_on.desc())
        ).scalars()
    )
    proposals = list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.group_id == group.id, PUBLIC_PROPOSAL)
            .options(selectinload(Proposal.round))
            .order_by(Proposal.created_at.desc())
        ).scalars()
    )
    return group, awards, ledger.award_paid_totals([a.id for a in awards]), proposals


def funder_page(slug: str) -> tuple[Funder, list[tuple[Round, int, int]]] | None:
    """A funder's public page: what it pledged and gave to which rounds."""
    funder = db.session.execute(select(Funder).where(Funder.slug == slug)).scalar_one_or_none()
    if funder is None:
        return None
    given = ledger.funder_summary(funder.id)
    pledged = db.session.execute(
        select(Round, func.sum(Pledge.amount_pence))
        .join(Pledge, Pledge.round_id == Round.id)
        .where(Pledge.funder_id == funder.id)
        .group_by(Round.id)
        .order_by(Round.title)
    ).all()
    return funder, [(rnd, int(amount), given.get(rnd.id, 0)) for rnd, amount in pledged]


def ledger_stmt(*, round_id: int | None = None, group_id: int | None = None, funder_id: int | None = None) -> Select:
    """Public ledger events, newest first, optionally filtered."""
    stmt = select(EntryGroup).order_by(EntryGroup.occurred_on.desc(), EntryGroup.id.desc())
    stmt = stmt.where(EntryGroup.kind.not_in(PRIVATE_ENTRY_KINDS))  # panel pay: only totals are public
    if round_id:
        stmt = stmt.where(EntryGroup.round_id == round_id)
    if group_id:
        stmt = stmt.where(EntryGroup.group_id == group_id)
    if funder_id:
        stmt = stmt.where(EntryGroup.funder_id == funder_id)
    return stmt


def tranches_for_awards(award_ids: list[int]) -> list[Tranche]:
    """Tranches of some awards, in order."""
    if not award_ids:
        return []
    return list(
        db.session.execute(
            select(Tranche).where(Tranche.award_id.in_(award_ids)).order_by(Tranche.award_id, Tranche.number)
        ).scalars()
    )
