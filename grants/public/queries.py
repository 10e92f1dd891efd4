"""Read-only queries behind the public pages. Each page does a fixed number of queries."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload, subqueryload, undefer

from grants import paging
from grants.extensions import db
from grants.inputs import is_lookup_safe
from grants.language import written
from grants.ledger import books
from grants.models import (
    Account,
    AccountKind,
    AuditEntry,
    Award,
    Balance,
    Entry,
    EntryGroup,
    EntryKind,
    Funder,
    Group,
    GroupUpdate,
    InterestDeclaration,
    PanelMember,
    PanelRole,
    Pledge,
    Proposal,
    ProposalStatus,
    Result,
    ResultLine,
    Round,
    RoundStatus,
    Tranche,
    TrancheStatus,
)
from grants.money.power import accepted_funders_of, accepted_pairs
from grants.privacy import people_count, people_part
from grants.public import charts, panel_money

PUBLIC_PROPOSAL = (Proposal.status == ProposalStatus.FUNDED) | (
    Proposal.agreed_to_be_named.is_(True) & (Proposal.status != ProposalStatus.DRAFT)
)


def published_rounds() -> list[Round]:
    """Every published round, newest first."""
    return list(
        db.session.execute(
            select(Round)
            .where(Round.status != RoundStatus.DRAFT)
            .order_by(Round.created_at.desc())
            .options(undefer(Round.language), selectinload(Round.texts))  # each in the reader's language
        ).scalars()
    )


@dataclass
class RoundPage:
    """Everything the public round page shows."""

    round: Round
    # The long lists a page at a time (`rows`): the proposals and awards on this page, and how many
    # there are in all; the result has all its lines (the chart and the explanations read them).
    rows: paging.Window
    proposals: list[Proposal]
    proposal_count: int
    unnamed_count: int
    result: Result | None
    recusals: int
    money: books.MoneySummary
    awards: list[Award]
    award_count: int
    paid: dict[int, int]
    # Money awarded but paused by a hold, over every award of the table.
    held_pence: int
    funders: list[tuple[Funder, int]]
    record: list[AuditEntry]
    panel: PanelMakeup


@dataclass(frozen=True)
class PanelMakeup:
    """A panel in aggregate. Each figure is None when it would cover fewer than 5 people."""

    members: int | None
    lived_experience: int | None
    facilitators: int | None
    paused: int | None


def panel_makeup(round_id: int) -> PanelMakeup:
    """Count the active panel in one query and suppress small numbers."""
    total, lived, facilitators, paused = db.session.execute(
        select(
            func.count(PanelMember.id),
            func.coalesce(func.sum(case((PanelMember.has_lived_experience.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((PanelMember.role == PanelRole.FACILITATOR, 1), else_=0)), 0),
            func.coalesce(func.sum(case((PanelMember.is_paused.is_(True), 1), else_=0)), 0),
        ).where(PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None))
    ).one()
    total, lived, facilitators, paused = int(total), int(lived), int(facilitators), int(paused)
    return PanelMakeup(
        members=people_count(total),
        lived_experience=people_part(lived, total),
        facilitators=people_part(facilitators, total),
        paused=people_part(paused, total),
    )


def round_page(rnd: Round, number: int | None = None) -> RoundPage:
    """The public view of one round, its long lists (proposals, how each did, awards) `paging.PER_PAGE`
    rows at a time: page `number`. Only that page's proposals and awards are read."""
    public = select(Proposal).where(Proposal.round_id == rnd.id, PUBLIC_PROPOSAL)
    held = (
        select(func.coalesce(func.sum(Tranche.amount_pence), 0))
        .join(Award, Award.id == Tranche.award_id)
        .where(Award.round_id == rnd.id, Tranche.status == TrancheStatus.HELD)
    )
    # Every count the page shows, in one query; the table's proposals are read once for both of
    # their counts (at 10,000 proposals each reading of them is most of the page's database time).
    proposal_counts = (
        select(
            func.count(Proposal.id).filter(PUBLIC_PROPOSAL).label("public"),
            func.count(Proposal.id).filter(Proposal.status != ProposalStatus.DRAFT).label("submitted"),
        )
        .where(Proposal.round_id == rnd.id)
        .subquery()
    )
    proposal_count, submitted, recusals, award_count, held_pence = db.session.execute(
        select(
            proposal_counts.c.public,
            proposal_counts.c.submitted,
            select(func.count(InterestDeclaration.id)).where(InterestDeclaration.round_id == rnd.id).scalar_subquery(),
            select(func.count(Award.id)).where(Award.round_id == rnd.id).scalar_subquery(),
            held.scalar_subquery(),
        ).select_from(proposal_counts)
    ).one()
    result = db.session.execute(
        select(Result)
        .where(Result.round_id == rnd.id)
        .options(
            selectinload(Result.lines).joinedload(ResultLine.proposal).joinedload(Proposal.group),
            # Each proposal in the reader's language: its language and its other versions, with the lines.
            selectinload(Result.lines).joinedload(ResultLine.proposal).undefer(Proposal.language),
            selectinload(Result.lines).joinedload(ResultLine.proposal).subqueryload(Proposal.texts),
        )
    ).scalar_one_or_none()
    rows = paging.window(max(proposal_count, len(result.lines) if result else 0, award_count), number)
    proposals = list(
        db.session.execute(
            public.options(joinedload(Proposal.group), undefer(Proposal.language), selectinload(Proposal.texts))
            .order_by(Proposal.title, Proposal.id)
            .limit(rows.per_page)
            .offset(rows.start)
        ).scalars()
    )
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.round_id == rnd.id)
            .options(joinedload(Award.group))
            .order_by(Award.id)
            .limit(rows.per_page)
            .offset(rows.start)
        ).scalars()
    )
    funders = list(
        db.session.execute(
            select(Funder, func.sum(Pledge.amount_pence))
            .join(Pledge, Pledge.funder_id == Funder.id)
            .where(Pledge.round_id == rnd.id, Funder.id.in_(accepted_funders_of(rnd.id)))
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
        rows=rows,
        proposals=proposals,
        proposal_count=proposal_count,
        unnamed_count=submitted - proposal_count,
        result=result,
        recusals=recusals,
        money=panel_money.round_summary(rnd.id),
        awards=awards,
        award_count=award_count,
        paid=books.award_paid_totals([a.id for a in awards]),
        held_pence=int(held_pence),
        funders=funders,
        record=record,
        panel=panel_makeup(rnd.id),
    )



def group_page(
    slug: str,
) -> tuple[Group, list[Award], dict[int, int], list[Proposal], list[GroupUpdate]] | None:
    """A group's public page: what it does, its awards and payments, its named proposals, its updates."""
    if not is_lookup_safe(slug):
        return None
    group = db.session.execute(select(Group).where(Group.slug == slug)).scalar_one_or_none()
    if group is None:
        return None
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.group_id == group.id)
            .options(
                joinedload(Award.round).undefer(Round.language),
                joinedload(Award.round).selectinload(Round.texts),
                joinedload(Award.proposal).undefer(Proposal.language),
                joinedload(Award.proposal).selectinload(Proposal.texts),
                subqueryload(Award.tranches),
            )
            .order_by(Award.awarded_on.desc())
        ).scalars()
    )
    proposals = list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.group_id == group.id, PUBLIC_PROPOSAL)
            .options(joinedload(Proposal.round), undefer(Proposal.language), selectinload(Proposal.texts))
            .order_by(Proposal.created_at.desc())
        ).scalars()
    )
    updates = list(
        db.session.execute(
            select(GroupUpdate)
            .where(GroupUpdate.group_id == group.id)
            .options(joinedload(GroupUpdate.photo), joinedload(GroupUpdate.file), joinedload(GroupUpdate.award))
            .order_by(GroupUpdate.created_at.desc(), GroupUpdate.id.desc())
            .limit(UPDATES_SHOWN)
        ).scalars()
    )
    return group, awards, books.award_paid_totals([a.id for a in awards]), proposals, updates


UPDATES_SHOWN = 50


def funder_page(slug: str) -> tuple[Funder, list[tuple[Round, int, int]]] | None:
    """A funder's public page: what it pledged and gave to which rounds."""
    if not is_lookup_safe(slug):
        return None
    funder = db.session.execute(select(Funder).where(Funder.slug == slug)).scalar_one_or_none()
    if funder is None:
        return None
    given = books.funder_summary(funder.id)
    pledged = db.session.execute(
        select(Round, func.sum(Pledge.amount_pence))
        .join(Pledge, Pledge.round_id == Round.id)
        .where(Pledge.funder_id == funder.id, tuple_(Round.id, Pledge.funder_id).in_(accepted_pairs()))
        .group_by(Round.id)
        .order_by(Round.title)
    ).all()
    return funder, [(rnd, int(amount), given.get(rnd.id, 0)) for rnd, amount in pledged]




def _owned_by(stmt: Select, *, round_id: int | None, group_id: int | None, funder_id: int | None) -> Select:
    """Ledger events of one table, group or funder (any that are given)."""
    for column, value in (
        (EntryGroup.round_id, round_id),
        (EntryGroup.group_id, group_id),
        (EntryGroup.funder_id, funder_id),
    ):
        if value:
            stmt = stmt.where(column == value)
    return stmt


def money_flows(
    round_id: int | None = None, *, given: bool = True, awarded: bool = True
) -> tuple[list[charts.Flow], list[charts.Flow]]:
    """Funder-to-table money received and table-to-group money awarded, from the ledger and awards (two
    queries; either can be left out, its list then empty)."""
    giving = (
        select(Funder.name, Round.title, func.sum(Balance.amount_pence))
        .select_from(Balance)
        .join(Account, Account.id == Balance.account_id)
        .join(Funder, Funder.id == Account.funder_id)
        .join(Round, Round.id == Account.round_id)
        .where(Account.kind == AccountKind.FUNDER_GIVING)
        .group_by(Funder.id, Funder.name, Round.id, Round.title)
        .order_by(Funder.name, Round.title)
    )
    awarded_sql = (
        select(Round.title, Group.name, func.sum(Award.amount_pence))
        .select_from(Award)
        .join(Round, Round.id == Award.round_id)
        .join(Group, Group.id == Award.group_id)
        .group_by(Round.id, Round.title, Group.id, Group.name)
        .order_by(Round.title, Group.name)
    )
    if round_id is not None:
        giving = giving.where(Account.round_id == round_id)
        awarded_sql = awarded_sql.where(Award.round_id == round_id)
    into = [charts.Flow(f, r, -int(total)) for f, r, total in db.session.execute(giving) if total] if given else []
    out = [charts.Flow(r, g, int(total)) for r, g, total in db.session.execute(awarded_sql) if total] if awarded else []
    return into, out


def round_money_flows(
    rnd: Round, keep: int = charts.FLOWS_SHOWN
) -> tuple[list[charts.Flow], list[charts.Flow], charts.OtherGroups | None]:
    """One table's money flows for its page, with a table of thousands of awards added up in SQL:
    the `keep` biggest groups (by amount, then name, as the chart ranks them) one by one and the
    rest as one sum and count, instead of every award read and folded on every render."""
    given, _awarded = money_flows(rnd.id, awarded=False)
    per_name = (
        select(Group.name.label("name"), func.sum(Award.amount_pence).label("total"))
        .join(Group, Group.id == Award.group_id)
        .where(Award.round_id == rnd.id)
        .group_by(Group.name)
        .having(func.sum(Award.amount_pence) != 0)
        .subquery()
    )
    # The chart ranks names as Python compares them (code points): "C" on PostgreSQL (UTF-8 bytes
    # sort in code point order), SQLite's own BINARY already does.
    name = per_name.c.name.collate("C") if db.session.get_bind().dialect.name == "postgresql" else per_name.c.name
    ranked = select(
        per_name.c.name,
        per_name.c.total,
        func.row_number().over(order_by=(per_name.c.total.desc(), name)).label("rank"),
        func.count().over().label("names"),
        func.sum(per_name.c.total).over().label("everything"),
    ).subquery()
    top = db.session.execute(
        select(ranked.c.name, ranked.c.total, ranked.c.names, ranked.c.everything)
        .where(ranked.c.rank <= keep)
        .order_by(ranked.c.name)
    ).all()
    if not top or top[0].names <= keep:
        return given, money_flows(rnd.id, given=False)[1], None  # few groups: every award, as before
    kept = [charts.Flow(rnd.title, name, int(total)) for name, total, _n, _all in top if total]
    rest = int(top[0].everything) - sum(f.amount_pence for f in kept)
    return given, kept, charts.OtherGroups(count=top[0].names - keep, source=rnd.title, amount_pence=rest)


def round_timeline(rnd: Round, today) -> charts.Chart:  # noqa: ANN001
    """The round's timetable as a chart, with the published changes noted against each date."""
    fields = [
        ("bids_open_at", _("Bids open")),
        ("bids_close_at", _("Bids close")),
        ("deliberation_opens_at", _("The panel starts reading")),
        ("voting_opens_at", _("Voting opens")),
        ("voting_closes_at", _("Voting closes")),
    ]
    notes: dict[str, list[str]] = {}
    for change in rnd.rule_changes:
        note = _("Changed from %(old)s: %(reason)s", old=change.old_value, reason=change.reason)
        notes.setdefault(change.field, []).append(note)
    steps = [charts.Milestone(label, getattr(rnd, name), " ".join(notes.get(name, []))) for name, label in fields]
    return charts.timeline(written.text_of(rnd, "title"), steps, today)


def result_chart(page: RoundPage, public_ids: set[int]) -> charts.Chart | None:
    """Support per proposal and the budget line, from the stored result (no extra queries)."""
    if page.result is None or not page.result.quorum_met:
        return None
    lines = sorted(page.result.lines, key=lambda line: line.position)
    bars = [
        charts.Bar(
            f"{written.text_of(line.proposal, 'title')} ({line.proposal.group.name})"
            if line.proposal_id in public_ids
            else "A group that asked not to be named",
            int(line.support),
            line.cost_pence,
            line.is_funded,
        )
        for line in lines
    ]
    return charts.result_support(
        written.text_of(page.round, "title"), bars, page.result.budget_pence, people_count(page.result.ballots_counted)
    )


# Entry kinds shown one by one in the public ledger. Anything else (for example what panel
# members are paid for their time, or their expenses) is only ever shown as a total, so no
# one person's payment can be read off the ledger. New kinds are private until listed here.
# Panel pay runs and pay given back to the pot also change public balances: they are shown too,
# but only as one line per step of at least 5 people (grants/public/panel_money.py).
ITEMISED_KINDS = (
    EntryKind.CONTRIBUTION,
    EntryKind.FEE,
    EntryKind.AWARD,
    EntryKind.PAYMENT,
    EntryKind.REVERSAL,
    EntryKind.REFUND,
)
# Accounts that hold money for a table (its pot and what is committed to its groups): a row's
# signed amount is how much it changed them, so money out is negative and the rows add up.
HELD_KINDS = (AccountKind.ROUND_AVAILABLE, AccountKind.AWARD_COMMITTED)


@dataclass(frozen=True)
class LedgerRow:
    """One public money movement with the running totals (within the filter) after it."""

    id: int
    occurred_on: date
    kind: EntryKind
    description: str
    reference: str | None
    round_id: int | None
    group_id: int | None
    funder_id: int | None
    amount_pence: int
    # What the movement changed the money held for tables by (0 for an award, which only commits it).
    held_change_pence: int
    received_so_far_pence: int
    awarded_so_far_pence: int
    paid_so_far_pence: int


# Accounts that say where money physically is; every real movement also moves them.
CUSTODY_KINDS = (AccountKind.BANK, AccountKind.STRIPE_BALANCE, AccountKind.HELD_FOR_OTHERS)


def _part(condition, sign: int = 1, amount=Entry.amount_pence):  # noqa: ANN001, ANN202
    """The sum of `amount` over the rows that meet `condition`, times `sign`."""
    return func.coalesce(func.sum(case((condition, sign * amount), else_=0)), 0)


def _running_parts() -> tuple:
    """What each public movement adds to the running totals, summed over its entries (joined to
    their entry group). Pay given back by the panel is never "received" in public (panel_money.py)."""
    return (
        _part(Account.kind == AccountKind.FUNDER_GIVING, -1).label("received"),
        _part(Account.kind.in_([AccountKind.AWARD_COMMITTED, AccountKind.AWARD_PAID])).label("awarded"),
        _part(Account.kind == AccountKind.AWARD_PAID).label("paid"),
    )


def _itemised_totals() -> tuple[int, int, int]:
    """Received, awarded and paid over every public movement, from the running balances."""

    kept = Balance.amount_pence
    stmt = (
        select(
            _part(Account.kind == AccountKind.FUNDER_GIVING, -1, kept),
            _part(Account.kind.in_([AccountKind.AWARD_COMMITTED, AccountKind.AWARD_PAID]), 1, kept),
            _part(Account.kind == AccountKind.AWARD_PAID, 1, kept),
        )
        .join(Account, Account.id == Balance.account_id)
        .where(Balance.entry_kind.in_(ITEMISED_KINDS))
    )
    received, awarded, paid = db.session.execute(stmt).one()
    return int(received), int(awarded), int(paid)


def ledger_rows(
    *,
    round_id: int | None = None,
    group_id: int | None = None,
    funder_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[LedgerRow]:
    """A page of public ledger movements, newest first, with running totals, in two queries.

    The totals after a movement are the totals within the filter less every newer movement,
    so a page reads only itself and what is newer, never the whole ledger: the overall totals
    come from the running balances, a filter's from its own movements."""
    public = _public_groups(round_id, group_id, funder_id)
    head = public.order_by(*_NEWEST_FIRST).limit(offset + limit).scalar_subquery()
    movements = db.session.execute(_movements(head)).all()
    totals = _totals_within(public, bool(round_id or group_id or funder_id))
    rows = _with_running_totals(movements, _panel_steps(round_id, group_id, funder_id), totals)
    return [row for _, row in zip(range(offset + limit), rows, strict=False)][offset:]


def all_ledger_rows(
    *, round_id: int | None = None, group_id: int | None = None, funder_id: int | None = None, batch: int = 1000
) -> Iterator[LedgerRow]:
    """Every public ledger movement, newest first, with running totals: the rows of `ledger_rows`
    read in one pass (for downloads), `batch` rows at a time from the database, in two queries.
    (Reading page after page would read every newer movement again for each page.)"""
    public = _public_groups(round_id, group_id, funder_id)
    totals = _totals_within(public, bool(round_id or group_id or funder_id))
    movements = db.session.execute(_movements(public.scalar_subquery()), execution_options={"yield_per": batch})
    yield from _with_running_totals(movements, _panel_steps(round_id, group_id, funder_id), totals)


def _panel_steps(round_id: int | None, group_id: int | None, funder_id: int | None) -> list[LedgerRow]:
    """The published steps of panel pay (grants/public/panel_money.py), newest first, as ledger rows.

    Panel movements belong to a table, never to a group or a funder: one line per published step."""
    if group_id or funder_id:
        return []
    panels = panel_money.panel_money([round_id] if round_id else None)
    steps = [
        LedgerRow(
            id=step.last_id,
            occurred_on=step.occurred_on,
            kind=EntryKind.PANEL_RUN,
            description=step.description,
            reference=None,
            round_id=step.round_id,
            group_id=None,
            funder_id=None,
            amount_pence=step.held_change_pence,
            held_change_pence=step.held_change_pence,
            received_so_far_pence=0,
            awarded_so_far_pence=0,
            paid_so_far_pence=0,
        )
        for p in panels.values()
        for step in p.steps
    ]
    return sorted(steps, key=lambda r: (r.occurred_on, r.id), reverse=True)


_NEWEST_FIRST = (EntryGroup.occurred_on.desc(), EntryGroup.id.desc())


def _public_groups(round_id: int | None, group_id: int | None, funder_id: int | None):  # noqa: ANN202
    return _owned_by(
        select(EntryGroup.id).where(EntryGroup.kind.in_(ITEMISED_KINDS)),
        round_id=round_id,
        group_id=group_id,
        funder_id=funder_id,
    )


def _movements(ids):  # noqa: ANN001, ANN202
    """The movements among the entry groups `ids`, newest first, each with its parts of the totals."""
    return (
        select(
            EntryGroup.id,
            EntryGroup.occurred_on,
            EntryGroup.kind,
            EntryGroup.description,
            EntryGroup.reference,
            EntryGroup.round_id,
            EntryGroup.group_id,
            EntryGroup.funder_id,
            # The size of an event: what moved between owners, not the custody mirror of it.
            _part((Entry.amount_pence > 0) & Account.kind.not_in(CUSTODY_KINDS)).label("amount"),
            _part(Account.kind.in_(HELD_KINDS)).label("held"),
            *_running_parts(),
        )
        .join(Entry, Entry.entry_group_id == EntryGroup.id)
        .join(Account, Account.id == Entry.account_id)
        .where(EntryGroup.id.in_(ids))
        .group_by(EntryGroup.id)
        .order_by(*_NEWEST_FIRST)
    )


def _totals_within(public, filtered: bool) -> tuple[int, int, int]:  # noqa: ANN001
    """Received, awarded and paid over every movement of `public` (the whole site's from the running balances)."""
    if not filtered:
        return _itemised_totals()
    within = (
        select(*_running_parts())
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(EntryGroup, EntryGroup.id == Entry.entry_group_id)
        .where(Entry.entry_group_id.in_(public.scalar_subquery()))
    )
    received, awarded, paid = (int(n) for n in db.session.execute(within).one())
    return received, awarded, paid


def _with_running_totals(
    movements: Iterable, steps: list[LedgerRow], totals: tuple[int, int, int]  # noqa: ANN001
) -> Iterator[LedgerRow]:
    """Each movement and published panel step (both newest first) with the totals after it:
    `totals` less every newer movement. Pay given back is not "received" in public: it lessens its step."""
    received, awarded, paid = totals

    def rows_of_movements() -> Iterator[tuple[LedgerRow, tuple[int, int, int]]]:
        for r in movements:
            row = LedgerRow(
                id=r.id,
                occurred_on=r.occurred_on,
                kind=EntryKind(r.kind),
                description=r.description,
                reference=r.reference,
                round_id=r.round_id,
                group_id=r.group_id,
                funder_id=r.funder_id,
                # Signed where money moved in (+) or out (−); an award or a fee the platform bore shows its size.
                amount_pence=int(r.held) or int(r.amount),
                held_change_pence=int(r.held),
                received_so_far_pence=0,
                awarded_so_far_pence=0,
                paid_so_far_pence=0,
            )
            yield row, (int(r.received), int(r.awarded), int(r.paid))

    both = heapq.merge(
        rows_of_movements(),
        ((step, (0, 0, 0)) for step in steps),
        key=lambda pair: (pair[0].occurred_on, pair[0].id),
        reverse=True,
    )
    for row, (got, award, pay) in both:
        yield replace(row, received_so_far_pence=received, awarded_so_far_pence=awarded, paid_so_far_pence=paid)
        received, awarded, paid = received - got, awarded - award, paid - pay


def public_ledger_mismatches() -> list[tuple[int | None, str]]:
    """Where the public ledger does not add up to the totals it shows, for the whole site and for
    each table: (table id or None, what is wrong). Empty when every row is there and adds up.

    `flask reconcile` runs it as one of the ledger's self-checks; so do the tests and scripts/bench_web."""
    out: list[tuple[int | None, str]] = []
    scopes: list[tuple[int | None, books.MoneySummary]] = [(None, panel_money.platform_summary())]
    round_ids = list(db.session.execute(select(Round.id).order_by(Round.id)).scalars())
    scopes += list(panel_money.round_summaries(round_ids).items())
    for round_id, totals in scopes:
        where = "the whole site" if round_id is None else f"table {round_id}"
        rows = ledger_rows(round_id=round_id, limit=10**9)
        expected = (totals.received_pence, totals.awarded_pence, totals.paid_pence)
        newest = _so_far(rows[0]) if rows else (0, 0, 0)
        if newest != expected:
            out.append((round_id, f"{where}: the running totals {newest} are not the totals shown {expected}"))
        if rows and _so_far(rows[-1]) != _own_running(rows[-1]):
            out.append((round_id, f"{where}: the oldest row does not start from nothing (rows are missing)"))
        held = sum(r.held_change_pence for r in rows)
        if held != totals.held_pence:
            out.append((round_id, f"{where}: the rows' amounts add up to {held}p but {totals.held_pence}p is held"))
    return out


def _so_far(row: LedgerRow) -> tuple[int, int, int]:
    return (row.received_so_far_pence, row.awarded_so_far_pence, row.paid_so_far_pence)


def _own_running(row: LedgerRow) -> tuple[int, int, int]:
    """What one row adds to received, awarded and paid."""
    if row.kind is EntryKind.PANEL_RUN:
        return (0, 0, 0)  # a panel step: pay given back in it lessens what it took, it is not received
    group_id = row.id
    stmt = (
        select(*_running_parts())
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(EntryGroup, EntryGroup.id == Entry.entry_group_id)
        .where(Entry.entry_group_id == group_id)
    )
    received, awarded, paid = (int(n) for n in db.session.execute(stmt).one())
    return received, awarded, paid

