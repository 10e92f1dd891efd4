"""Who may act on a table's money: the funders a table's convenors accepted, and the
amount above which a release needs a second person."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._base import N_, UTCDateTime, str_enum, utcnow
from grants.models.groups import Funder
from grants.models.rounds import Round


class TableFunderStatus(enum.StrEnum):
    INVITED = "invited"  # the convenors asked; the funder has not pledged yet
    OFFERED = "offered"  # the funder pledged unasked; the convenors have not decided
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        """The funder's place on the table, in the reader's language."""
        return lazy_gettext(TABLE_FUNDER_STATUS_LABELS[self])


TABLE_FUNDER_STATUS_LABELS = {
    TableFunderStatus.INVITED: N_("Invited by the convenors"),
    TableFunderStatus.OFFERED: N_("Offered: waiting for the convenors"),
    TableFunderStatus.ACCEPTED: N_("Accepted"),
    TableFunderStatus.DECLINED: N_("Declined by the convenors"),
}


class TableFunder(db.Model):
    """A funder's place on a table. Only an accepted funder takes part: until then its
    pledge is an offer, gives its people no power over the table's money, and is not public."""

    __tablename__ = "table_funders"
    __table_args__ = (UniqueConstraint("round_id", "funder_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("funders.id"), index=True)
    status: Mapped[TableFunderStatus] = mapped_column(str_enum(TableFunderStatus))
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship()
    funder: Mapped[Funder] = relationship()

    def __repr__(self) -> str:
        return f"<TableFunder round={self.round_id} funder={self.funder_id} {self.status}>"


class TableMoneyRules(db.Model):
    """A table's rules for moving money, set by its convenors."""

    __tablename__ = "table_money_rules"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    # A release of more than this needs a second person to approve it (None: no second person).
    second_person_above_pence: Mapped[int | None] = mapped_column(Integer)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<TableMoneyRules round={self.round_id} above={self.second_person_above_pence}>"
