"""What a decision needs beyond the ballot itself: rubric comments kept apart from voters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow
from grants.models.people import Person


class ScoreComment(db.Model):
    """One score with its comment on one criterion for one proposal.

    Like a ballot it has a random id, no person and no time, and the round's comments
    are rewritten in random order at close: they feed the applicants' feedback without
    saying who wrote them.
    """

    __tablename__ = "score_comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    criterion: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<ScoreComment proposal={self.proposal_id} criterion={self.criterion}>"


class ConsensusRecord(db.Model):
    """A decision the panel reached by talking, written down by the facilitator.

    It says which proposals the panel decided to fund and, through its attendance rows,
    who was present and who stood aside; never what anyone said.
    """

    __tablename__ = "consensus_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    funded_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendance: Mapped[list[ConsensusAttendance]] = relationship(
        cascade="all, delete-orphan", order_by="ConsensusAttendance.id"
    )

    def __repr__(self) -> str:
        return f"<ConsensusRecord round={self.round_id}>"


class ConsensusAttendance(db.Model):
    """One panel member present at the decision: whether they stood aside, and when they confirmed it."""

    __tablename__ = "consensus_attendance"
    __table_args__ = (UniqueConstraint("record_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("consensus_records.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    stood_aside: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the facilitator let the decision count without this member's confirmation (issue 15).
    missing_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<ConsensusAttendance person={self.person_id} confirmed={self.confirmed_at is not None}>"


class PaperBatch(db.Model):
    """Paper ballots entered by one convenor, counted only once a second person confirms them.

    Until then the batch holds who voted on paper, and its ballots wait in a sealed envelope
    (grants/ballots/sealing.py) that names the batch; on confirmation the envelope joins
    the count and the list of voters is emptied. `pending_ballots` only holds what a batch
    entered before migration 0021 kept in the clear; it is sealed when the batch is confirmed.
    Whoever voted on paper has a participation row from the moment the batch is entered, so
    they cannot also vote online, nor the other way round.
    """

    __tablename__ = "paper_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    ballot_count: Mapped[int] = mapped_column(Integer)
    pending_ballots: Mapped[list[dict[str, int]]] = mapped_column(JSON, default=list)
    pending_voters: Mapped[list[int]] = mapped_column(JSON, default=list)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entered_by: Mapped[Person] = relationship(foreign_keys=[entered_by_id])
    confirmed_by: Mapped[Person | None] = relationship(foreign_keys=[confirmed_by_id])

    def __repr__(self) -> str:
        return f"<PaperBatch {self.id} round={self.round_id} confirmed={self.confirmed_at is not None}>"


class VotingCode(db.Model):
    """A single-use voting code for a community-wide vote, printed and handed out or sent by e-mail.

    Only a hash of the code is kept and nothing about who holds it. Using it marks it used
    in the same transaction as the ballot, so each code casts exactly one ballot.
    """

    __tablename__ = "voting_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    delivery: Mapped[str] = mapped_column(String(10))
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<VotingCode round={self.round_id} used={self.used}>"
