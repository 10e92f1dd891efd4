"""Secret ballots: what was chosen is kept apart from who took part.

A `Ballot` has no person reference, no timestamp and a random id. A `Participation`
row says only that a person voted in a round; it is unique per (round, person) and is
written in the same transaction as the ballot, so nobody can vote twice. At close the
round's ballots are rewritten in random order so that row order cannot link them.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db


class Ballot(db.Model):
    """One anonymous set of choices. Marks map proposal id (as text) to a value."""

    __tablename__ = "ballots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    marks: Mapped[dict[str, int]] = mapped_column(JSON)
    receipt: Mapped[str] = mapped_column(String(32), unique=True)

    def __repr__(self) -> str:
        return f"<Ballot {self.id[:6]}… round={self.round_id}>"


class Participation(db.Model):
    """The record that a person has voted in a round, and nothing about how."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="online")

    def __repr__(self) -> str:
        return f"<Participation round={self.round_id} person={self.person_id}>"
