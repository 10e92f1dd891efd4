"""The public datasets, as plain rows. The CSV/JSON downloads and the JSON API share them.

Each dataset reads one page of rows in a fixed number of queries, so a download streams in
pages and the API pages the same way. Nothing here names a person: groups and funders are
organisations; unnamed proposals appear in results without title or group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload, undefer

from grants.extensions import db
from grants.inputs import is_lookup_safe
from grants.ledger import books, published
from grants.models import (
    Award,
    Funder,
    Group,
    Pledge,
    Proposal,
    Result,
    ResultLine,
    Round,
    RoundStatus,
    TableFunder,
    TableFunderStatus,
    TrancheStatus,
)
from grants.public import queries

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Filters:
    """What a dataset may be narrowed to (ids resolved from public slugs)."""

    round_id: int | None = None
    group_id: int | None = None
    funder_id: int | None = None


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _published_rounds():  # noqa: ANN202
    return select(Round).where(Round.status != RoundStatus.DRAFT)


# --- rounds ------------------------------------------------------------------------------


def rounds(filters: Filters, limit: int, offset: int) -> list[dict]:
    """Published rounds with their rules, timetable and money (two queries)."""
    stmt = (
        _published_rounds()
        .order_by(Round.id)
        .limit(limit)
        .offset(offset)
        .options(undefer(Round.language), selectinload(Round.texts))
    )
    if filters.round_id:
        stmt = stmt.where(Round.id == filters.round_id)
    items = list(db.session.execute(stmt).scalars())
    money = published.round_summaries([r.id for r in items])
    return [round_row(r, money[r.id]) for r in items]


def round_row(r: Round, m: books.MoneySummary) -> dict:
    """One round as public data."""
    return {
        "slug": r.slug,
        "title": r.title,
        "purpose": r.purpose,
        "who_may_apply": r.who_may_apply,
        "status": r.status.value,
        "currency": r.currency,
        "max_grant_pence": r.max_grant_pence,
        "bids_open_at": _iso(r.bids_open_at),
        "bids_close_at": _iso(r.bids_close_at),
        "deliberation_opens_at": _iso(r.deliberation_opens_at),
        "voting_opens_at": _iso(r.voting_opens_at),
        "voting_closes_at": _iso(r.voting_closes_at),
        "ballot_type": r.ballot_type.value,
        "counting_rule": r.counting_rule.value,
        "tie_break": r.tie_break.value,
        "quorum_min_ballots": r.quorum_min_ballots,
        "quorum_min_share_percent": r.quorum_min_share_percent,
        "received_pence": m.received_pence,
        "fees_pence": m.fees_pence,
        "committed_pence": m.committed_pence,
        "paid_pence": m.paid_pence,
        "available_pence": m.available_pence,
        "url": url_for("public.round", slug=r.slug, _external=True),
        # The language title, purpose and who_may_apply above are written in, and the table's
        # texts in every language it is run in (that one included), as its convenors wrote them.
        # Last, so the columns before them keep their places in the CSV.
        "language": r.language,
        "texts": r.versions(),
    }


# --- proposals (named ones only) -----------------------------------------------------------


def proposals(filters: Filters, limit: int, offset: int) -> list[dict]:
    """Proposals from groups that agreed to be named, and every funded one (one query)."""
    stmt = (
        select(Proposal, Round.slug, Group.slug, Group.name)
        .join(Round, Round.id == Proposal.round_id)
        .join(Group, Group.id == Proposal.group_id)
        .where(queries.PUBLIC_PROPOSAL, Round.status != RoundStatus.DRAFT)
        .order_by(Proposal.id)
        .limit(limit)
        .offset(offset)
        .options(undefer(Proposal.language), selectinload(Proposal.texts))
    )
    if filters.round_id:
        stmt = stmt.where(Proposal.round_id == filters.round_id)
    if filters.group_id:
        stmt = stmt.where(Proposal.group_id == filters.group_id)
    return [
        {
            "id": p.id,
            "round": round_slug,
            "group": group_slug,
            "group_name": group_name,
            "title": p.title,
            "summary": p.summary,
            "status": p.status.value,
            "requested_pence": int(p.requested_pence),
            "submitted_at": _iso(p.submitted_at),
            # As for rounds: the language of title and summary, and the bid in each language its group wrote.
            "language": p.language,
            "texts": {code: {"title": v["title"], "summary": v["summary"]} for code, v in p.versions().items()},
        }
        for p, round_slug, group_slug, group_name in db.session.execute(stmt)
    ]


# --- results -----------------------------------------------------------------------------


def results(filters: Filters, limit: int, offset: int) -> list[dict]:
    """Every line of every counted result; unnamed proposals without title or group (two queries)."""
    stmt = (
        select(ResultLine, Result, Round.slug, Proposal, Group.slug, Group.name)
        .join(Result, Result.id == ResultLine.result_id)
        .join(Round, Round.id == Result.round_id)
        .join(Proposal, Proposal.id == ResultLine.proposal_id)
        .join(Group, Group.id == Proposal.group_id)
        .order_by(Result.round_id, ResultLine.position)
        .limit(limit)
        .offset(offset)
    )
    if filters.round_id:
        stmt = stmt.where(Result.round_id == filters.round_id)
    if filters.group_id:
        stmt = stmt.where(Proposal.group_id == filters.group_id, queries.PUBLIC_PROPOSAL)
    rows = []
    for line, result, round_slug, proposal, group_slug, group_name in db.session.execute(stmt):
        named = proposal.is_public
        rows.append(
            {
                "round": round_slug,
                "position": line.position,
                "proposal_id": proposal.id if named else None,
                "proposal_title": proposal.title if named else None,
                "group": group_slug if named else None,
                "group_name": group_name if named else None,
                "support": line.support,
                "cost_pence": line.cost_pence,
                "is_funded": line.is_funded,
                "explanation": line.explanation,
                "rule": result.rule,
                "budget_pence": result.budget_pence,
                "quorum_met": result.quorum_met,
                "ballot_fingerprint": result.ballot_fingerprint,
                "counted_at": _iso(result.computed_at),
            }
        )
    return rows


# --- awards ------------------------------------------------------------------------------


def awards(filters: Filters, limit: int, offset: int) -> list[dict]:
    """Awards with what has been paid and what is held (two queries)."""
    stmt = (
        select(Award)
        .options(joinedload(Award.round), joinedload(Award.group), joinedload(Award.proposal))
        .options(subqueryload(Award.tranches))
        .order_by(Award.id)
        .limit(limit)
        .offset(offset)
    )
    if filters.round_id:
        stmt = stmt.where(Award.round_id == filters.round_id)
    if filters.group_id:
        stmt = stmt.where(Award.group_id == filters.group_id)
    if filters.funder_id:
        stmt = stmt.where(Award.round_id.in_(_funder_round_ids(filters.funder_id)))
    items = list(db.session.execute(stmt).scalars())
    paid = books.award_paid_totals([a.id for a in items])
    return [award_row(a, paid[a.id]) for a in items]


def _funder_round_ids(funder_id: int):  # noqa: ANN202

    return select(Pledge.round_id).where(
        Pledge.funder_id == funder_id,
        Pledge.round_id.in_(
            select(TableFunder.round_id).where(
                TableFunder.funder_id == funder_id, TableFunder.status == TableFunderStatus.ACCEPTED
            )
        ),
    )


def award_row(a: Award, paid_pence: int) -> dict:
    """One award as public data."""
    held = [t for t in a.tranches if t.status is TrancheStatus.HELD]
    return {
        "reference": a.reference,
        "round": a.round.slug,
        "group": a.group.slug,
        "group_name": a.group.name,
        "proposal_title": a.proposal.title,
        "amount_pence": a.amount_pence,
        "paid_pence": paid_pence,
        "held_pence": sum(t.amount_pence for t in held),
        "held_reasons": "; ".join(t.held_reason or "" for t in held) or None,
        "awarded_on": _iso(a.awarded_on),
        "currency": a.round.currency,
    }


# --- ledger ------------------------------------------------------------------------------


def ledger_entries(filters: Filters, limit: int, offset: int) -> list[dict]:
    """Public money movements, newest first, with running totals (two queries, then three for names)."""
    rows = published.ledger_rows(
        round_id=filters.round_id, group_id=filters.group_id, funder_id=filters.funder_id, limit=limit, offset=offset
    )
    return _ledger_dicts(rows)


def all_ledger_entries(filters: Filters, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict]:
    """Every public money movement, as `ledger_entries` pages them, read in one pass (for downloads)."""
    rows = published.all_ledger_rows(
        round_id=filters.round_id, group_id=filters.group_id, funder_id=filters.funder_id, batch=page_size
    )
    while batch := list(islice(rows, page_size)):
        yield from _ledger_dicts(batch)


def _ledger_dicts(rows: list[published.LedgerRow]) -> list[dict]:
    round_slugs = _slugs(Round, {r.round_id for r in rows})
    group_slugs = _slugs(Group, {r.group_id for r in rows})
    funder_slugs = _slugs(Funder, {r.funder_id for r in rows})
    return [
        {
            "id": r.id,
            "occurred_on": _iso(r.occurred_on),
            "kind": r.kind.value,
            "description": r.description,
            "reference": r.reference,
            "round": round_slugs.get(r.round_id),
            "group": group_slugs.get(r.group_id),
            "funder": funder_slugs.get(r.funder_id),
            "amount_pence": r.amount_pence,
            "received_so_far_pence": r.received_so_far_pence,
            "awarded_so_far_pence": r.awarded_so_far_pence,
            "paid_so_far_pence": r.paid_so_far_pence,
        }
        for r in rows
    ]


def _slugs(model, ids: set[int | None]) -> dict[int, str]:  # noqa: ANN001
    # Always one query, even for no ids, so a page's query count never depends on its data.
    ids = {i for i in ids if i}
    return dict(db.session.execute(select(model.id, model.slug).where(model.id.in_(ids))).all())


DATASETS: dict[str, Callable[[Filters, int, int], list[dict]]] = {
    "rounds": rounds,
    "proposals": proposals,
    "results": results,
    "awards": awards,
    "ledger": ledger_entries,
}


def all_rows(dataset: str, filters: Filters, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict]:
    """Every row of a dataset, read a page at a time (for downloads); the ledger in one pass."""
    if dataset == "ledger":
        yield from all_ledger_entries(filters, page_size)
        return
    fetch = DATASETS[dataset]
    offset = 0
    while True:
        page = fetch(filters, page_size, offset)
        yield from page
        if len(page) < page_size:
            return
        offset += page_size


def resolve_filters(round_slug: str | None, group_slug: str | None, funder_slug: str | None) -> Filters | None:
    """Turn public slugs into ids (one query each given); None if a slug names nothing public."""
    out = {}
    for key, model, slug in (
        ("round_id", Round, round_slug),
        ("group_id", Group, group_slug),
        ("funder_id", Funder, funder_slug),
    ):
        if slug is None:
            continue
        if not is_lookup_safe(slug):
            return None
        stmt = select(model.id).where(model.slug == slug)
        if model is Round:
            stmt = stmt.where(Round.status != RoundStatus.DRAFT)
        found = db.session.execute(stmt).scalar_one_or_none()
        if found is None:
            return None
        out[key] = found
    return Filters(**out)
