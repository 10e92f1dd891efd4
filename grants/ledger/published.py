"""The ledger as the public sees it: the figures on every public page (a table's pot, the whole
site's) and the public ledger's rows with their running totals, read from the books (books.py)
by the public pages, money's pages, open data and the API; and the check that those rows add up
to the figures shown (`public_ledger_mismatches`, one of `flask reconcile`'s self-checks).

Panel pay in public: never one person's pay, and still a ledger anyone can add up (issue 15).

Seen: a pay run that paid one or two people showed its amount on the public ledger, and a pay
given back to the pot ("A panel member gave £40 of their pay") showed one person's pay; a table's
"still available" moved by exactly that amount, so a reader who subtracted found it anyway.

The rule (the 5-person rule of grants/privacy.py, applied to money): a table's panel
movements (pay runs out of its pot, and pay given back to it) are published in **steps**, taken
in the order they were recorded. A step is closed, and published as one line naming nobody, once
the people in it (paid, or giving pay back) number at least `MIN_PEOPLE`; it never changes after,
because later movements only start the next step. So every published amount is a sum over at
least 5 people, and the difference between two published figures (a reader who kept yesterday's
page) is a whole step, again over at least 5 people.

Movements of a step not yet closed are held out of every public figure: not a row of the ledger,
not in "received", "paid to the panel" or "still available". Pages say so in one sentence
(`HELD_BACK_TEXT`), without the amount.

Pay given back to the pot is never a figure of its own either: a step's line is what the step took
from the pot (pay out less pay given back), and "received" counts only what funders gave.

What the public can add up: the ledger's rows (with these step lines) add up exactly to the
totals shown, for the whole site and for each table (`public_ledger_mismatches`):
received, awarded and paid so far, and the rows' amounts to what is held (still available plus
committed). What is shown as still available is the pot's own balance plus the held-out pay runs,
less held-out pay given back: the one difference, and the page says so (without the amount).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import lazy_ngettext
from sqlalchemy import Select, case, func, select

from grants.extensions import db
from grants.language.records import Named, Words
from grants.ledger import books
from grants.models import N_, Account, AccountKind, Balance, Entry, EntryGroup, EntryKind, Round
from grants.privacy import MIN_PEOPLE, people_text

PANEL_KINDS = (EntryKind.PANEL_RUN, EntryKind.DONATION)

HELD_BACK_TEXT = lazy_ngettext(
    "Panel pay to fewer than %(num)d person is not shown separately, so nobody's pay can be worked out. "
    "It is shown as one line once at least %(num)d person has been paid; until then it is left out of "
    "these figures, so what is still available may be less than shown.",
    "Panel pay to fewer than %(num)d people is not shown separately, so nobody's pay can be worked out. "
    "It is shown as one line once at least %(num)d people have been paid; until then it is left out of "
    "these figures, so what is still available may be less than shown.",
    MIN_PEOPLE,
)


@dataclass(frozen=True)
class PanelStep:
    """Panel movements of one table published together: at least MIN_PEOPLE people, no names."""

    round_id: int
    title: str
    language: str  # the language of `title` (the table's first)
    last_id: int  # the newest entry group in the step: its place in the ledger
    occurred_on: date
    people: int
    out_pence: int  # paid out of the pot (pay and expenses)
    given_pence: int  # pay given back to the pot

    @property
    def held_change_pence(self) -> int:
        """What the step took from the pot: pay out, less pay given back (never shown apart)."""
        return self.given_pence - self.out_pence

    @property
    def words(self) -> Words:
        """The step's line, to be put into the reader's words (grants/language/records.py)."""
        return Words(
            N_(
                "The panel of %(table)s paid for their time and expenses, less pay given back to the pot "
                "(%(people)s people, in one line so that nobody's pay can be worked out)"
            )
            if self.given_pence
            else N_(
                "The panel of %(table)s paid for their time and expenses "
                "(%(people)s people, in one line so that nobody's pay can be worked out)"
            ),
            table=Named({self.language: self.title}),
            people=people_text(self.people),
        )

    @property
    def description(self) -> str:
        return self.words.english()


@dataclass
class PanelMoney:
    """One table's (or every table's) panel movements as the public may see them."""

    steps: list[PanelStep] = field(default_factory=list)
    held_out_pence: int = 0  # pay runs not yet in a published step
    held_given_pence: int = 0  # pay given back not yet in a published step
    held_movements: int = 0

    @property
    def held_back(self) -> bool:
        return self.held_movements > 0

    @property
    def out_pence(self) -> int:
        return sum(s.out_pence for s in self.steps)

    @property
    def given_pence(self) -> int:
        return sum(s.given_pence for s in self.steps)


def panel_money(round_ids: list[int] | None = None) -> dict[int, PanelMoney]:
    """Each table's published steps and what is held out, in one query (every table when None)."""
    stmt = (
        select(
            EntryGroup.id,
            EntryGroup.round_id,
            EntryGroup.occurred_on,
            EntryGroup.kind,
            Round.title,
            Round.language,
            Account.kind,
            Account.code,
            Entry.amount_pence,
        )
        .join(Entry, Entry.entry_group_id == EntryGroup.id)
        .join(Account, Account.id == Entry.account_id)
        .join(Round, Round.id == EntryGroup.round_id)
        .where(EntryGroup.kind.in_(PANEL_KINDS))
        .order_by(EntryGroup.round_id, EntryGroup.id)
    )
    if round_ids is not None:
        stmt = stmt.where(EntryGroup.round_id.in_(round_ids))
    movements: dict[int, dict] = {}
    for gid, rid, on, kind, title, language, account_kind, code, amount in db.session.execute(stmt):
        m = movements.setdefault(
            gid, {"round": rid, "on": on, "title": title, "language": language, "seats": set(), "pot": 0}
        )
        amount = int(amount)
        if account_kind == AccountKind.ROUND_AVAILABLE:
            m["pot"] += amount
        paid = account_kind in (AccountKind.PANEL_PAID, AccountKind.EXPENSES_PAID) and amount > 0
        gave = kind == EntryKind.DONATION and account_kind == AccountKind.PANEL_OWED and amount < 0
        if paid or gave:
            m["seats"].add(code.split(":")[1])  # panel:<seat>:...; one seat per person on a table
    out: dict[int, PanelMoney] = defaultdict(PanelMoney)
    for rid in round_ids or []:
        out[rid] = PanelMoney()
    pending: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for gid, m in movements.items():  # in id order within each table
        rid = m["round"]
        pending[rid].append((gid, m))
        seats = set().union(*(p["seats"] for _g, p in pending[rid]))
        if len(seats) >= MIN_PEOPLE:
            out[rid].steps.append(
                PanelStep(
                    round_id=rid,
                    title=m["title"],
                    language=m["language"],
                    last_id=gid,
                    occurred_on=m["on"],
                    people=len(seats),
                    out_pence=sum(-p["pot"] for _g, p in pending[rid] if p["pot"] < 0),
                    given_pence=sum(p["pot"] for _g, p in pending[rid] if p["pot"] > 0),
                )
            )
            pending[rid] = []
    for rid, left in pending.items():
        out[rid].held_out_pence = sum(-p["pot"] for _g, p in left if p["pot"] < 0)
        out[rid].held_given_pence = sum(p["pot"] for _g, p in left if p["pot"] > 0)
        out[rid].held_movements = len(left)
    return dict(out)


def public_view(money: books.MoneySummary, panel: PanelMoney) -> books.MoneySummary:
    """The figures as published: panel movements not yet in a published step left out.

    Pay given back is never shown apart (one person's gift would be read off "received"): in public
    it only lessens what a published step took from the pot, so "received" is what funders gave and
    "paid to the panel" is each published step's pay out less pay given back."""
    return replace(
        money,
        received_pence=money.received_pence - panel.given_pence - panel.held_given_pence,
        panel_out_pence=money.panel_out_pence - panel.held_out_pence - panel.given_pence,
        panel_held_back=panel.held_back,
    )


def round_summary(round_id: int) -> books.MoneySummary:
    """One table's public figures."""
    return public_view(books.round_summary(round_id), panel_money([round_id])[round_id])


def round_summaries(round_ids: list[int]) -> dict[int, books.MoneySummary]:
    """Many tables' public figures (two queries)."""
    panels = panel_money(list(round_ids))
    return {rid: public_view(m, panels[rid]) for rid, m in books.round_summaries(round_ids).items()}


def platform_summary() -> books.MoneySummary:
    """The whole site's public figures."""
    total = PanelMoney()
    for p in panel_money().values():
        total.steps += p.steps
        total.held_out_pence += p.held_out_pence
        total.held_given_pence += p.held_given_pence
        total.held_movements += p.held_movements
    return public_view(books.platform_summary(), total)


# ------------------------------------------------------------------ the public ledger's rows


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


# Entry kinds shown one by one in the public ledger. Anything else (for example what panel
# members are paid for their time, or their expenses) is only ever shown as a total, so no
# one person's payment can be read off the ledger. New kinds are private until listed here.
# Panel pay runs and pay given back to the pot also change public balances: they are shown too,
# but only as one line per step of at least 5 people (above).
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
    # The parts the description was made from, for the reader's language (None: shown as written).
    words: dict | None
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
    their entry group). Pay given back by the panel is never "received" in public (above)."""
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
    """The published steps of panel pay (above), newest first, as ledger rows.

    Panel movements belong to a table, never to a group or a funder: one line per published step."""
    if group_id or funder_id:
        return []
    panels = panel_money([round_id] if round_id else None)
    steps = [
        LedgerRow(
            id=step.last_id,
            occurred_on=step.occurred_on,
            kind=EntryKind.PANEL_RUN,
            description=step.description,
            words=step.words.stored(),
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
            EntryGroup.words,
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
                words=r.words,
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
    scopes: list[tuple[int | None, books.MoneySummary]] = [(None, platform_summary())]
    round_ids = list(db.session.execute(select(Round.id).order_by(Round.id)).scalars())
    scopes += list(round_summaries(round_ids).items())
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

