"""Results: the stored outcome of a tally, never silently recomputed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow
from grants.models.proposals import Proposal


class Result(db.Model):
    """A round's counted result, or the record that quorum was not met."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    quorum_met: Mapped[bool] = mapped_column(Boolean)
    ballots_counted: Mapped[int] = mapped_column(Integer)
    eligible_voters: Mapped[int] = mapped_column(Integer)
    quorum_required: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(40))
    tie_break: Mapped[str] = mapped_column(String(40))
    budget_pence: Mapped[int] = mapped_column(Integer)
    spent_pence: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    # sha256 of the anonymous ballot file, so anyone can check they recount the same data.
    ballot_fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every part of the quorum rule as applied at the count (grants/ballots/quorum.py: QuorumCheck.parts).
    quorum_parts: Mapped[list | None] = mapped_column(JSON)
    # How fair the outcome is, as counted (grants.tally.fairness): satisfaction and EJR/PJR checks.
    fairness: Mapped[dict | None] = mapped_column(JSON)

    lines: Mapped[list[ResultLine]] = relationship(order_by="ResultLine.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Result round={self.round_id} quorum_met={self.quorum_met}>"


class ResultLine(db.Model):
    """One proposal's place in a result, with its plain-English explanation."""

    __tablename__ = "result_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    support: Mapped[float] = mapped_column(Float)
    cost_pence: Mapped[int] = mapped_column(Integer)
    is_funded: Mapped[bool] = mapped_column(Boolean)
    explanation: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)

    proposal: Mapped[Proposal] = relationship()

    def __repr__(self) -> str:
        return f"<ResultLine proposal={self.proposal_id} funded={self.is_funded}>"
