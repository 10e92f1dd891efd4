"""Groups that bid, and funders that give: organisations people act for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import AddressInvitation, UTCDateTime, str_enum, utcnow
from grants.models.people import Person


class GroupRole(enum.StrEnum):
    LEAD = "lead"
    TREASURER = "treasurer"
    MEMBER = "member"


class Group(db.Model):
    """A user-led community group. It may be unconstituted and paid through a host."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    is_lived_experience_led: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    # Charity or company number where the group has one (360Giving uses it).
    registered_number: Mapped[str | None] = mapped_column(String(40))
    host_organisation: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.slug}>"


class GroupMembership(db.Model):
    """A person's role in a group."""

    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(str_enum(GroupRole))

    group: Mapped[Group] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<GroupMembership group={self.group_id} person={self.person_id} {self.role}>"


class GroupInvitation(AddressInvitation, db.Model):
    """An invitation to join a group, waiting for the owner of the address to say yes."""

    __tablename__ = "group_invitations"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(str_enum(GroupRole))

    group: Mapped[Group] = relationship()
    invited_by: Mapped[Person] = relationship(foreign_keys="GroupInvitation.invited_by_id")

    def __repr__(self) -> str:
        return f"<GroupInvitation {self.id} group={self.group_id} {self.role}>"


class Funder(db.Model):
    """An organisation that gives money. Funders fund; they never vote, score or veto."""

    __tablename__ = "funders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    registered_number: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Funder {self.id} {self.slug}>"


class FunderMembership(db.Model):
    """A person who acts for a funder."""

    __tablename__ = "funder_memberships"
    __table_args__ = (UniqueConstraint("funder_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("funders.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)

    funder: Mapped[Funder] = relationship()
    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<FunderMembership funder={self.funder_id} person={self.person_id}>"
