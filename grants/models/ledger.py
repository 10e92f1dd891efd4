"""The ledger: append-only double entry in integer pence.

Every business event is an `EntryGroup` whose `Entry` amounts sum to zero. Amounts
are signed: money arriving in an account is positive. Nothing is updated or deleted; a
correction is a reversing group.

Balances are sums of entries. So that pages and pot checks need not add up a million
entries, each posting also adds its lines to a running `Balance` per (account, entry
kind), in the same transaction; `grants.ledger.books.check_balances` recomputes them
from the entries and reports any that disagree.

Accounts, for a round R:
- `funder:F:round:R`  the funder's giving to R (negative: it is where money came from)
- `round:R:available` money held for R, not yet committed
- `round:R:fees`      processor fees borne by R
- `award:A:committed` awarded to a group, not yet paid
- `award:A:paid`      paid out to the group (or its host)
- `platform:funds` / `platform:fees`  fees the platform bears instead of the pot
- `round:R:panel_budget`  where panel pay comes from (not the grants pot; negative)
- `panel:P:owed|paid`, `panel:P:expenses_owed|expenses_paid`  one panel seat's pay

- `external:bank`, `external:stripe`  where the money physically is; each movement of
  real money also moves `external:held` the other way, so every group still sums to zero
  and `external:stripe` can be reconciled line by line against Stripe's balance.

A panel member who gives their pay to the pot moves it from `panel:P:owed` into
`round:R:available` (a DONATION group), which counts as money received.

So received = −Σ funder accounts; available = received − committed − paid − fees.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import N_, UTCDateTime, append_only, str_enum, sums_to_zero, utcnow


class AccountKind(enum.StrEnum):
    FUNDER_GIVING = "funder_giving"
    ROUND_AVAILABLE = "round_available"
    ROUND_FEES = "round_fees"
    AWARD_COMMITTED = "award_committed"
    AWARD_PAID = "award_paid"
    # Fees the platform chooses to bear, so they never come out of a pot.
    PLATFORM_FUNDS = "platform_funds"
    PLATFORM_FEES = "platform_fees"
    # Panel members' time and expenses: paid from the round's panel budget, not the pot.
    PANEL_BUDGET = "panel_budget"
    PANEL_OWED = "panel_owed"
    PANEL_PAID = "panel_paid"
    EXPENSES_OWED = "expenses_owed"
    EXPENSES_PAID = "expenses_paid"
    # Where the money physically is (the custody view), alongside whose it is:
    BANK = "bank"  # the platform's bank account
    STRIPE_BALANCE = "stripe_balance"  # the platform's Stripe balance
    HELD_FOR_OTHERS = "held_for_others"  # minus what the platform holds for rounds and groups


class EntryKind(enum.StrEnum):
    CONTRIBUTION = "contribution"
    FEE = "fee"
    AWARD = "award"
    PAYMENT = "payment"
    REVERSAL = "reversal"
    REFUND = "refund"
    DONATION = "donation"
    PANEL_PAY = "panel_pay"
    PANEL_EXPENSE = "panel_expense"
    PANEL_SETTLED = "panel_settled"
    PAYOUT = "payout"
    # One pay run of a table's panel: out of the pot, moving cash; one public row, no names.
    PANEL_RUN = "panel_run"

    @property
    def label(self) -> str:
        """The line's kind in the reader's language (records keep ENTRY_KIND_LABELS' English)."""
        return lazy_gettext(ENTRY_KIND_LABELS[self])


ENTRY_KIND_LABELS = {
    EntryKind.CONTRIBUTION: N_("Money received"),
    EntryKind.FEE: N_("Processing fee"),
    EntryKind.AWARD: N_("Award committed"),
    EntryKind.PAYMENT: N_("Payment to group"),
    EntryKind.REVERSAL: N_("Reversal"),
    EntryKind.REFUND: N_("Refund to funder"),
    EntryKind.DONATION: N_("Panel payment given to the pot"),
    EntryKind.PANEL_PAY: N_("Panel member's time"),
    EntryKind.PANEL_EXPENSE: N_("Panel member's expenses"),
    EntryKind.PANEL_SETTLED: N_("Panel member paid"),
    EntryKind.PAYOUT: N_("Stripe paid out to the bank"),
    EntryKind.PANEL_RUN: N_("Panel paid"),
}


class Account(db.Model):
    """One owner's account for one purpose."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funders.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)

    def __repr__(self) -> str:
        return f"<Account {self.code}>"


class EntryGroup(db.Model):
    """One business event in the ledger; its entries sum to zero."""

    __tablename__ = "ledger_entry_groups"

    __table_args__ = (
        # The public ledger pages newest first.
        Index("ix_ledger_entry_groups_occurred_on_id", "occurred_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    # Public wording: never names a person. The English sentence as written (kept, and given in the files)...
    description: Mapped[str] = mapped_column(Text)
    # ...and the parts it was made from, so pages word it in their reader's language
    # (grants/language/records.py); None for lines written before migration 0034.
    words: Mapped[dict | None] = mapped_column(JSON)
    occurred_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reference: Mapped[str | None] = mapped_column(String(120))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funders.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    entries: Mapped[list[Entry]] = relationship(back_populates="entry_group")

    def __repr__(self) -> str:
        return f"<EntryGroup {self.id} {self.kind}>"


class Entry(db.Model):
    """A signed movement of pence into (+) or out of (−) one account."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_group_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry_groups.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)

    entry_group: Mapped[EntryGroup] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()

    def __repr__(self) -> str:
        return f"<Entry {self.account_id} {self.amount_pence:+d}p>"


class Balance(db.Model):
    """The running total of one account's entries of one kind, kept by `ledger.post`."""

    __tablename__ = "ledger_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    entry_kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind), primary_key=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<Balance {self.account_id} {self.entry_kind} {self.amount_pence:+d}p>"


append_only(EntryGroup.__table__)
append_only(Entry.__table__)
sums_to_zero(Entry.__table__)
