"""Proposals: a group's bid to a round, with budget lines whose sum is the request."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from grants.extensions import db
from grants.models._base import N_, UTCDateTime, str_enum, utcnow
from grants.models.groups import Group
from grants.models.rounds import Round
from grants.models.written import WrittenIn


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INELIGIBLE = "ineligible"
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The proposal's state in the reader's language."""
        return lazy_gettext(PROPOSAL_STATUS_LABELS[self])


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.DRAFT: N_("Draft"),
    ProposalStatus.SUBMITTED: N_("Submitted"),
    ProposalStatus.INELIGIBLE: N_("Ineligible"),
    ProposalStatus.FUNDED: N_("Funded"),
    ProposalStatus.NOT_FUNDED: N_("Not funded"),
    ProposalStatus.WITHDRAWN: N_("Withdrawn"),
}


class BudgetLineText(db.Model):
    """A budget line's item in one further language its bid is written in (as ProposalText is for the bid)."""

    __tablename__ = "budget_line_texts"
    __table_args__ = (UniqueConstraint("budget_line_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    item: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<BudgetLineText line={self.budget_line_id} {self.language}>"


class BudgetLine(db.Model):
    """One item of a proposal's budget. `item` is in the bid's own language (Proposal.language); `texts`
    holds the item in each further language the group wrote it in (a bid in both may give both)."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item: Mapped[str] = mapped_column(String(200))
    amount_pence: Mapped[int] = mapped_column(Integer)

    # Loaded only when read (a page showing the line), so code that only adds up a budget never names the table.
    texts: Mapped[list[BudgetLineText]] = relationship(
        cascade="all, delete-orphan", order_by=BudgetLineText.language, passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<BudgetLine {self.item} {self.amount_pence}p>"

    def items(self, own: str) -> dict[str, str]:
        """The item in each language it was written in ({code: item}), the bid's own language `own` first."""
        return {own: self.item, **{t.language: t.item for t in self.texts if t.item and t.language != own}}

    def item_in(self, code: str, own: str) -> tuple[str, str]:
        """(item, its language): the item in `code` if the group wrote it so, else in the bid's own `own`."""
        for row in self.texts:
            if row.language == code and code != own and row.item:
                return row.item, code
        return self.item, own


class ProposalText(db.Model):
    """A bid's title and text in one further language its group wrote it in."""

    __tablename__ = "proposal_texts"
    __table_args__ = (UniqueConstraint("proposal_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    activities: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<ProposalText proposal={self.proposal_id} {self.language}>"


class Proposal(WrittenIn, db.Model):
    """A group's bid. The total requested is derived from its budget lines."""

    TEXT_FIELDS = ("title", "summary", "activities", "beneficiaries")
    TEXT_ROW = ProposalText

    __tablename__ = "proposals"
    # Columns with only a server default (language) are read back when first used, not by RETURNING.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    activities: Mapped[str] = mapped_column(Text)
    beneficiaries: Mapped[str] = mapped_column(Text)
    # The group agrees to be named in public even if the proposal is not funded.
    agreed_to_be_named: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus), default=ProposalStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the text columns are in; `texts` holds each further language the group wrote
    # it in (grants/models/written.py). Deferred with a server default, so older code never names it.
    language: Mapped[str] = mapped_column(String(8), server_default="en", deferred=True)

    round: Mapped[Round] = relationship()
    group: Mapped[Group] = relationship()
    budget_lines: Mapped[list[BudgetLine]] = relationship(order_by=BudgetLine.position, cascade="all, delete-orphan")
    texts: Mapped[list[ProposalText]] = relationship(
        cascade="all, delete-orphan", order_by=ProposalText.language, passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r} {self.status}>"

    @property
    def is_submitted(self) -> bool:
        return self.status is not ProposalStatus.DRAFT

    @property
    def is_public(self) -> bool:
        """Funded proposals are public; others only if the group agreed to be named."""
        if self.status is ProposalStatus.DRAFT:
            return False
        return self.agreed_to_be_named or self.status is ProposalStatus.FUNDED


# Derived in SQL so lists of proposals load their totals in the same query.
Proposal.requested_pence = column_property(
    select(func.coalesce(func.sum(BudgetLine.amount_pence), 0))
    .where(BudgetLine.proposal_id == Proposal.id)
    .correlate_except(BudgetLine)
    .scalar_subquery()
)


# Whether a bid may be shown publicly: funded, or named with its group's agreement once sent.
PUBLIC_PROPOSAL = (Proposal.status == ProposalStatus.FUNDED) | (
    Proposal.agreed_to_be_named.is_(True) & (Proposal.status != ProposalStatus.DRAFT)
)
