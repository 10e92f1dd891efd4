"""Paying panel members for their time, and reimbursing their expenses."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import N_, UTCDateTime, str_enum, utcnow
from grants.models.panels import PanelMember
from grants.models.rounds import Round
from grants.secrets_at_rest import EncryptedText


class RateUnit(enum.StrEnum):
    MEETING = "meeting"
    HALF_DAY = "half_day"
    HOUR = "hour"

    @property
    def label(self) -> str:
        """"per meeting", in the reader's language (records keep RATE_UNIT_LABELS' English)."""
        return lazy_gettext(RATE_UNIT_LABELS[self])

    @property
    def noun(self) -> str:
        """"meetings", in the reader's language."""
        return lazy_gettext(RATE_UNIT_NOUNS[self])


RATE_UNIT_LABELS = {
    RateUnit.MEETING: N_("per meeting"),
    RateUnit.HALF_DAY: N_("per half day"),
    RateUnit.HOUR: N_("per hour"),
}
RATE_UNIT_NOUNS = {RateUnit.MEETING: N_("meetings"), RateUnit.HALF_DAY: N_("half days"), RateUnit.HOUR: N_("hours")}


class PanelPayRate(db.Model):
    """What a round pays its panel members, and for what."""

    __tablename__ = "panel_pay_rates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    unit: Mapped[RateUnit] = mapped_column(str_enum(RateUnit))
    rate_pence: Mapped[int] = mapped_column(Integer)
    counts_reading: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_meetings: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_training: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()

    def counts(self, activity: Activity) -> bool:
        """Whether this kind of time is paid in this round."""
        return {
            Activity.READING: self.counts_reading,
            Activity.MEETING: self.counts_meetings,
            Activity.TRAINING: self.counts_training,
        }[activity]


class Activity(enum.StrEnum):
    READING = "reading"
    MEETING = "meeting"
    TRAINING = "training"

    @property
    def label(self) -> str:
        """The kind of time in the reader's language."""
        return lazy_gettext(ACTIVITY_LABELS[self])


ACTIVITY_LABELS = {
    Activity.READING: N_("Reading proposals"),
    Activity.MEETING: N_("Meetings"),
    Activity.TRAINING: N_("Training"),
}


class ClaimStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The claim's state in the reader's language."""
        return lazy_gettext(CLAIM_STATUS_LABELS[self])


CLAIM_STATUS_LABELS = {
    ClaimStatus.SUBMITTED: N_("Waiting for the convenor"),
    ClaimStatus.APPROVED: N_("Approved"),
    ClaimStatus.REJECTED: N_("Not approved"),
}


class TimeLog(db.Model):
    """Time a panel member spent on the panel's work."""

    __tablename__ = "panel_time_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"), index=True)
    activity: Mapped[Activity] = mapped_column(str_enum(Activity))
    worked_on: Mapped[date] = mapped_column(Date)
    units: Mapped[float] = mapped_column(Numeric(6, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus), default=ClaimStatus.SUBMITTED)
    amount_pence: Mapped[int | None] = mapped_column(Integer)  # fixed when approved
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    entry_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[PanelMember] = relationship()


class ExpenseKind(enum.StrEnum):
    TRAVEL = "travel"
    CARE = "care"
    DATA = "data"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The kind of expense in the reader's language."""
        return lazy_gettext(EXPENSE_KIND_LABELS[self])


EXPENSE_KIND_LABELS = {
    ExpenseKind.TRAVEL: N_("Travel"),
    ExpenseKind.CARE: N_("Care (children or someone you look after)"),
    ExpenseKind.DATA: N_("Phone data or internet"),
    ExpenseKind.OTHER: N_("Something else"),
}


class Expense(db.Model):
    """Money a panel member spent to take part, reimbursed in full (separate from payment)."""

    __tablename__ = "panel_expenses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"), index=True)
    kind: Mapped[ExpenseKind] = mapped_column(str_enum(ExpenseKind))
    spent_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus), default=ClaimStatus.SUBMITTED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    entry_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[PanelMember] = relationship()


class PayChoice(enum.StrEnum):
    BANK = "bank"
    VOUCHER = "voucher"
    REDUCED = "reduced"
    DONATE = "donate"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        """The pay choice in the reader's language."""
        return lazy_gettext(PAY_CHOICE_LABELS[self])

    @property
    def needs_bank(self) -> bool:
        return self in (PayChoice.BANK, PayChoice.REDUCED)


PAY_CHOICE_LABELS = {
    PayChoice.BANK: N_("Pay me by bank transfer"),
    PayChoice.VOUCHER: N_("Give me shopping vouchers instead"),
    PayChoice.REDUCED: N_("Pay me a smaller amount, by bank transfer"),
    PayChoice.DONATE: N_("Give my payment to the table's pot, for the groups"),
    PayChoice.DECLINE: N_("I do not want to be paid"),
}


class PayPreference(db.Model):
    """How one panel member wants to be paid for one round. Private to them and whoever pays."""

    __tablename__ = "panel_pay_preferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"), unique=True)
    choice: Mapped[PayChoice] = mapped_column(str_enum(PayChoice))
    # For REDUCED: the most they want paid in this round, in total.
    cap_pence: Mapped[int | None] = mapped_column(Integer)
    benefits_note_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Encrypted at rest (grants/secrets_at_rest.py): a copy of the database does not hold them.
    account_name: Mapped[str | None] = mapped_column(EncryptedText())
    sort_code: Mapped[str | None] = mapped_column(EncryptedText())
    account_number: Mapped[str | None] = mapped_column(EncryptedText())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[PanelMember] = relationship()


class LimitPeriod(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"

    @property
    def label(self) -> str:
        """The period in the reader's language."""
        return lazy_gettext(LIMIT_PERIOD_LABELS[self])

    @property
    def noun(self) -> str:
        """"week" or "month", in the reader's language."""
        return lazy_gettext(LIMIT_PERIOD_NOUNS[self])


LIMIT_PERIOD_LABELS = {LimitPeriod.WEEK: N_("A week (Monday to Sunday)"), LimitPeriod.MONTH: N_("A calendar month")}
LIMIT_PERIOD_NOUNS = {LimitPeriod.WEEK: N_("week"), LimitPeriod.MONTH: N_("month")}


class OverLimit(enum.StrEnum):
    """What happens to pay that would take a person over their own limit."""

    LATER = "later"
    DONATE = "donate"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        """What happens to pay over the limit, in the reader's language."""
        return lazy_gettext(OVER_LIMIT_LABELS[self])


OVER_LIMIT_LABELS = {
    OverLimit.LATER: N_("Pay me up to my limit; the rest waits and is paid in a later week or month, within my limit"),
    OverLimit.DONATE: N_("Pay me up to my limit; give the rest to the table's pot, for the groups"),
    OverLimit.DECLINE: N_("Pay me up to my limit; I do not want the rest"),
}


class PayLimit(db.Model):
    """A person's own limit on what panel pay reaches them in a week or a month, across every table.

    Private to the person: never shown to convenors, treasurers, other members or the public.
    The reason is encrypted at rest like bank details (grants/secrets_at_rest.py).
    """

    __tablename__ = "panel_pay_limits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    period: Mapped[LimitPeriod] = mapped_column(str_enum(LimitPeriod))
    amount_pence: Mapped[int] = mapped_column(Integer)
    over: Mapped[OverLimit] = mapped_column(str_enum(OverLimit), default=OverLimit.LATER)
    reason: Mapped[str | None] = mapped_column(EncryptedText())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<PayLimit person={self.person_id} per {self.period}>"


class PanelBenefitsNote(db.Model):
    """A table's own words about pay and benefits, from its convenor, shown under the site's note."""

    __tablename__ = "panel_benefits_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<PanelBenefitsNote round={self.round_id}>"
