"""Money records around the ledger: pledges, contributions, awards and tranches."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, str_enum, utcnow
from grants.models.groups import Funder, Group
from grants.models.proposals import Proposal
from grants.models.rounds import Round


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
        return sum(c.amount_pence for c in self.contributions)


class ContributionMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


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
    entry_group_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry_groups.id"))

    pledge: Mapped[Pledge] = relationship(back_populates="contributions")

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.amount_pence}p>"


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

    round: Mapped[Round] = relationship()
    proposal: Mapped[Proposal] = relationship()
    group: Mapped[Group] = relationship()
    tranches: Mapped[list[Tranche]] = relationship(back_populates="award", order_by="Tranche.number")

    def __repr__(self) -> str:
        return f"<Award {self.reference} {self.amount_pence}p>"

    @property
    def paid_pence(self) -> int:
        return sum(t.amount_pence for t in self.tranches if t.status is TrancheStatus.PAID)


class TrancheStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"
    REVERSED = "reversed"


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entry_group_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry_groups.id"))

    award: Mapped[Award] = relationship(back_populates="tranches")

    def __repr__(self) -> str:
        return f"<Tranche {self.idempotency_key} {self.status}>"
