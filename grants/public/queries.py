"""Read-only queries behind the public pages. Each page does a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from grants.extensions import db
from grants.models import (
    Account,
    AccountKind,
    AuditEntry,
    Award,
    Balance,
    Entry,
    EntryGroup,
    EntryKind,
    Expense,
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
    TimeLog,
    Tranche,
    TrancheStatus,
)
from grants.money import ledger
from grants.money.power import accepted_funders_of, accepted_pairs
from grants.public import charts
from grants.public.privacy import people_count, people_part

PUBLIC_PROPOSAL = (Proposal.status == ProposalStatus.FUNDED) | (
    Proposal.agreed_to_be_named.is_(True) & (Proposal.status != ProposalStatus.DRAFT)
)


def is_lookup_safe(slug: str | None) -> bool:
    """A slug from a URL that can be looked up: PostgreSQL refuses NUL bytes, and slugs are at most 80 characters."""
    return slug is not None and 0 < len(slug) <= 80 and "\x00" not in slug


def published_rounds() -> list[Round]:
    """Every published round, newest first."""
    return list(
        db.session.execute(
            select(Round).where(Round.status != RoundStatus.DRAFT).order_by(Round.created_at.desc())
        ).scalars()
    )


def public_round(slug: str) -> Round | None:
    """A published round by slug."""
    if not is_lookup_safe(slug):
        return None
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
    panel: PanelMakeup

    @property
    def held(self) -> list[Tranche]:
        """Tranches a funder has paused, each with its published reason."""
        return [t for a in self.awards for t in a.tranches if t.status is TrancheStatus.HELD]

    @property
    def held_pence(self) -> int:
        """Money awarded but paused by a hold."""
        return sum(t.amount_pence for t in self.held)


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


def round_page(rnd: Round) -> RoundPage:
    """The public view of one round."""
    proposals = list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.round_id == rnd.id, PUBLIC_PROPOSAL)
            .options(joinedload(Proposal.group))
            .order_by(Proposal.title)
        ).scalars()
    )
    submitted = db.session.execute(
        select(func.count(Proposal.id)).where(Proposal.round_id == rnd.id, Proposal.status != ProposalStatus.DRAFT)
    ).scalar_one()
    result = db.session.execute(
        select(Result)
        .where(Result.round_id == rnd.id)
        .options(selectinload(Result.lines).joinedload(ResultLine.proposal).joinedload(Proposal.group))
    ).scalar_one_or_none()
    recusals = db.session.execute(
        select(func.count(InterestDeclaration.id)).where(InterestDeclaration.round_id == rnd.id)
    ).scalar_one()
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.round_id == rnd.id)
            .options(joinedload(Award.group), subqueryload(Award.tranches))
            .order_by(Award.id)
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
        proposals=proposals,
        unnamed_count=submitted - len(proposals),
        result=result,
        recusals=recusals,
        money=ledger.round_summary(rnd.id),
        awards=awards,
        paid=ledger.award_paid_totals([a.id for a in awards]),
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
            .options(joinedload(Award.round), joinedload(Award.proposal), subqueryload(Award.tranches))
            .order_by(Award.awarded_on.desc())
        ).scalars()
    )
    proposals = list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.group_id == group.id, PUBLIC_PROPOSAL)
            .options(joinedload(Proposal.round))
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
    return group, awards, ledger.award_paid_totals([a.id for a in awards]), proposals, updates


UPDATES_SHOWN = 50


def funder_page(slug: str) -> tuple[Funder, list[tuple[Round, int, int]]] | None:
    """A funder's public page: what it pledged and gave to which rounds."""
    if not is_lookup_safe(slug):
        return None
    funder = db.session.execute(select(Funder).where(Funder.slug == slug)).scalar_one_or_none()
    if funder is None:
        return None
    given = ledger.funder_summary(funder.id)
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


def money_flows(round_id: int | None = None) -> tuple[list[charts.Flow], list[charts.Flow]]:
    """Funder-to-table money received and table-to-group money awarded, from the ledger and awards (two queries)."""
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
    awarded = (
        select(Round.title, Group.name, func.sum(Award.amount_pence))
        .select_from(Award)
        .join(Round, Round.id == Award.round_id)
        .join(Group, Group.id == Award.group_id)
        .group_by(Round.id, Round.title, Group.id, Group.name)
        .order_by(Round.title, Group.name)
    )
    if round_id is not None:
        giving = giving.where(Account.round_id == round_id)
        awarded = awarded.where(Award.round_id == round_id)
    given = [charts.Flow(f, r, -int(total)) for f, r, total in db.session.execute(giving) if total]
    out = [charts.Flow(r, g, int(total)) for r, g, total in db.session.execute(awarded) if total]
    return given, out


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
    return charts.timeline(rnd.title, steps, today)


def result_chart(page: RoundPage, public_ids: set[int]) -> charts.Chart | None:
    """Support per proposal and the budget line, from the stored result (no extra queries)."""
    if page.result is None or not page.result.quorum_met:
        return None
    lines = sorted(page.result.lines, key=lambda line: line.position)
    bars = [
        charts.Bar(
            f"{line.proposal.title} ({line.proposal.group.name})"
            if line.proposal_id in public_ids
            else "A group that asked not to be named",
            int(line.support),
            line.cost_pence,
            line.is_funded,
        )
        for line in lines
    ]
    return charts.result_support(
        page.round.title, bars, page.result.budget_pence, people_count(page.result.ballots_counted)
    )


# Entry kinds shown one by one in the public ledger. Anything else (for example what panel
# members are paid for their time, or their expenses) is only ever shown as a total, so no
# one person's payment can be read off the ledger. New kinds are private until listed here.
# Every kind that changes a public balance is itemised: refunds and panel gifts to the pot change
# what was received, and a panel pay run (one row per table per run, naming nobody) what is held.
ITEMISED_KINDS = (
    EntryKind.CONTRIBUTION,
    EntryKind.FEE,
    EntryKind.AWARD,
    EntryKind.PAYMENT,
    EntryKind.REVERSAL,
    EntryKind.REFUND,
    EntryKind.DONATION,
    EntryKind.PANEL_RUN,
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
    their entry group): a panel member's pay given to the pot counts as received, as in the totals."""
    given = (Account.kind == AccountKind.ROUND_AVAILABLE) & (EntryGroup.kind == EntryKind.DONATION)
    return (
        (_part(Account.kind == AccountKind.FUNDER_GIVING, -1) + _part(given)).label("received"),
        _part(Account.kind.in_([AccountKind.AWARD_COMMITTED, AccountKind.AWARD_PAID])).label("awarded"),
        _part(Account.kind == AccountKind.AWARD_PAID).label("paid"),
    )


def _itemised_totals() -> tuple[int, int, int]:
    """Received, awarded and paid over every public movement, from the running balances."""

    kept = Balance.amount_pence
    given = (Account.kind == AccountKind.ROUND_AVAILABLE) & (Balance.entry_kind == EntryKind.DONATION)
    stmt = (
        select(
            _part(Account.kind == AccountKind.FUNDER_GIVING, -1, kept) + _part(given, 1, kept),
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
    public = _owned_by(
        select(EntryGroup.id).where(EntryGroup.kind.in_(ITEMISED_KINDS)),
        round_id=round_id,
        group_id=group_id,
        funder_id=funder_id,
    )
    newest_first = (EntryGroup.occurred_on.desc(), EntryGroup.id.desc())
    head = public.order_by(*newest_first).limit(offset + limit).scalar_subquery()
    stmt = (
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
        .where(EntryGroup.id.in_(head))
        .group_by(EntryGroup.id)
        .order_by(*newest_first)
    )
    movements = db.session.execute(stmt).all()
    if round_id or group_id or funder_id:
        within = (
            select(*_running_parts())
            .select_from(Entry)
            .join(Account, Account.id == Entry.account_id)
            .join(EntryGroup, EntryGroup.id == Entry.entry_group_id)
            .where(Entry.entry_group_id.in_(public.scalar_subquery()))
        )
        received, awarded, paid = (int(n) for n in db.session.execute(within).one())
    else:
        received, awarded, paid = _itemised_totals()
    rows = []
    for r in movements:
        rows.append(
            LedgerRow(
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
                received_so_far_pence=received,
                awarded_so_far_pence=awarded,
                paid_so_far_pence=paid,
            )
        )
        received, awarded, paid = received - int(r.received), awarded - int(r.awarded), paid - int(r.paid)
    return rows[offset:]


def public_ledger_mismatches() -> list[tuple[int | None, str]]:
    """Where the public ledger does not add up to the totals it shows, for the whole site and for
    each table: (table id or None, what is wrong). Empty when every row is there and adds up.

    `flask reconcile` runs it as one of the ledger's self-checks; so do the tests and scripts/bench_web."""
    out: list[tuple[int | None, str]] = []
    scopes: list[tuple[int | None, ledger.MoneySummary]] = [(None, ledger.platform_summary())]
    round_ids = list(db.session.execute(select(Round.id).order_by(Round.id)).scalars())
    scopes += list(ledger.round_summaries(round_ids).items())
    for round_id, totals in scopes:
        where = "the whole site" if round_id is None else f"table {round_id}"
        rows = ledger_rows(round_id=round_id, limit=10**9)
        expected = (totals.received_pence, totals.awarded_pence, totals.paid_pence)
        newest = _so_far(rows[0]) if rows else (0, 0, 0)
        if newest != expected:
            out.append((round_id, f"{where}: the running totals {newest} are not the totals shown {expected}"))
        if rows and _so_far(rows[-1]) != _own_running(rows[-1].id):
            out.append((round_id, f"{where}: the oldest row does not start from nothing (rows are missing)"))
        held = sum(r.held_change_pence for r in rows)
        if held != totals.held_pence:
            out.append((round_id, f"{where}: the rows' amounts add up to {held}p but {totals.held_pence}p is held"))
    return out


def _so_far(row: LedgerRow) -> tuple[int, int, int]:
    return (row.received_so_far_pence, row.awarded_so_far_pence, row.paid_so_far_pence)


def _own_running(group_id: int) -> tuple[int, int, int]:
    """What one movement adds to received, awarded and paid."""
    stmt = (
        select(*_running_parts())
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(EntryGroup, EntryGroup.id == Entry.entry_group_id)
        .where(Entry.entry_group_id == group_id)
    )
    received, awarded, paid = (int(n) for n in db.session.execute(stmt).one())
    return received, awarded, paid


def panel_people_paid(round_id: int | None = None) -> int | None:
    """How many panel members have had time or expenses paid (one table, or all), under the 5-person rule.

    A pay total that covers fewer than 5 people is someone's pay, so it is published only from 5.
    """

    people: set[int] = set()
    for model in (TimeLog, Expense):
        stmt = (
            select(PanelMember.person_id)
            .join(model, model.panel_member_id == PanelMember.id)
            .where(model.entry_group_id.is_not(None))
        )
        if round_id is not None:
            stmt = stmt.where(PanelMember.round_id == round_id)
        people |= set(db.session.execute(stmt.distinct()).scalars())
    return people_count(len(people))
