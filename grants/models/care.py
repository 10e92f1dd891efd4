"""Panel life around the vote: forming the panel, ground rules, questions, meetings,
looking after people, feedback and anonymous reflections."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, append_only, str_enum, utcnow
from grants.models.people import Person
from grants.models.proposals import Proposal


class PanelSettings(db.Model):
    """How a round forms and looks after its panel. Published, except nothing about people."""

    __tablename__ = "panel_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    is_call_open: Mapped[bool] = mapped_column(Boolean, default=False)
    call_text: Mapped[str] = mapped_column(Text, default="")
    panel_size: Mapped[int] = mapped_column(Integer, default=9)
    # The published make-up target: at least this share of seats for people with lived experience.
    lived_experience_target_percent: Mapped[int] = mapped_column(Integer, default=67)
    term_ends_on: Mapped[date | None] = mapped_column(Date)
    sources_of_help: Mapped[str] = mapped_column(Text, default="")
    where_else_to_look: Mapped[str] = mapped_column(Text, default="")
    easy_read: Mapped[str] = mapped_column(Text, default="")
    # Published before the draw, so anyone can repeat it.
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<PanelSettings round={self.round_id}>"


class VolunteerStatus(enum.StrEnum):
    VOLUNTEERED = "volunteered"
    SEATED = "seated"
    SUBSTITUTE = "substitute"
    WITHDRAWN = "withdrawn"


class PanelVolunteer(db.Model):
    """Someone who answered the open call. What they say about themselves is private."""

    __tablename__ = "panel_volunteers"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # A pseudonymous code, published with the draw so anyone can repeat it without names.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    has_lived_experience: Mapped[bool] = mapped_column(Boolean)
    access_needs: Mapped[str] = mapped_column(Text, default="")
    contact_by: Mapped[str] = mapped_column(String(20), default="email")
    contact_details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[VolunteerStatus] = mapped_column(str_enum(VolunteerStatus), default=VolunteerStatus.VOLUNTEERED)
    draw_position: Mapped[int | None] = mapped_column(Integer)
    volunteered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<PanelVolunteer round={self.round_id} {self.reference} {self.status}>"


class GroundRules(db.Model):
    """The panel's agreed ways of working. Each edit makes a new version to agree."""

    __tablename__ = "ground_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    def __repr__(self) -> str:
        return f"<GroundRules round={self.round_id} v{self.version}>"


class GroundRulesResponse(db.Model):
    """A member's answer to one version of the ground rules: agreed, or a proposed change."""

    __tablename__ = "ground_rules_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    agreed: Mapped[bool] = mapped_column(Boolean)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<GroundRulesResponse round={self.round_id} person={self.person_id} v{self.version}>"


class InterestHistory(db.Model):
    """Every declaration, change and withdrawal of an interest: the register's history."""

    __tablename__ = "interest_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    nature: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<InterestHistory person={self.person_id} proposal={self.proposal_id} {self.action}>"


append_only(InterestHistory.__table__)


class PanelQuestion(db.Model):
    """A question from the panel to a group about its proposal, and the group's answer."""

    __tablename__ = "panel_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship()

    def __repr__(self) -> str:
        return f"<PanelQuestion {self.id} on proposal {self.proposal_id}>"


class Meeting(db.Model):
    """A panel meeting: agenda, who came, notes, decisions and where they led."""

    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    # Site paths (one a line) to the ballots or consensus records the meeting led to.
    links: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendance: Mapped[list[MeetingAttendance]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Meeting {self.id} round={self.round_id}>"


class MeetingAttendance(db.Model):
    """A panel member who came to a meeting."""

    __tablename__ = "panel_meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<MeetingAttendance meeting={self.meeting_id} person={self.person_id}>"


class ContentNote(db.Model):
    """A group's note about difficult content in its proposal, shown before the text if wanted."""

    __tablename__ = "content_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    note: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ContentNote proposal={self.proposal_id}>"


class TimeRequest(db.Model):
    """A panel member's own extra time for reading or scoring. No reason is asked."""

    __tablename__ = "panel_time_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    what: Mapped[str] = mapped_column(String(20))
    until: Mapped[date] = mapped_column(Date)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<TimeRequest round={self.round_id} person={self.person_id} until {self.until}>"


class Feedback(db.Model):
    """The feedback an applicant group gets, assembled and edited by the facilitator."""

    __tablename__ = "proposal_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship()

    def __repr__(self) -> str:
        return f"<Feedback proposal={self.proposal_id} sent={self.sent_at is not None}>"


class Reflection(db.Model):
    """An anonymous reflection stored in the clear before migration 0021. New answers are sealed
    (grants/ballots/sealing.py) and reach only the aggregate `ReflectionRelease`; rows left
    here are folded into the next release and deleted."""

    __tablename__ = "reflections"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_did_not: Mapped[str] = mapped_column(Text, default="")
    felt: Mapped[int] = mapped_column(Integer)
    power: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<Reflection {self.id[:6]}… round={self.round_id}>"


class ReflectionRelease(db.Model):
    """What is shown of a round's reflections: the answers in aggregate, as they stood when the
    number of answers last reached a multiple of five.

    Shown live, one more answer would change the figures by exactly that person's answer, so
    anyone who knew who had just answered could read it. Released in steps of five, any two
    releases differ by at least five people's answers.
    """

    __tablename__ = "reflection_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    # Answer -> how many chose it, keyed by the answer's number as text (JSON keys are text).
    # Every answer says how it felt, so these counts add up to how many had answered.
    felt: Mapped[dict[str, int]] = mapped_column(JSON)
    power: Mapped[dict[str, int]] = mapped_column(JSON)
    # The written answers, in random order.
    worked: Mapped[list[str]] = mapped_column(JSON)
    did_not: Mapped[list[str]] = mapped_column(JSON)

    @property
    def answered(self) -> int:
        return sum(self.felt.values())

    def __repr__(self) -> str:
        return f"<ReflectionRelease round={self.round_id} answered={self.answered}>"


class ReflectionResponse(db.Model):
    """The record that a person has answered a round's reflection, and nothing about what."""

    __tablename__ = "reflection_responses"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)

    def __repr__(self) -> str:
        return f"<ReflectionResponse round={self.round_id} person={self.person_id}>"
