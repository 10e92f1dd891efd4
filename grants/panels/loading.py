"""What every panel page loads: the table and the person's seat on its panel, and the layout's context.

The three panel view modules (views.py, views_care.py, views_forming.py) share these, so none
of them imports another's.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import PanelMember, PanelRole, Round
from grants.panels.formation import settings_for
from grants.roles import panel_seat


def round_and_seat(slug: str) -> tuple[Round, PanelMember]:
    """The round and the current person's seat on its panel, or 403."""
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    seat = panel_seat(current_user, rnd.id)
    if seat is None:
        abort(403)
    return rnd, seat


def panel_context(rnd: Round, seat: PanelMember | None) -> dict:
    """What the shared panel layout needs: pause state, role, support."""
    return {
        "rnd": rnd,
        "seat": seat,
        "is_facilitator": seat is not None and seat.role is PanelRole.FACILITATOR,
        "panel_settings": settings_for(rnd.id),
    }
