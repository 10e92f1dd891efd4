"""Secret ballots: what was chosen is kept apart from who took part.

A `Ballot` has no person reference, no timestamp and a random id. A `Participation`
row says only that a person voted in a round; it is unique per (round, person) and is
written in the same transaction as the ballot, so nobody can vote twice.

While voting is open a ballot is not stored as a `Ballot` at all: the casting transaction
writes a `SealedEnvelope`, encrypted to the round's `CountKey`, whose private half lives
outside the database (grants/ballots/sealing.py). At close the envelopes are opened once,
the ballots written as plain rows in random order in one new transaction, the envelopes
deleted and the private key destroyed. So nothing the database keeps (dead rows, WAL,
backups) ties a ballot's choices to the participation row written beside it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._base import UTCDateTime


class Ballot(db.Model):
    """One anonymous set of choices. Marks map proposal id (as text) to a value."""

    __tablename__ = "ballots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    marks: Mapped[dict[str, int]] = mapped_column(JSON)
    # None where the table gives no receipts; the ballot file then numbers its voters 1, 2, 3.
    receipt: Mapped[str | None] = mapped_column(String(32), unique=True)

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


class CountKey(db.Model):
    """The public half of a key pair that envelopes are sealed to; the private half is a file
    in COUNT_KEY_FOLDER, never in the database, destroyed once its envelopes are opened.

    `purpose` is "ballots" (one key per voting period of a round) or "reflections" (one key
    per step of five answers).
    """

    __tablename__ = "count_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Set in the transaction that opened its envelopes; the file is destroyed after that commits.
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CountKey {self.id} round={self.round_id} {self.purpose}>"


class SealedEnvelope(db.Model):
    """A ballot (or a batch of paper ballots, or a reflection) sealed to a count key.

    A random id, no person, no time: only ciphertext that nobody can read once the key is gone.
    `paper_batch_id` is set while a paper batch waits for its second person.
    """

    __tablename__ = "sealed_envelopes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("count_keys.id"), index=True)
    paper_batch_id: Mapped[int | None] = mapped_column(ForeignKey("paper_batches.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<SealedEnvelope {self.id[:6]}… key={self.key_id}>"
