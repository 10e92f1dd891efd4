"""Panel pay in public: never one person's pay, and still a ledger anyone can add up (issue 15).

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
totals shown, for the whole site and for each table (`queries.public_ledger_mismatches`):
received, awarded and paid so far, and the rows' amounts to what is held (still available plus
committed). What is shown as still available is the pot's own balance plus the held-out pay runs,
less held-out pay given back: the one difference, and the page says so (without the amount).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import lazy_ngettext
from sqlalchemy import select

from grants.extensions import db
from grants.ledger import books
from grants.models import Account, AccountKind, Entry, EntryGroup, EntryKind, Round
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
    def description(self) -> str:
        given = ", less pay given back to the pot" if self.given_pence else ""
        return (
            f"The panel of {self.title} paid for their time and expenses{given} "
            f"({people_text(self.people)} people, in one line so that nobody's pay can be worked out)"
        )


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
    for gid, rid, on, kind, title, account_kind, code, amount in db.session.execute(stmt):
        m = movements.setdefault(gid, {"round": rid, "on": on, "title": title, "seats": set(), "pot": 0})
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
