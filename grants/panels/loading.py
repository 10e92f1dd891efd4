"""What every panel page loads: the table and the person's seat on its panel (both, or 404/403),
a meeting or comment of that table, and the layout's context.

The three panel view modules (views.py, views_care.py, views_forming.py) share these, so none
of them imports another's.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from grants.extensions import db
from grants.models import Meeting, PanelComment, PanelMember, PanelRole, Round
from grants.panels.formation import settings_for
from grants.roles import panel_seat
from grants.rounds.loading import get_round


def round_and_seat(slug: str) -> tuple[Round, PanelMember]:
    """The table at `slug` (404 if none) and the current person's active seat on its panel (403 if none)."""
    rnd = get_round(slug)
    seat = panel_seat(current_user, rnd.id)
    if seat is None:
        abort(403)
    return rnd, seat


def get_meeting(meeting_id: int, *, round_id: int) -> Meeting:
    """A meeting of table `round_id`'s panel (404 if none, or if it is another table's)."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.round_id != round_id:
        abort(404)
    return meeting


def get_comment(comment_id: int, *, round_id: int) -> PanelComment:
    """A panel comment on a proposal of table `round_id` (404 if none, or if it is on another table)."""
    comment = db.get_or_404(PanelComment, comment_id)
    if comment.proposal.round_id != round_id:
        abort(404)
    return comment


def panel_context(rnd: Round, seat: PanelMember | None) -> dict:
    """What the shared panel layout needs: pause state, role, support."""
    return {
        "rnd": rnd,
        "seat": seat,
        "is_facilitator": seat is not None and seat.role is PanelRole.FACILITATOR,
        "panel_settings": settings_for(rnd.id),
    }
