"""The one way a view loads a proposal (bid): it, or 404; and 403 unless the person may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from grants.extensions import db
from grants.models import BudgetLine, Proposal
from grants.security import allowed_or_403


def get_proposal(
    proposal_id: int, *, check: Callable[[Any, int], Any] | None = None, round_id: int | None = None
) -> Proposal:
    """The proposal (404 if none, or if it is not on table `round_id` when given); with `check`, 403 unless
    `check(current_user, proposal.group_id)` (the group that wrote it: `roles.is_group_member`)."""
    proposal = db.get_or_404(Proposal, proposal_id)
    if round_id is not None and proposal.round_id != round_id:
        abort(404)
    allowed_or_403(check, proposal.group_id)
    return proposal


def with_budget(proposal: Proposal) -> Proposal:
    """The proposal with its budget lines and each line's other-language items read in two
    statements, for a page that shows the budget. (The items are read only when asked for, so
    that code adding up a budget never names their table; asked for line by line, they cost a
    statement a line.) The proposal itself is not read again."""
    lines = db.session.execute(
        select(BudgetLine)
        .where(BudgetLine.proposal_id == proposal.id)
        .order_by(BudgetLine.position)
        .options(selectinload(BudgetLine.texts))
    ).scalars().all()
    set_committed_value(proposal, "budget_lines", list(lines))
    return proposal
