"""Posting to the append-only ledger and reading balances from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from grants.core import DomainError
from grants.extensions import db
from grants.language.records import Words
from grants.models import Account, AccountKind, Award, Balance, Entry, EntryGroup, EntryKind


class LedgerError(DomainError):
    """An entry group that would break the ledger's rules."""


class OverBudget(DomainError):
    """More than the pot (or the award, or the funder's share) holds."""


def account_code(kind: AccountKind, *, round_id=None, funder_id=None, award_id=None, seat_id=None) -> str:  # noqa: ANN001
    """The unique code of an account, e.g. `round:3:available`."""
    match kind:
        case AccountKind.BANK:
            return "external:bank"
        case AccountKind.STRIPE_BALANCE:
            return "external:stripe"
        case AccountKind.HELD_FOR_OTHERS:
            return "external:held"
        case AccountKind.PLATFORM_FUNDS:
            return "platform:funds"
        case AccountKind.PLATFORM_FEES:
            return "platform:fees"
        case AccountKind.PANEL_BUDGET:
            return f"round:{round_id}:panel_budget"
        case AccountKind.PANEL_OWED | AccountKind.PANEL_PAID | AccountKind.EXPENSES_OWED | AccountKind.EXPENSES_PAID:
            return f"panel:{seat_id}:{kind.value.removeprefix('panel_')}"
        case AccountKind.FUNDER_GIVING:
            return f"funder:{funder_id}:round:{round_id}"
        case AccountKind.ROUND_AVAILABLE:
            return f"round:{round_id}:available"
        case AccountKind.ROUND_FEES:
            return f"round:{round_id}:fees"
        case AccountKind.AWARD_COMMITTED:
            return f"award:{award_id}:committed"
        case AccountKind.AWARD_PAID:
            return f"award:{award_id}:paid"
    raise ValueError(kind)  # pragma: no cover


def account(kind: AccountKind, *, round_id=None, funder_id=None, award_id=None, group_id=None, seat_id=None) -> Account:  # noqa: ANN001, E501
    """Get or create an account (safe when two requests create it at once)."""
    code = account_code(kind, round_id=round_id, funder_id=funder_id, award_id=award_id, seat_id=seat_id)
    found = db.session.execute(select(Account).where(Account.code == code)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            new = Account(
                code=code,
                kind=kind,
                round_id=round_id,
                funder_id=funder_id,
                award_id=award_id,
                group_id=group_id,
            )
            db.session.add(new)
        return new
    except IntegrityError:
        return db.session.execute(select(Account).where(Account.code == code)).scalar_one()


def award_account(kind: AccountKind, award: Award) -> Account:
    """An award's committed or paid account."""
    return account(kind, round_id=award.round_id, award_id=award.id, group_id=award.group_id)


def award_payment_lines(award: Award, amount: int, where: AccountKind) -> list[tuple[Account, int]]:
    """Lines for `amount` of an award paid out from the bank or the Stripe balance (negative: it came back)."""
    return [
        (award_account(AccountKind.AWARD_COMMITTED, award), -amount),
        (award_account(AccountKind.AWARD_PAID, award), amount),
        *cash(where, -amount),
    ]


def cash(where: AccountKind, amount: int) -> list[tuple[Account, int]]:
    """Lines for real money arriving (+) at, or leaving (−), the bank or the Stripe balance."""
    return [(account(where), amount), (account(AccountKind.HELD_FOR_OTHERS), -amount)]


def post(
    kind: EntryKind,
    description: str | Words,
    lines: Iterable[tuple[Account, int]],
    *,
    occurred_on: date,
    reference: str | None = None,
    round_id: int | None = None,
    funder_id: int | None = None,
    group_id: int | None = None,
    award_id: int | None = None,
    reverses_id: int | None = None,
    recorded_by_id: int | None = None,
) -> EntryGroup:
    """Write one business event. Its entries must be integers that sum to zero.

    A description given as `Words` is kept in English in `description` (the record, and what the
    files give) with its parts in `words`, so that pages put it into their reader's words."""
    lines = [(acct, amount) for acct, amount in lines if amount != 0]
    if not lines:
        raise LedgerError("Nothing to record: every amount was zero.")
    if any(not isinstance(amount, int) or isinstance(amount, bool) for _, amount in lines):
        raise LedgerError("Ledger amounts must be whole pence.")
    if sum(amount for _, amount in lines) != 0:
        raise LedgerError("The entries of one event must sum to zero.")
    words = description.stored() if isinstance(description, Words) else None
    group = EntryGroup(
        kind=kind,
        description=str(description),
        words=words,
        occurred_on=occurred_on,
        reference=reference,
        round_id=round_id,
        funder_id=funder_id,
        group_id=group_id,
        award_id=award_id,
        reverses_id=reverses_id,
        recorded_by_id=recorded_by_id,
    )
    db.session.add(group)
    for acct, amount in lines:
        db.session.add(Entry(entry_group=group, account=acct, amount_pence=amount))
    db.session.flush()
    _add_to_balances(kind, lines)
    return group


def _add_to_balances(kind: EntryKind, lines: list[tuple[Account, int]]) -> None:
    """Add a posting's lines to the running balances, in the posting's transaction.

    One atomic upsert per account, always in account order, so two postings that touch the
    same accounts wait for each other instead of deadlocking."""
    totals = Counter()
    for acct, amount in lines:
        totals[acct.id] += amount
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for account_id in sorted(totals):
        stmt = dialect.insert(Balance).values(account_id=account_id, entry_kind=kind, amount_pence=totals[account_id])
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Balance.account_id, Balance.entry_kind],
                set_={"amount_pence": Balance.amount_pence + stmt.excluded.amount_pence},
            )
        )


def check_balances() -> list[str]:
    """Every running balance that disagrees with the sum of its entries (empty when all agree)."""
    summed = (
        select(Entry.account_id, EntryGroup.kind, func.sum(Entry.amount_pence).label("total"))
        .join(EntryGroup, EntryGroup.id == Entry.entry_group_id)
        .group_by(Entry.account_id, EntryGroup.kind)
    )
    expected = {(aid, EntryKind(kind)): int(total) for aid, kind, total in db.session.execute(summed)}
    kept = {(b.account_id, b.entry_kind): b.amount_pence for b in db.session.execute(select(Balance)).scalars()}
    return [
        f"account {aid}, {kind.value}: kept {kept.get((aid, kind), 0)}, entries sum to {expected.get((aid, kind), 0)}"
        for aid, kind in sorted(set(expected) | set(kept))
        if kept.get((aid, kind), 0) != expected.get((aid, kind), 0)
    ]


def balance_of(kind: AccountKind, **ids) -> int:  # noqa: ANN003
    """The balance of an account by kind and owner, without creating it (for read-only pages)."""
    code = account_code(kind, **ids)
    return int(
        db.session.execute(
            select(func.coalesce(func.sum(Balance.amount_pence), 0))
            .join(Account, Account.id == Balance.account_id)
            .where(Account.code == code)
        ).scalar_one()
    )


def balance(acct: Account) -> int:
    """The balance of one account."""
    return int(
        db.session.execute(
            select(func.coalesce(func.sum(Balance.amount_pence), 0)).where(Balance.account_id == acct.id)
        ).scalar_one()
    )


@dataclass(frozen=True)
class MoneySummary:
    """The public figures for a round, a funder or the whole platform, from the ledger."""

    received_pence: int = 0
    fees_pence: int = 0
    committed_pence: int = 0
    paid_pence: int = 0
    panel_paid_pence: int = 0
    panel_expenses_pence: int = 0
    # Panel pay and expenses actually paid out of the pot (pay runs): public, one row per run.
    panel_out_pence: int = 0
    # True in the published figures while panel movements to fewer than 5 people are left out of
    # them (grants/ledger/published.py); the pot's own figures never leave anything out.
    panel_held_back: bool = False

    @property
    def available_pence(self) -> int:
        return self.received_pence - self.fees_pence - self.committed_pence - self.paid_pence - self.panel_out_pence

    @property
    def held_pence(self) -> int:
        """What is held for the table: available plus committed to groups (the public rows add up to it)."""
        return self.available_pence + self.committed_pence

    @property
    def awarded_pence(self) -> int:
        return self.committed_pence + self.paid_pence


@cache
def summary_stmt():  # noqa: ANN202
    """Built once: statements are immutable, and each caller adds its own WHERE."""

    def total(*conditions):  # noqa: ANN202
        return func.coalesce(func.sum(case((and_(*conditions), Balance.amount_pence), else_=0)), 0)

    return (
        select(
            total(Account.kind == AccountKind.FUNDER_GIVING),
            total(Account.kind == AccountKind.ROUND_FEES),
            total(Account.kind == AccountKind.AWARD_COMMITTED),
            total(Account.kind == AccountKind.AWARD_PAID),
            # Panel pay given to the pot counts as money received.
            total(Account.kind == AccountKind.ROUND_AVAILABLE, Balance.entry_kind == EntryKind.DONATION),
            # Only totals of panel pay are ever public.
            total(Account.kind == AccountKind.PANEL_BUDGET, Balance.entry_kind == EntryKind.PANEL_PAY),
            total(Account.kind == AccountKind.PANEL_BUDGET, Balance.entry_kind == EntryKind.PANEL_EXPENSE),
            total(Account.kind == AccountKind.ROUND_AVAILABLE, Balance.entry_kind == EntryKind.PANEL_RUN),
        )
        .select_from(Balance)
        .join(Account, Account.id == Balance.account_id)
    )


def summary_from_row(giving, fees, committed, paid, donated, panel, expenses, panel_out=0) -> MoneySummary:  # noqa: ANN001
    """A round's MoneySummary from one row of `summary_stmt()`'s columns (after any columns a caller put first)."""
    return MoneySummary(
        panel_out_pence=-int(panel_out),
        received_pence=-int(giving) + int(donated),
        fees_pence=int(fees),
        committed_pence=int(committed),
        paid_pence=int(paid),
        panel_paid_pence=-int(panel),
        panel_expenses_pence=-int(expenses),
    )


def _summary(stmt) -> MoneySummary:  # noqa: ANN001
    return summary_from_row(*db.session.execute(stmt).one())


def round_summary(round_id: int) -> MoneySummary:
    """Raised, fees, committed, paid and available for one round, in one query."""
    return _summary(summary_stmt().where(Account.round_id == round_id))


def platform_summary() -> MoneySummary:
    """The same figures across every round."""
    return _summary(summary_stmt())


def round_summaries(round_ids: list[int]) -> dict[int, MoneySummary]:
    """Figures for many rounds in one query."""
    if not round_ids:
        return {}
    stmt = (
        summary_stmt().add_columns(Account.round_id).where(Account.round_id.in_(round_ids)).group_by(Account.round_id)
    )
    out = {rid: MoneySummary() for rid in round_ids}
    for *figures, rid in db.session.execute(stmt):
        out[rid] = summary_from_row(*figures)
    return out


def platform_fees() -> int:
    """Processing fees the platform bore itself (never taken from a pot)."""
    found = db.session.execute(select(Account).where(Account.code == "platform:fees")).scalar_one_or_none()
    return 0 if found is None else balance(found)


def funder_summary(funder_id: int) -> dict[int, int]:
    """How much a funder has given to each round (round id -> pence)."""
    stmt = (
        select(Account.round_id, func.coalesce(func.sum(Balance.amount_pence), 0))
        .join(Balance, Balance.account_id == Account.id)
        .where(Account.kind == AccountKind.FUNDER_GIVING, Account.funder_id == funder_id)
        .group_by(Account.round_id)
    )
    return {rid: -int(total) for rid, total in db.session.execute(stmt)}


def award_paid_totals(award_ids: list[int]) -> dict[int, int]:
    """Paid so far per award, from the ledger."""
    if not award_ids:
        return {}
    stmt = (
        select(Account.award_id, func.coalesce(func.sum(Balance.amount_pence), 0))
        .join(Balance, Balance.account_id == Account.id)
        .where(Account.kind == AccountKind.AWARD_PAID, Account.award_id.in_(award_ids))
        .group_by(Account.award_id)
    )
    out = dict.fromkeys(award_ids, 0)
    out.update({aid: int(total) for aid, total in db.session.execute(stmt)})
    return out


def award_committed(award: Award) -> int:
    """What is still committed (awarded, not yet paid) for an award."""
    return balance(award_account(AccountKind.AWARD_COMMITTED, award))
