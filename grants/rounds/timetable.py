"""Tables move on by their published timetable: bids close, the panel's reading starts, voting
opens and closes on the dates the convenor set, with nobody pressing a button.

The worker runs `move_due` every five minutes (`_move_tables_on` below); `flask rounds tick`
runs it by hand. Each move is its own use case: one table refused (no bids to vote on, paper
ballots waiting for a second person) stops none of the others, and says why.

A step that another feature owns is registered here by that feature, so rounds imports none of
them: closing the vote ("close") is ballots' (grants/ballots/closing.py):

    @timetable.step("close")
    def _close_on_the_day(round_id: int) -> str: ...  # what happened, in a few words
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from grants import jobs
from grants.core import DomainError
from grants.models import RoundStatus
from grants.rounds import services

logger = logging.getLogger(__name__)

# Step -> what takes it, for the steps other features own ("close": ballots).
STEPS: dict[str, Callable[[int], str]] = {}


def step(name: str) -> Callable[[Callable[[int], str]], Callable[[int], str]]:
    """Register `fn(round_id) -> what happened` as the timetable's step `name` (`services.rounds_due`)."""

    def decorator(fn: Callable[[int], str]) -> Callable[[int], str]:
        STEPS[name] = fn
        return fn

    return decorator


@dataclass(frozen=True)
class Move:
    """What happened to one table: where it went, or why it could not move on."""

    slug: str
    message: str
    moved: bool


@jobs.periodic("rounds.move_tables_on", jobs.crontab(minute="*/5"), was="move_tables_on")
def _move_tables_on(now: datetime) -> int:
    """Every five minutes: move on each table whose timetable says so (close bids, open and close voting)."""
    return sum(move.moved for move in move_due(now))


def move_due(now: datetime) -> list[Move]:
    """Move on every table whose timetable says it is due at `now`, closing votes that are due."""
    moves = []
    for slug, round_id, step in [(r.slug, r.id, step) for r, step in services.rounds_due(now)]:
        try:
            if step in STEPS:
                message = STEPS[step](round_id)
            else:
                to = RoundStatus(step)
                services.advance(person=None, round_id=round_id, to=to)
                message = f"now {to.label}"
            moves.append(Move(slug, message, moved=True))
        except DomainError as exc:
            # Another worker may have moved it a moment ago; otherwise the convenor has something to fix.
            logger.warning("Table %s was not moved on: %s", slug, exc.message)
            moves.append(Move(slug, exc.message, moved=False))
    return moves
