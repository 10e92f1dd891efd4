"""Paying panel members: a rate per round, time logged and approved, each person's choice
of how (or whether) to be paid, expenses with receipts, and a schedule for whoever pays.

Panel pay comes from the round's panel budget, never from the grants pot, and individual
amounts are private: public pages show only totals.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from grants import audit
from grants.core import DomainError, NotAllowed, hold, lock_for_update, raise_problems, transaction
from grants.extensions import db
from grants.language.records import Label, Money, Words
from grants.language.written import lazy_text
from grants.ledger import books
from grants.models import (
    N_,
    AccountKind,
    Activity,
    ClaimStatus,
    EntryKind,
    Expense,
    ExpenseKind,
    LimitPeriod,
    OverLimit,
    PanelBenefitsNote,
    PanelMember,
    PanelPayRate,
    PayChoice,
    PayLimit,
    PayPreference,
    Person,
    RateUnit,
    Round,
    TimeLog,
)
from grants.models.panel_pay import RATE_UNIT_LABELS
from grants.money.payouts import ACCOUNT_NUMBER, SORT_CODE
from grants.money_format import format_pence
from grants.notifications import notify
from grants.panel_pay import totals
from grants.privacy import people_text_in_english
from grants.roles import is_convenor, is_treasurer, panel_seat
from grants.site import link_to
from grants.uploads import save_upload


def _seat(person: Person, round_id: int) -> PanelMember:
    seat = panel_seat(person, round_id)
    if seat is None:
        raise NotAllowed(_("Only members of this table's panel can do this."))
    return seat


def set_rate(
    *,
    person: Person,
    round_id: int,
    unit: RateUnit,
    rate_pence: int,
    counts_reading: bool,
    counts_meetings: bool,
    counts_training: bool = False,
) -> PanelPayRate:
    """The convenor sets what the panel is paid, and for which kinds of time."""
    if rate_pence <= 0:
        raise DomainError(_("Enter a rate of more than £0."))
    if not (counts_reading or counts_meetings or counts_training):
        raise DomainError(_("Choose at least one kind of time that is paid."))
    with transaction() as session:
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only the table's convenor can set the panel's rate."))
        hold(Round, round_id)  # set twice at once (a double click): the second sees the first's rate
        rate = rate_for(round_id)
        if rate is None:
            rate = PanelPayRate(round_id=round_id, set_by_id=person.id, unit=unit, rate_pence=rate_pence)
            session.add(rate)
        rate.unit, rate.rate_pence, rate.set_by_id = unit, rate_pence, person.id
        rate.counts_reading, rate.counts_meetings, rate.counts_training = (
            counts_reading,
            counts_meetings,
            counts_training,
        )
        audit.record(
            "panel_rate_set",
            Words(
                N_("The panel is paid %(amount)s %(unit)s."),
                amount=Money(rate_pence),
                unit=Label(RATE_UNIT_LABELS[unit]),
            ),
            actor_id=person.id,
            round_id=round_id,
            public=True,
        )
    return rate


def rate_for(round_id: int) -> PanelPayRate | None:
    """The round's panel rate, if one is set."""
    return db.session.execute(select(PanelPayRate).where(PanelPayRate.round_id == round_id)).scalar_one_or_none()


def log_time(
    *, person: Person, round_id: int, activity: Activity, worked_on: date, units: Decimal, note: str = ""
) -> TimeLog:
    """A panel member logs time spent on the panel's work."""
    units = Decimal(units)
    if units <= 0 or units > 100:
        raise DomainError(_("Enter how much time, more than 0."))
    if worked_on > date.today():
        raise DomainError(_("Enter a date that is today or earlier."))
    with transaction() as session:
        seat = _seat(person, round_id)
        rate = rate_for(round_id)
        if rate is None:
            raise DomainError(_("The convenor has not set the panel's rate yet, so time cannot be logged."))
        if not rate.counts(activity):
            raise DomainError(_("%(activity)s is not paid on this table.", activity=activity.label))
        item = TimeLog(panel_member_id=seat.id, activity=activity, worked_on=worked_on, units=units, note=note.strip())
        session.add(item)
    return item


def _paid_so_far(seat_id: int) -> int:
    owed = books.balance_of(AccountKind.PANEL_OWED, seat_id=seat_id)
    return owed + books.balance_of(AccountKind.PANEL_PAID, seat_id=seat_id)


def preference(seat_id: int) -> PayPreference | None:
    """A seat's payment choice, if made."""
    return db.session.execute(
        select(PayPreference).where(PayPreference.panel_member_id == seat_id)
    ).scalar_one_or_none()


def decide_time(*, person: Person, log_id: int, approve: bool, note: str = "") -> TimeLog:
    """The convenor approves (or not) logged time; approval records it in the ledger."""
    with transaction():
        item = lock_for_update(TimeLog, log_id)
        seat = item.member
        if not is_convenor(person, seat.round_id):
            raise NotAllowed(_("Only the table's convenor can approve time."))
        if seat.person_id == person.id:
            raise NotAllowed(_("You cannot approve your own time; another convenor must."))
        if item.status is not ClaimStatus.SUBMITTED:
            raise DomainError(_("That time has already been decided."))
        item.decided_by_id, item.decision_note = person.id, note.strip() or None
        if not approve:
            item.status = ClaimStatus.REJECTED
            item.amount_pence = 0
            return item
        rate = rate_for(seat.round_id)
        lock_for_update(Round, seat.round_id)
        amount = int((Decimal(item.units) * rate.rate_pence).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        pref = preference(seat.id)
        choice = pref.choice if pref else PayChoice.BANK
        if choice is PayChoice.DECLINE:
            amount = 0
        elif choice is PayChoice.REDUCED and pref.cap_pence is not None:
            amount = max(0, min(amount, pref.cap_pence - _paid_so_far(seat.id)))
        over = 0
        if amount and choice is not PayChoice.DONATE:
            # The person's own limit (issue 20): what the next pay run could not send without crossing it.
            over, amount = _apply_limit(seat.person_id, amount)
        item.status = ClaimStatus.APPROVED
        item.amount_pence = amount
        if amount:
            group = books.post(
                EntryKind.PANEL_PAY,
                f"Panel time approved: {format_pence(amount)}",
                [
                    (books.account(AccountKind.PANEL_BUDGET, round_id=seat.round_id), -amount),
                    (books.account(AccountKind.PANEL_OWED, seat_id=seat.id), amount),
                ],
                occurred_on=item.worked_on,
                round_id=seat.round_id,
                recorded_by_id=person.id,
            )
            item.entry_group_id = group.id
            if choice is PayChoice.DONATE:
                _donate(seat, amount, person.id)
        limit = totals.limit_of(seat.person_id) if over else None
        if limit is not None and limit.over is OverLimit.DONATE:
            _donate(seat, over, person.id)
        notify(
            [seat.person_id],
            "reminder",
            _l("Your time was approved"),
            _approved_words(item, amount, _over_words(limit, over)),
            link=link_to("panel_pay.my_pay", slug=seat.round.slug),
        )
    return item


def lock_people(person_ids: list[int]) -> None:
    """Hold these people's rows until the transaction ends, in id order (so two never wait on each
    other): a person's own limit counts their pay on every table, so whatever reads how much room
    is left under it and then pays or approves against it must be the only one doing so for them.
    (SQLite already lets one writer in at a time; this is for PostgreSQL.)"""
    if person_ids:
        db.session.execute(
            select(Person.id).where(Person.id.in_(sorted(set(person_ids)))).order_by(Person.id).with_for_update()
        ).all()


def _apply_limit(person_id: int, amount: int) -> tuple[int, int]:
    """(over, amount): the part of newly approved pay that would take the person over their own
    limit in the next pay run, and what is recorded as owed. Pay over a limit the person chose to
    give or decline is never owed to them; pay that waits stays owed and is paid within the limit."""
    limit = totals.limit_of(person_id)
    if limit is None:
        return 0, amount
    lock_people([person_id])  # another table approving or paying them waits (see lock_people)
    space = max((totals.room(person_id, date.today()) or 0) - totals.owed_pay(person_id), 0)
    over = max(amount - space, 0)
    if over and limit.over is OverLimit.DECLINE:
        return over, amount - over
    return over, amount


_ACTIVITY_WORDS = {
    "reading": _l("reading proposals"),
    "meeting": _l("meetings"),
    "training": _l("training"),
}


def _approved_words(item: TimeLog, amount: int, over_words: object) -> object:
    """The approval message, in the person's language: the time, its pay, and any words about their limit."""
    values = {
        "activity": _ACTIVITY_WORDS[item.activity.value],
        "date": LazyString(format_date, item.worked_on, "d MMMM"),  # in the reader's language
        "amount": format_pence(amount),
    }
    if amount:
        approved = _l("Your %(activity)s on %(date)s was approved: %(amount)s.", **values)
    else:
        approved = _l("Your %(activity)s on %(date)s was approved.", **values)
    if not over_words:
        return approved
    return _l("%(approved)s %(over)s", approved=approved, over=over_words)


def _over_words(limit: PayLimit | None, over: int) -> object:
    """What the approval message says about pay over the person's own limit (to them alone)."""
    if limit is None or not over:
        return ""
    amount = format_pence(over)
    if limit.over is OverLimit.DONATE:
        return _l(
            "%(amount)s of it was over your own limit, so it was given to the table's pot, as you chose.", amount=amount
        )
    if limit.over is OverLimit.DECLINE:
        return _l("%(amount)s more was over your own limit, so you were not paid it, as you chose.", amount=amount)
    if limit.period is LimitPeriod.WEEK:
        return _l(
            "%(amount)s of it is over your own weekly limit: it waits and is paid in a later pay run, within your "
            "limit. You can give it to the pot or decline it on your pay page.",
            amount=amount,
        )
    return _l(
        "%(amount)s of it is over your own monthly limit: it waits and is paid in a later pay run, within your "
        "limit. You can give it to the pot or decline it on your pay page.",
        amount=amount,
    )


def _donate(seat: PanelMember, amount: int, actor_id: int) -> None:
    """The person gives their approved pay to the pot: it stays there, money the groups can be awarded.

    Approved pay is owed, drawn on the panel budget, and leaves the pot only when a pay run sends it
    (post_pay_run). Pay given before it is sent never left the pot, so the gift gives back what the
    approval drew on the budget. It once moved the pay into the pot instead: the budget stayed short
    by the gift for ever, and the pot counted the same pounds twice (available more than it holds)."""
    books.post(
        EntryKind.DONATION,
        f"A panel member gave {format_pence(amount)} of their pay to the pot",
        [
            (books.account(AccountKind.PANEL_OWED, seat_id=seat.id), -amount),
            (books.account(AccountKind.PANEL_BUDGET, round_id=seat.round_id), amount),
        ],
        occurred_on=date.today(),
        round_id=seat.round_id,
        recorded_by_id=actor_id,
    )


def set_preference(
    *,
    person: Person,
    round_id: int,
    choice: PayChoice,
    cap_pence: int | None = None,
    read_benefits_note: bool = False,
    account_name: str = "",
    sort_code: str = "",
    account_number: str = "",
) -> PayPreference:
    """A panel member chooses how to be paid: bank, voucher, reduced, donate or decline."""
    sort_code = sort_code.replace("-", "").replace(" ", "")
    account_number = account_number.replace(" ", "")
    with transaction() as session:
        seat = _seat(person, round_id)
        hold(PanelMember, seat.id)  # sent twice at once (a double click): the second sees the first's choice
        pref = preference(seat.id)
        accepting = choice in (PayChoice.BANK, PayChoice.VOUCHER, PayChoice.REDUCED)
        problems: list[tuple[str, str]] = []  # every box to fix, said at once (issue 17)
        if accepting and (pref is None or pref.benefits_note_seen_at is None) and not read_benefits_note:
            problems.append((
                "read_benefits_note",
                _("Please read the note about welfare benefits and tick the box before accepting payment."),
            ))  # fmt: skip
        if choice is PayChoice.REDUCED and (cap_pence is None or cap_pence <= 0):
            problems.append(("cap", _("Enter the most you want to be paid for this table.")))
        if choice.needs_bank:
            if not account_name.strip():
                problems.append(("account_name", _("Enter the name on your bank account.")))
            if not SORT_CODE.match(sort_code):
                problems.append(("sort_code", _("Enter your sort code as 6 digits, like 12-34-56.")))
            if not ACCOUNT_NUMBER.match(account_number):
                problems.append(("account_number", _("Enter your account number as 8 digits.")))
        raise_problems(problems)
        if pref is None:
            pref = PayPreference(panel_member_id=seat.id, choice=choice)
            session.add(pref)
        pref.choice = choice
        pref.cap_pence = cap_pence if choice is PayChoice.REDUCED else None
        if accepting and pref.benefits_note_seen_at is None:
            pref.benefits_note_seen_at = datetime.now(UTC)
        if choice.needs_bank:
            pref.account_name, pref.sort_code, pref.account_number = account_name.strip(), sort_code, account_number
        else:
            # Do not keep bank details a person no longer needs us to hold.
            pref.account_name = pref.sort_code = pref.account_number = None
        session.flush()
        if choice is PayChoice.DONATE:
            owed = books.balance_of(AccountKind.PANEL_OWED, seat_id=seat.id)
            if owed > 0:
                lock_for_update(Round, round_id)
                _donate(seat, owed, person.id)
    return pref


def claim_expense(
    *,
    person: Person,
    round_id: int,
    kind: ExpenseKind,
    spent_on: date,
    amount_pence: int,
    description: str,
    receipt: FileStorage | None = None,
) -> Expense:
    """A panel member claims back money spent to take part; a receipt is optional."""
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount of more than £0."))
    if not description.strip():
        raise DomainError(_("Say what the money was for."))
    with transaction() as session:
        seat = _seat(person, round_id)
        upload = None
        if receipt is not None and receipt.filename:
            upload = save_upload(receipt, kind="receipt", person_id=person.id, is_public=False)
        item = Expense(
            panel_member_id=seat.id,
            kind=kind,
            spent_on=spent_on,
            amount_pence=amount_pence,
            description=description.strip(),
            receipt_id=upload.id if upload else None,
        )
        session.add(item)
    return item


def decide_expense(*, person: Person, expense_id: int, approve: bool, note: str = "") -> Expense:
    """The convenor approves (or not) an expense claim; approval records it in the ledger."""
    with transaction():
        item = lock_for_update(Expense, expense_id)
        seat = item.member
        if not is_convenor(person, seat.round_id):
            raise NotAllowed(_("Only the table's convenor can approve expenses."))
        if seat.person_id == person.id:
            raise NotAllowed(_("You cannot approve your own expenses."))
        if item.status is not ClaimStatus.SUBMITTED:
            raise DomainError(_("That claim has already been decided."))
        item.decided_by_id, item.decision_note = person.id, note.strip() or None
        item.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        if approve:
            item.entry_group_id = books.post(
                EntryKind.PANEL_EXPENSE,
                f"Panel expenses approved: {format_pence(item.amount_pence)}",
                [
                    (books.account(AccountKind.PANEL_BUDGET, round_id=seat.round_id), -item.amount_pence),
                    (books.account(AccountKind.EXPENSES_OWED, seat_id=seat.id), item.amount_pence),
                ],
                occurred_on=item.spent_on,
                round_id=seat.round_id,
                recorded_by_id=person.id,
            ).id
    return item


@dataclass(frozen=True)
class ScheduleLine:
    """What one panel member is owed, and how to pay them."""

    seat_id: int
    name: str
    choice: PayChoice | None
    pay_pence: int
    expenses_pence: int
    account_name: str
    sort_code: str
    account_number: str

    @property
    def total_pence(self) -> int:
        return self.pay_pence + self.expenses_pence

    @property
    def how(self) -> str:
        if self.choice is None:
            return _("Not chosen yet: ask them")
        if self.choice is PayChoice.VOUCHER:
            return "Vouchers"
        if self.choice.needs_bank:
            return _("Bank transfer")
        return _("Expenses only: ask how they want them paid") if self.expenses_pence else self.choice.label


def may_pay_panel(person: Person, round_id: int) -> bool:
    """Whoever pays the panel: the round's treasurer or convenor."""
    return is_treasurer(person, round_id) or is_convenor(person, round_id)


def moves_panel_money(person: Person, round_id: int) -> bool:
    """Who sends the panel its pay and sees members' bank details: the table's treasurer alone.

    Panel pay comes out of the table's pot, and nobody who ran the decision moves its money.
    """
    return is_treasurer(person, round_id)


def payable_now(seat: PanelMember) -> int:
    """The pay a pay run today may send to this seat: what is owed, within the person's own limit.
    Whoever pays sees only this amount, never the limit or why it is less."""
    owed = max(books.balance_of(AccountKind.PANEL_OWED, seat_id=seat.id), 0)
    space = totals.room(seat.person_id, date.today())
    return owed if space is None else min(owed, space)


def schedule(round_id: int) -> list[ScheduleLine]:
    """Everyone still owed pay or expenses in a round."""
    seats = db.session.execute(select(PanelMember).where(PanelMember.round_id == round_id)).scalars().all()
    lines = []
    for seat in seats:
        pay = payable_now(seat)
        expenses = books.balance_of(AccountKind.EXPENSES_OWED, seat_id=seat.id)
        if pay <= 0 and expenses <= 0:
            continue
        pref = preference(seat.id)
        lines.append(
            ScheduleLine(
                seat_id=seat.id,
                name=seat.person.display_name,
                choice=pref.choice if pref else None,
                pay_pence=pay,
                expenses_pence=expenses,
                account_name=(pref.account_name or "") if pref else "",
                sort_code=(pref.sort_code or "") if pref else "",
                account_number=(pref.account_number or "") if pref else "",
            )
        )
    return lines


def schedule_csv(*, person: Person, round_id: int) -> str:
    """The payment schedule as CSV, for whoever pays. It holds bank details: private."""
    if not moves_panel_money(person, round_id):
        raise NotAllowed(_("Only the table's treasurer can download the payment schedule: it holds bank details."))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Name", "How", "Payment (£)", "Expenses (£)", "Total (£)", "Account name", "Sort code", "Account number"]
    )
    for line in schedule(round_id):
        writer.writerow(
            [
                _safe(line.name),
                line.how,
                f"{line.pay_pence / 100:.2f}",
                f"{line.expenses_pence / 100:.2f}",
                f"{line.total_pence / 100:.2f}",
                _safe(line.account_name),
                line.sort_code,
                line.account_number,
            ]
        )
    with transaction():
        audit.record(
            "panel_schedule_exported",
            "The panel payment schedule was downloaded.",
            actor_id=person.id,
            round_id=round_id,
        )
    return out.getvalue()


def _safe(value: str) -> str:
    """Stop a spreadsheet treating a name as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def mark_settled(*, person: Person, seat_id: int, reference: str) -> int:
    """Whoever pays records that a panel member's pay and expenses were sent."""
    if not reference.strip():
        raise DomainError(_("Enter the bank or voucher reference."))
    with transaction():
        owner = db.session.execute(select(PanelMember.person_id).where(PanelMember.id == seat_id)).scalar()
        lock_people([owner] if owner is not None else [])  # their limit counts every table's pay runs
        seat = lock_for_update(PanelMember, seat_id)
        if not moves_panel_money(person, seat.round_id):
            raise NotAllowed(_("Only the table's treasurer can record panel payments: they come out of the pot."))
        if seat.person_id == person.id:
            raise NotAllowed(_("You cannot record a payment to yourself."))
        pay = payable_now(seat)
        expenses = books.balance_of(AccountKind.EXPENSES_OWED, seat_id=seat.id)
        if pay <= 0 and expenses <= 0:
            raise DomainError(_("Nothing is due to this person in a pay run today."))
        post_pay_run(seat.round_id, [(seat, max(pay, 0), max(expenses, 0))], reference.strip(), person.id)
        audit.record(
            "panel_member_paid",
            "A panel member was paid.",
            actor_id=person.id,
            round_id=seat.round_id,
            details={"seat": seat.id, "pence": pay + expenses},
        )
        notify(
            [seat.person_id],
            "payment_sent",
            _l("Your panel payment was sent"),
            _l(
                "%(amount)s was sent to you, reference %(reference)s.",
                amount=format_pence(pay + expenses),
                reference=reference.strip(),
            ),
        )
    return pay + expenses


def my_pay(seat_id: int) -> dict[str, int]:
    """A panel member's own figures: owed and paid, for time and for expenses."""
    figures = {}
    for kind in (AccountKind.PANEL_OWED, AccountKind.PANEL_PAID, AccountKind.EXPENSES_OWED, AccountKind.EXPENSES_PAID):
        figures[kind.value] = books.balance_of(kind, seat_id=seat_id)
    return figures


# ------------------------------------------------------------- panel pay out of the pot


def post_pay_run(round_id: int, owed: list[tuple[PanelMember, int, int]], reference: str, actor_id: int) -> object:
    """One pay run of a table's panel, inside the caller's transaction: what each person is owed
    moves to paid, the total comes out of the table's pot and leaves the bank, as any payment does.

    It is one public row for the table, naming nobody (and counting the people only when there
    are enough of them not to pick anyone out: grants/privacy.py)."""
    rnd = lock_for_update(Round, round_id)
    total = sum(pay + expenses for _seat, pay, expenses in owed)
    available = books.round_summary(round_id).available_pence
    if total > available:
        raise DomainError(
            _(
                "The pot of %(table)s has %(available)s that is not awarded; paying the panel "
                "%(total)s needs more than that. Ask a funder to put in money for the panel first.",
                table=lazy_text(rnd, "title"),
                available=format_pence(available),
                total=format_pence(total),
            )
        )
    lines = []
    for seat, pay, expenses in owed:
        lines += [
            (books.account(AccountKind.PANEL_OWED, seat_id=seat.id), -pay),
            (books.account(AccountKind.PANEL_PAID, seat_id=seat.id), pay),
            (books.account(AccountKind.EXPENSES_OWED, seat_id=seat.id), -expenses),
            (books.account(AccountKind.EXPENSES_PAID, seat_id=seat.id), expenses),
        ]
    lines += [
        # The budget the approvals drew on is funded from the pot now the money really goes.
        (books.account(AccountKind.ROUND_AVAILABLE, round_id=round_id), -total),
        (books.account(AccountKind.PANEL_BUDGET, round_id=round_id), total),
        *books.cash(AccountKind.BANK, -total),
    ]
    return books.post(
        EntryKind.PANEL_RUN,
        f"The panel of {rnd.title} paid for their time and expenses ({people_text_in_english(len(owed))} people)",
        lines,
        occurred_on=date.today(),
        reference=reference,
        round_id=round_id,
        recorded_by_id=actor_id,
    )


def pay_panel_run(*, person: Person, round_id: int, reference: str) -> int:
    """The table's treasurer records one pay run: everyone owed on the schedule was paid.
    Returns how many people were paid."""
    if not reference.strip():
        raise DomainError(_("Enter the bank or voucher reference of the pay run."))
    with transaction() as session:
        # A pay run moves the table's money, so its treasurer records it: not the convenors who ran the decision.
        if not is_treasurer(person, round_id):
            raise NotAllowed(_("Only the table's treasurer can record a pay run of the panel."))
        # Each person's limit counts every table's pay runs: lock the panel's people before reading their room.
        lock_people(
            list(session.execute(select(PanelMember.person_id).where(PanelMember.round_id == round_id)).scalars())
        )
        # Nobody records a payment to themselves: their own line waits for someone else.
        own = set(
            session.execute(
                select(PanelMember.id).where(PanelMember.round_id == round_id, PanelMember.person_id == person.id)
            ).scalars()
        )
        owed = [
            (session.get(PanelMember, line.seat_id), max(line.pay_pence, 0), max(line.expenses_pence, 0))
            for line in schedule(round_id)
            if line.seat_id not in own
        ]
        if not owed:
            raise DomainError(_("Nobody on the panel is due a payment today."))
        post_pay_run(round_id, owed, reference.strip(), person.id)
        audit.record(
            "panel_pay_run",
            "The panel was paid.",
            actor_id=person.id,
            round_id=round_id,
            details={"seats": [seat.id for seat, _p, _e in owed]},
        )
        for seat, pay, expenses in owed:
            notify(
                [seat.person_id],
                "payment_sent",
                _l("Your panel payment was sent"),
                _l(
                    "%(amount)s was sent to you, reference %(reference)s.",
                    amount=format_pence(pay + expenses),
                    reference=reference.strip(),
                ),
            )
    return len(owed)


# ------------------------------------------------------------- a person's own limit (issue 20)


def set_limit(*, person: Person, period: LimitPeriod, amount_pence: int, over: OverLimit, reason: str = "") -> PayLimit:
    """A person sets the most panel pay may reach them in a week or a month, across every table.
    Private: only they ever see it, or the reason."""
    if amount_pence <= 0:
        raise DomainError(_("Enter a limit of more than £0, or remove your limit."))
    with transaction() as session:
        lock_people([person.id])  # as pay runs do; and set twice at once, the second sees the first's limit
        limit = totals.limit_of(person.id)
        if limit is None:
            limit = PayLimit(person_id=person.id, period=period, amount_pence=amount_pence)
            session.add(limit)
        limit.period, limit.amount_pence, limit.over = period, amount_pence, over
        limit.reason = reason.strip() or None
    return limit


def remove_limit(*, person: Person) -> None:
    """A person removes their own limit."""
    with transaction() as session:
        limit = totals.limit_of(person.id)
        if limit is not None:
            session.delete(limit)


def settle_over_limit(*, person: Person, round_id: int, give: bool) -> int:
    """The person gives to the pot (or declines) the approved pay their limit keeps back from the
    next pay run, out of one table's pay: the table they asked on. Returns how much.

    The limit counts every table together, so the part over it could be taken from any of them;
    it is taken only from this table's, never another table's pay (or pot)."""
    with transaction():
        seat = _seat(person, round_id)
        lock_for_update(PanelMember, seat.id)
        part = totals.over_limit_on(person.id, round_id, date.today())
        if part <= 0:
            raise DomainError(_("None of your pay on this table is over your limit."))
        lock_for_update(Round, round_id)
        if give:
            _donate(seat, part, person.id)
        else:
            # Declined after approval: back to the panel budget, so the panel's public total drops too.
            books.post(
                EntryKind.PANEL_PAY,
                f"A panel member declined {format_pence(part)} of approved pay",
                [
                    (books.account(AccountKind.PANEL_OWED, seat_id=seat.id), -part),
                    (books.account(AccountKind.PANEL_BUDGET, round_id=round_id), part),
                ],
                occurred_on=date.today(),
                round_id=round_id,
                recorded_by_id=person.id,
            )
    return part


def _note_row(round_id: int) -> PanelBenefitsNote | None:
    mine = select(PanelBenefitsNote).where(PanelBenefitsNote.round_id == round_id)
    return db.session.execute(mine).scalar_one_or_none()


def set_table_note(*, person: Person, round_id: int, text: str) -> PanelBenefitsNote:
    """The convenor writes the table's own note about pay and benefits, shown under the site's."""
    text = text.strip()
    if len(text) > 2000:
        raise DomainError(_("Keep the note under 2,000 characters."))
    with transaction() as session:
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only the table's convenor can write the table's note about benefits."))
        hold(Round, round_id)  # saved twice at once (a double click): the second sees the first's note
        note = _note_row(round_id)
        if note is None:
            note = PanelBenefitsNote(round_id=round_id, set_by_id=person.id)
            session.add(note)
        note.text, note.set_by_id = text, person.id
        audit.record(
            "panel_benefits_note_set",
            "The table's note about pay and benefits was changed.",
            actor_id=person.id,
            round_id=round_id,
        )
    return note
