"""Panels: the people with lived experience who decide a round."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, str_enum, utcnow
from grants.models.people import Person
from grants.models.proposals import Proposal
from grants.models.rounds import Round


class PanelRole(enum.StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


class PanelMember(db.Model):
    """A person's seat on a round's panel."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[PanelRole] = mapped_column(str_enum(PanelRole), default=PanelRole.MEMBER)
    # Private; only ever shown in aggregate.
    has_lived_experience: Mapped[bool | None] = mapped_column(Boolean)
    # Pausing needs no reason; a paused member is not counted towards quorum.
    is_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stepped_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    term_ends_on: Mapped[date | None] = mapped_column(Date)
    # Reminders are opt-in; a paused member gets none either way.
    wants_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    # The member's choice: show a proposal's content note before its text.
    content_notes_first: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when this seat was filled by calling in a substitute from the draw.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("panel_members.id"))

    round: Mapped[Round] = relationship()
    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<PanelMember round={self.round_id} person={self.person_id}>"

    @property
    def is_active(self) -> bool:
        return self.stepped_down_at is None


class PanelInvitation(db.Model):
    """An invitation to join a panel, sent by e-mail link. Only a hash of the token is kept."""

    __tablename__ = "panel_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[PanelRole] = mapped_column(str_enum(PanelRole), default=PanelRole.MEMBER)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    round: Mapped[Round] = relationship()

    def __repr__(self) -> str:
        return f"<PanelInvitation round={self.round_id} {self.email}>"


class PanelComment(db.Model):
    """A comment on a proposal that only the panel sees."""

    __tablename__ = "panel_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Other panel members do not see the author's name; facilitators do, for safeguarding.
    is_anonymous_to_peers: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    proposal: Mapped[Proposal] = relationship()

    def __repr__(self) -> str:
        return f"<PanelComment {self.id} on proposal {self.proposal_id}>"


class InterestDeclaration(db.Model):
    """A panel member's declared conflict with a proposal: they stand aside from it."""

    __tablename__ = "interest_declarations"
    __table_args__ = (UniqueConstraint("proposal_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    nature: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship()

    def __repr__(self) -> str:
        return f"<InterestDeclaration person={self.person_id} proposal={self.proposal_id}>"
