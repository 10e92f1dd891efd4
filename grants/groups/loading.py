"""The one way a view loads a group: it, or 404; and 403 unless the person may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import Group, GroupRole, Person
from grants.roles import is_group_member
from grants.security import allowed_or_403


def get_group(slug: str, *, check: Callable[[Any, int], Any] | None = None) -> Group:
    """The group at `slug` (404 if none); with `check`, 403 unless `check(current_user, group.id)`."""
    group = db.one_or_404(select(Group).where(Group.slug == slug))
    allowed_or_403(check, group.id)
    return group


def is_lead(person: Person, group_id: int) -> bool:
    """A lead of the group: edits its details and adds members."""
    return is_group_member(person, group_id, GroupRole.LEAD)


def handles_money(person: Person, group_id: int) -> bool:
    """A lead or treasurer of the group: its payee details and its money out."""
    return is_group_member(person, group_id, GroupRole.LEAD, GroupRole.TREASURER)
