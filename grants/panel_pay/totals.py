"""A panel member's own figures: pay approved and paid by week, month and UK tax year, with
expenses apart (never counted as pay), their own limit, each pay run's statement and a year's
summary. Everything here is about one person, for that person alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_skeleton as babel_skeleton
from babel.numbers import format_decimal
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from grants.extensions import db
from grants.ledger import books
from grants.models import (
    Account,
    AccountKind,
    ClaimStatus,
    Entry,
    EntryGroup,
    LimitPeriod,
    PanelMember,
    PanelPayRate,
    PayLimit,
    RateUnit,
    Round,
    TimeLog,
)

# ------------------------------------------------------------------ periods


def week_of(day: date) -> tuple[date, date]:
    """The week (Monday to Sunday) a day falls in."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def month_of(day: date) -> tuple[date, date]:
    """The calendar month a day falls in."""
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def tax_year_start(day: date) -> int:
    """The calendar year in which the UK tax year holding `day` began (tax years start on 6 April)."""
    return day.year if day >= date(day.year, 4, 6) else day.year - 1


def tax_year(start_year: int) -> tuple[date, date]:
    """The UK tax year that begins on 6 April of `start_year`."""
    return date(start_year, 4, 6), date(start_year + 1, 4, 5)


def tax_year_name(start_year: int) -> str:
    """How a tax year is written: 2026 to 2027."""
    return f"{start_year} to {start_year + 1}"


def period_of(period: LimitPeriod, day: date) -> tuple[date, date]:
    """The week or month a limit is counted over."""
    return week_of(day) if period is LimitPeriod.WEEK else month_of(day)


# ------------------------------------------------------------------ what reached the person


def seat_ids(person_id: int) -> list[int]:
    """Every panel seat a person has held, on any table."""
    return list(db.session.execute(select(PanelMember.id).where(PanelMember.person_id == person_id)).scalars())


def _codes(kind: AccountKind, seats: list[int]) -> list[str]:
    return [books.account_code(kind, seat_id=s) for s in seats]


@dataclass(frozen=True)
class Payment:
    """One pay run, as it reached one person: their pay and their expenses apart."""

    run_id: int
    paid_on: date
    round_id: int | None
    table: str
    reference: str | None
    pay_pence: int
    expenses_pence: int

    @property
    def total_pence(self) -> int:
        return self.pay_pence + self.expenses_pence


def payments(person_id: int, start: date | None = None, end: date | None = None) -> list[Payment]:
    """What each pay run sent this person (oldest first), from the ledger's paid accounts."""
    seats = seat_ids(person_id)
    if not seats:
        return []
    pay_codes, expense_codes = _codes(AccountKind.PANEL_PAID, seats), _codes(AccountKind.EXPENSES_PAID, seats)
    stmt = (
        select(
            EntryGroup.id,
            EntryGroup.occurred_on,
            EntryGroup.round_id,
            EntryGroup.reference,
            Account.code,
            func.sum(Entry.amount_pence),
        )
        .join(Entry, Entry.entry_group_id == EntryGroup.id)
        .join(Account, Account.id == Entry.account_id)
        .where(Account.code.in_(pay_codes + expense_codes))
        .group_by(EntryGroup.id, EntryGroup.occurred_on, EntryGroup.round_id, EntryGroup.reference, Account.code)
        .order_by(EntryGroup.occurred_on, EntryGroup.id)
    )
    if start is not None:
        stmt = stmt.where(EntryGroup.occurred_on >= start)
    if end is not None:
        stmt = stmt.where(EntryGroup.occurred_on <= end)
    runs: dict[int, dict] = {}
    for run_id, paid_on, round_id, reference, code, amount in db.session.execute(stmt):
        run = runs.setdefault(
            run_id, {"paid_on": paid_on, "round_id": round_id, "reference": reference, "pay": 0, "expenses": 0}
        )
        run["pay" if code in pay_codes else "expenses"] += int(amount)
    titles = dict(
        db.session.execute(
            select(Round.id, Round.title).where(Round.id.in_({r["round_id"] for r in runs.values()}))
        ).all()
    )
    return [
        Payment(
            rid, r["paid_on"], r["round_id"], titles.get(r["round_id"], ""), r["reference"], r["pay"], r["expenses"]
        )
        for rid, r in runs.items()
    ]


def paid_pay_between(person_id: int, start: date, end: date) -> int:
    """Pay (not expenses) that reached the person between two dates, every table together."""
    return sum(p.pay_pence for p in payments(person_id, start, end))


def owed_pay(person_id: int) -> int:
    """Pay approved for the person and not sent yet, every table together."""
    return sum(max(books.balance_of(AccountKind.PANEL_OWED, seat_id=s), 0) for s in seat_ids(person_id))


@dataclass(frozen=True)
class TimeItem:
    """Approved time: what the letter and the year's summary list."""

    worked_on: date
    table: str
    activity: str
    units: object
    unit: RateUnit | None
    amount_pence: int

    @property
    def time_text(self) -> str:
        """How much time, as people write it: "1 half day", "1.5 meetings", in the reader's language."""
        return time_in_words(self.units, self.unit)


def time_in_words(units: object, unit: RateUnit | None) -> str:
    """A count of time (perhaps a fraction, like 1.5) with its noun, by the reader's plural rules.

    gettext's plural rules count whole numbers only: a fraction takes the form of 100, which is
    the "other" form in English and in Welsh, as CLDR has it for fractions."""
    amount = Decimal(str(units)).normalize()
    shown = format_decimal(amount, locale=get_locale() or "en_GB")
    n = int(amount) if amount == amount.to_integral_value() else 100
    if unit is RateUnit.MEETING:
        return ngettext("%(amount)s meeting", "%(amount)s meetings", n, amount=shown)
    if unit is RateUnit.HALF_DAY:
        return ngettext("%(amount)s half day", "%(amount)s half days", n, amount=shown)
    if unit is RateUnit.HOUR:
        return ngettext("%(amount)s hour", "%(amount)s hours", n, amount=shown)
    return shown


def approved_time(person_id: int, start: date | None = None, end: date | None = None) -> list[TimeItem]:
    """The person's approved time, oldest first, with what it was approved for."""

    stmt = (
        select(TimeLog, Round.title, PanelPayRate.unit)
        .join(PanelMember, PanelMember.id == TimeLog.panel_member_id)
        .join(Round, Round.id == PanelMember.round_id)
        .outerjoin(PanelPayRate, PanelPayRate.round_id == Round.id)
        .where(PanelMember.person_id == person_id, TimeLog.status == ClaimStatus.APPROVED)
        .order_by(TimeLog.worked_on, TimeLog.id)
    )
    if start is not None:
        stmt = stmt.where(TimeLog.worked_on >= start)
    if end is not None:
        stmt = stmt.where(TimeLog.worked_on <= end)
    return [
        TimeItem(log.worked_on, title, log.activity.label, log.units, unit, log.amount_pence or 0)
        for log, title, unit in db.session.execute(stmt)
    ]


# ------------------------------------------------------------------ the limit


def limit_of(person_id: int) -> PayLimit | None:
    """The person's own limit, if they set one."""
    return db.session.execute(select(PayLimit).where(PayLimit.person_id == person_id)).scalar_one_or_none()


def room(person_id: int, on: date) -> int | None:
    """How much more pay may reach the person in the week or month holding `on` (None: no limit)."""
    limit = limit_of(person_id)
    if limit is None:
        return None
    start, end = period_of(limit.period, on)
    return max(limit.amount_pence - paid_pay_between(person_id, start, end), 0)


def over_limit(person_id: int, on: date) -> int:
    """Approved pay waiting that the next pay run cannot send without crossing the person's limit."""
    space = room(person_id, on)
    if space is None:
        return 0
    return max(owed_pay(person_id) - space, 0)


def over_limit_on(person_id: int, round_id: int, on: date) -> int:
    """The part of what is over the person's limit that can come out of one table's waiting pay.

    The limit counts pay from every table together, but giving or declining the rest only ever
    touches the pay of the table it is asked on (issue 20): at most what that table owes them."""
    over = over_limit(person_id, on)
    if not over:
        return 0
    seat = db.session.execute(
        select(PanelMember.id).where(PanelMember.person_id == person_id, PanelMember.round_id == round_id)
    ).scalar_one_or_none()
    if seat is None:
        return 0
    return min(max(books.balance_of(AccountKind.PANEL_OWED, seat_id=seat), 0), over)


# ------------------------------------------------------------------ the running total


@dataclass(frozen=True)
class Row:
    """One line of the running total."""

    label: str
    start: date
    end: date
    approved_pence: int
    paid_pence: int
    expenses_pence: int

    @property
    def span(self) -> str:
        """The dates, short, with the months' short names in the reader's language: "30 Nov to 6 Dec 2026"."""
        start = _short("dMMMy" if self.start.year != self.end.year else "dMMM", self.start)
        return _("%(start)s to %(end)s", start=start, end=_short("dMMMy", self.end))


def _short(skeleton: str, day: date) -> str:
    """A date by a Babel skeleton ("dMMM": 30 Nov, 30 Tach) in the reader's language."""
    return babel_skeleton(skeleton, day, locale=get_locale() or "en_GB")


@dataclass
class RunningTotal:
    """A person's figures this week, this month and this tax year."""

    rows: list[Row] = field(default_factory=list)
    owed_pence: int = 0


def running_total(person_id: int, today: date | None = None) -> RunningTotal:
    """This week, this month and this tax year: pay approved (by the day of the work), pay paid and
    expenses paid back (by the day paid). Expenses are never added to pay."""
    today = today or date.today()
    year = tax_year_start(today)
    periods = [
        (_("This week"), *week_of(today)),
        (_("This month"), *month_of(today)),
        (_("Tax year %(name)s", name=tax_year_name(year)), *tax_year(year)),
    ]
    sent = payments(person_id, periods[-1][1], periods[-1][2])
    time = approved_time(person_id, periods[-1][1], periods[-1][2])
    total = RunningTotal(owed_pence=owed_pay(person_id))
    for label, start, end in periods:
        total.rows.append(
            Row(
                label,
                start,
                end,
                sum(t.amount_pence for t in time if start <= t.worked_on <= end),
                sum(p.pay_pence for p in sent if start <= p.paid_on <= end),
                sum(p.expenses_pence for p in sent if start <= p.paid_on <= end),
            )
        )
    return total


def years_with_pay(person_id: int) -> list[int]:
    """The tax years (by start year) in which the person had time approved or was paid, newest first."""
    days = [p.paid_on for p in payments(person_id)] + [t.worked_on for t in approved_time(person_id)]
    return sorted({tax_year_start(d) for d in days}, reverse=True)


@dataclass(frozen=True)
class MonthLine:
    label: str
    approved_pence: int
    paid_pence: int
    expenses_pence: int


def year_summary(person_id: int, start_year: int) -> tuple[list[MonthLine], list[Payment], list[TimeItem]]:
    """A tax year month by month, with the pay runs and the approved time in it."""
    start, end = tax_year(start_year)
    sent, time = payments(person_id, start, end), approved_time(person_id, start, end)
    lines, cursor = [], start
    while cursor <= end:
        m_start, m_end = month_of(cursor)
        lo, hi = max(m_start, start), min(m_end, end)
        lines.append(
            MonthLine(
                format_date(lo, "MMMM y")
                if (lo, hi) == (m_start, m_end)
                else _("%(start)s to %(end)s", start=str(lo.day), end=format_date(hi, "d MMMM y")),
                sum(t.amount_pence for t in time if lo <= t.worked_on <= hi),
                sum(p.pay_pence for p in sent if lo <= p.paid_on <= hi),
                sum(p.expenses_pence for p in sent if lo <= p.paid_on <= hi),
            )
        )
        cursor = hi + timedelta(days=1)
    return lines, sent, time
