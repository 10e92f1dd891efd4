"""Money records around the ledger: pledges, contributions, awards and tranches."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import N_, UTCDateTime, str_enum, utcnow
from grants.models.groups import Funder, Group
from grants.models.proposals import Proposal
from grants.models.rounds import Round
from grants.secrets_at_rest import EncryptedText


class Pledge(db.Model):
    """A funder's promise of an amount to a round."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("funders.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    pledged_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    pledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()
    funder: Mapped[Funder] = relationship()
    contributions: Mapped[list[Contribution]] = relationship(back_populates="pledge")

    def __repr__(self) -> str:
        return f"<Pledge {self.id} funder={self.funder_id} {self.amount_pence}p>"

    @property
    def received_pence(self) -> int:
        """Confirmed money only: what is really in the pot from this pledge."""
        return sum(c.amount_pence for c in self.contributions if c.status is ContributionStatus.CONFIRMED)

    @property
    def claimed_pence(self) -> int:
        """Bank transfers the funder says it sent, not yet checked against the statement."""
        return sum(c.amount_pence for c in self.contributions if c.status is ContributionStatus.CLAIMED)


class ContributionMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


class ContributionStatus(enum.StrEnum):
    """A bank transfer a funder says it sent is claimed until the table's treasurer finds it on
    the bank statement; only confirmed money is in the ledger (and the pot)."""

    CLAIMED = "claimed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"  # not found on the statement: never in the ledger
    REVERSED = "reversed"  # confirmed, then corrected by a reversing entry group

    @property
    def label(self) -> str:
        """The contribution's state in the reader's language."""
        return lazy_gettext(CONTRIBUTION_STATUS_LABELS[self])


CONTRIBUTION_STATUS_LABELS = {
    ContributionStatus.CLAIMED: N_("Claimed: waiting for the treasurer to check the bank statement"),
    ContributionStatus.CONFIRMED: N_("Confirmed"),
    ContributionStatus.REJECTED: N_("Not found on the bank statement"),
    ContributionStatus.REVERSED: N_("Corrected (reversed)"),
}


class Contribution(db.Model):
    """Money actually received against a pledge."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    method: Mapped[ContributionMethod] = mapped_column(str_enum(ContributionMethod))
    reference: Mapped[str] = mapped_column(String(120))
    received_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # None while a bank transfer is only claimed (or was rejected): it is not in the ledger.
    entry_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))
    status: Mapped[ContributionStatus] = mapped_column(
        str_enum(ContributionStatus), default=ContributionStatus.CONFIRMED, server_default="confirmed"
    )
    # "funder:round:REFERENCE" for a bank transfer: one reference per funder and table, also
    # under two posts at once (the unique index decides). Cleared when a claim is rejected.
    claim_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why a claim was rejected or a confirmed transfer reversed (also on the ledger row).
    correction_reason: Mapped[str | None] = mapped_column(Text)
    reversal_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))

    pledge: Mapped[Pledge] = relationship(back_populates="contributions")

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.amount_pence}p>"


class MoneyInLimit(db.Model):
    """The most one pledge or one bank transfer to a table may be, as its convenors set it
    (without one, the site's MONEY_IN_CEILING_PENCE applies)."""

    __tablename__ = "money_in_limits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MoneyInLimit round={self.round_id} {self.amount_pence}p>"


class Award(db.Model):
    """A funded proposal and the amount awarded to its group."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    awarded_on: Mapped[date] = mapped_column(Date)
    # When the group's (optional) end-of-grant report falls due. The group can move it later
    # itself; on the day, its leads get one kind note (see grants/updates/services.py).
    report_due_on: Mapped[date | None] = mapped_column(Date, index=True)

    round: Mapped[Round] = relationship()
    proposal: Mapped[Proposal] = relationship()
    group: Mapped[Group] = relationship()
    tranches: Mapped[list[Tranche]] = relationship(back_populates="award", order_by="Tranche.number")

    def __repr__(self) -> str:
        return f"<Award {self.reference} {self.amount_pence}p>"

    @property
    def paid_pence(self) -> int:
        return sum(t.amount_pence for t in self.tranches if t.status is TrancheStatus.PAID)


class PayoutMethod(enum.StrEnum):
    STRIPE = "stripe"
    BANK = "bank"

    @property
    def label(self) -> str:
        """How the group is paid, in the reader's language."""
        return lazy_gettext(PAYOUT_METHOD_LABELS[self])


PAYOUT_METHOD_LABELS = {
    PayoutMethod.STRIPE: N_("Stripe (paid straight to your account)"),
    PayoutMethod.BANK: N_("Bank transfer"),
}


class TrancheStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"
    REVERSED = "reversed"

    @property
    def label(self) -> str:
        """The payment's state in the reader's language (records keep TRANCHE_STATUS_LABELS' English)."""
        return lazy_gettext(TRANCHE_STATUS_LABELS[self])

    @property
    def in_flight(self) -> bool:
        """Reserved against the award but not yet in the ledger as paid."""
        return self in (TrancheStatus.SCHEDULED, TrancheStatus.HELD, TrancheStatus.PROCESSING)


TRANCHE_STATUS_LABELS = {
    TrancheStatus.SCHEDULED: N_("Scheduled"),
    TrancheStatus.HELD: N_("Held"),
    TrancheStatus.PROCESSING: N_("Processing"),
    TrancheStatus.PAID: N_("Paid"),
    TrancheStatus.FAILED: N_("Failed"),
    TrancheStatus.REVERSED: N_("Reversed"),
}


class Tranche(db.Model):
    """One payment of part (or all) of an award to the group."""

    __tablename__ = "tranches"
    __table_args__ = (UniqueConstraint("award_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[TrancheStatus] = mapped_column(str_enum(TrancheStatus), default=TrancheStatus.SCHEDULED)
    # Fixed before any call to a payment processor, so a retry can never pay twice.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    bank_reference: Mapped[str | None] = mapped_column(String(120))
    paid_on: Mapped[date | None] = mapped_column(Date)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    held_reason: Mapped[str | None] = mapped_column(Text)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    method: Mapped[PayoutMethod] = mapped_column(str_enum(PayoutMethod), default=PayoutMethod.BANK)
    # Who the money goes to: the group, or its host organisation.
    payee_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_destination: Mapped[str | None] = mapped_column(String(255))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    reversed_pence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entry_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))
    # Who may act on it (grants/money/power.py): the funder whose money a funder's person
    # released, a second person's approval above the table's amount, and the funder that held it.
    acting_for_funder_id: Mapped[int | None] = mapped_column(ForeignKey("funders.id"))
    needs_second_person: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_funder_id: Mapped[int | None] = mapped_column(ForeignKey("funders.id"))

    award: Mapped[Award] = relationship(back_populates="tranches")

    @property
    def awaiting_second_person(self) -> bool:
        """Released above the table's amount and not yet approved by a second person."""
        return self.needs_second_person and self.approved_at is None

    def __repr__(self) -> str:
        return f"<Tranche {self.idempotency_key} {self.status}>"


# --------------------------------------------------------------------- Stripe and payees


class StripeEvent(db.Model):
    """A Stripe webhook event: stored when it arrives (once, by its Stripe id), then acted on
    by a background job. `processed_at` is set in the same transaction as the ledger entries
    the event causes, so a replayed or retried event is recognised and changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(255), index=True)
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    # The verified event as Stripe sent it (JSON), kept only until it has been acted on:
    # it can hold a funder's name and e-mail address.
    payload: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<StripeEvent {self.event_id} {self.event_type}>"


class CheckoutStatus(enum.StrEnum):
    OPEN = "open"
    PENDING = "pending"  # completed, a Bacs debit still clearing
    PAID = "paid"
    FAILED = "failed"


class StripeCheckout(db.Model):
    """One Stripe Checkout page opened to pay (part of) a pledge."""

    __tablename__ = "stripe_checkouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[CheckoutStatus] = mapped_column(str_enum(CheckoutStatus), default=CheckoutStatus.OPEN)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    charge_id: Mapped[str | None] = mapped_column(String(255), index=True)
    balance_transaction_id: Mapped[str | None] = mapped_column(String(255))
    fee_pence: Mapped[int | None] = mapped_column(Integer)
    refunded_pence: Mapped[int] = mapped_column(Integer, default=0)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pledge: Mapped[Pledge] = relationship()

    def __repr__(self) -> str:
        return f"<StripeCheckout {self.reference} {self.status}>"


class StripeDispute(db.Model):
    """A funder's bank disputing a Stripe payment; the amount leaves the pot until it is won."""

    __tablename__ = "stripe_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("stripe_checkouts.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    withdrawn_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))
    reinstated_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))


class Payee(db.Model):
    """How a group is paid: its own Stripe account, or bank details; maybe through a host."""

    __tablename__ = "payees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), unique=True)
    method: Mapped[PayoutMethod] = mapped_column(str_enum(PayoutMethod), default=PayoutMethod.BANK)
    # An unconstituted group may be paid through a named host organisation.
    host_name: Mapped[str | None] = mapped_column(String(200))
    stripe_account_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_transfers: Mapped[str | None] = mapped_column(String(20))  # active / pending / inactive
    stripe_details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    stripe_requirements: Mapped[str] = mapped_column(Text, default="")  # comma-separated, from Stripe
    stripe_disabled_reason: Mapped[str | None] = mapped_column(String(120))
    # Private: shown only to the group and to whoever pays.
    # Encrypted at rest (grants/secrets_at_rest.py): a copy of the database does not hold them.
    account_name: Mapped[str | None] = mapped_column(EncryptedText())
    sort_code: Mapped[str | None] = mapped_column(EncryptedText())
    account_number: Mapped[str | None] = mapped_column(EncryptedText())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship()

    @property
    def payee_name(self) -> str:
        return self.host_name or self.group.name

    @property
    def stripe_ready(self) -> bool:
        return self.method is PayoutMethod.STRIPE and self.stripe_transfers == "active"

    @property
    def bank_ready(self) -> bool:
        return bool(self.account_name and self.sort_code and self.account_number)

    def __repr__(self) -> str:
        return f"<Payee group={self.group_id} {self.method}>"
