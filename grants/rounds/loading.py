"""The one way a view loads a table (round): it, or 404; and 403 unless the person may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from sqlalchemy import select

from grants.extensions import db
from grants.models import Round
from grants.security import allowed_or_403


def get_round(slug: str, *, check: Callable[[Any, int], Any] | None = None, published: bool = False) -> Round:
    """The table at `slug` (404 if none, or if `published` and it is still a draft); with `check`,
    403 unless `check(current_user, round.id)`.

    `check` is a role from grants.roles (`is_convenor`, `panel_seat`, ...) or `security.any_of(...)`."""
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    if published and not rnd.is_published:
        abort(404)
    allowed_or_403(check, rnd.id)
    return rnd
