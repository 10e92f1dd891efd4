"""Paying panel members for their time, and reimbursing their expenses."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, str_enum, utcnow
from grants.models.panels import PanelMember
from grants.models.rounds import Round
from grants.secrets_at_rest import EncryptedText


class RateUnit(enum.StrEnum):
    MEETING = "meeting"
    HALF_DAY = "half_day"
    HOUR = "hour"

    @property
    def label(self) -> str:
        return {"meeting": "per meeting", "half_day": "per half day", "hour": "per hour"}[self.value]

    @property
    def noun(self) -> str:
        return {"meeting": "meetings", "half_day": "half days", "hour": "hours"}[self.value]


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
        return {"reading": "Reading proposals", "meeting": "Meetings", "training": "Training"}[self.value]


class ClaimStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"submitted": "Waiting for the convenor", "approved": "Approved", "rejected": "Not approved"}[
            self.value
        ]


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
        return {
            "travel": "Travel",
            "care": "Care (children or someone you look after)",
            "data": "Phone data or internet",
            "other": "Something else",
        }[self.value]


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
        return {
            "bank": "Pay me by bank transfer",
            "voucher": "Give me shopping vouchers instead",
            "reduced": "Pay me a smaller amount, by bank transfer",
            "donate": "Give my payment to the table's pot, for the groups",
            "decline": "I do not want to be paid",
        }[self.value]

    @property
    def needs_bank(self) -> bool:
        return self in (PayChoice.BANK, PayChoice.REDUCED)


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
        return {"week": "A week (Monday to Sunday)", "month": "A calendar month"}[self.value]

    @property
    def noun(self) -> str:
        return {"week": "week", "month": "month"}[self.value]


class OverLimit(enum.StrEnum):
    """What happens to pay that would take a person over their own limit."""

    LATER = "later"
    DONATE = "donate"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return {
            "later": "Pay me up to my limit; the rest waits and is paid in a later week or month, within my limit",
            "donate": "Pay me up to my limit; give the rest to the table's pot, for the groups",
            "decline": "Pay me up to my limit; I do not want the rest",
        }[self.value]


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
