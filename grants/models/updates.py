"""Updates groups post about their funded work, and their optional end-of-grant report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import UTCDateTime, utcnow
from grants.models.groups import Group
from grants.models.money import Award
from grants.models.uploads import Upload


class GroupUpdate(db.Model):
    """A public note from a group: text, a photo with alt text, a link; or its end-of-grant report.

    Public by nature: it is shown on the group's page and nothing in it is private.
    """

    __tablename__ = "group_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    # The funded work it is about (optional for an update; required for an end-of-grant report).
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    link_url: Mapped[str | None] = mapped_column(String(500))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    # Required whenever there is a photo: people using screen readers get the picture too.
    photo_alt: Mapped[str | None] = mapped_column(String(300))
    # An end-of-grant report answers one question, as text or as a file in the group's own format.
    is_end_of_grant_report: Mapped[bool] = mapped_column(Boolean, default=False)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"))
    posted_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    award: Mapped[Award | None] = relationship()
    photo: Mapped[Upload | None] = relationship(foreign_keys=[photo_id])
    file: Mapped[Upload | None] = relationship(foreign_keys=[file_id])

    def __repr__(self) -> str:
        kind = "report" if self.is_end_of_grant_report else "update"
        return f"<GroupUpdate {self.id} {kind} group={self.group_id}>"
