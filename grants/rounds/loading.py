"""The one way a view loads a table (round): it, or 404; and 403 unless the person may.

`public_round` is the public pages' look-up of a published table (None if there is none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from grants.extensions import db
from grants.inputs import is_lookup_safe
from grants.models import Round, RoundStatus
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


def public_round(slug: str) -> Round | None:
    """A published round by slug."""
    if not is_lookup_safe(slug):
        return None
    return db.session.execute(
        select(Round)
        .where(Round.slug == slug, Round.status != RoundStatus.DRAFT)
        .options(selectinload(Round.rule_changes), undefer(Round.language), selectinload(Round.texts))
    ).scalar_one_or_none()
