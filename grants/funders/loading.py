"""The one way a view loads a funder: it, or 404; and 403 unless the person may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import Funder
from grants.security import allowed_or_403


def get_funder(slug: str, *, check: Callable[[Any, int], Any] | None = None) -> Funder:
    """The funder at `slug` (404 if none); with `check`, 403 unless `check(current_user, funder.id)`."""
    funder = db.one_or_404(select(Funder).where(Funder.slug == slug))
    allowed_or_403(check, funder.id)
    return funder
