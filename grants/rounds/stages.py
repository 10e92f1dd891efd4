"""What other features do when a table enters a stage: they subscribe here, and rounds calls them.

rounds keeps a table's rules and timetable and imports none of the features that act on its
stages (ballots, panels): they import rounds. So ballots makes the count key when voting opens
(grants/ballots/sealing.py) and panels record the automatic recusals when the panel starts
reading and when voting opens (grants/panels/conflicts.py), each by subscribing:

    @stages.on_entering(RoundStatus.VOTING)
    def _seal_ballots_to_a_new_key(rnd: Round) -> None: ...

A subscriber runs inside `services.advance`'s transaction, once the table's new status is set
and its checks have passed, before the move is written to the audit log; a DomainError from it
refuses the move and nothing is kept. Subscribers run in the order they subscribed. Importing the
feature is what subscribes it: the app factory imports every feature before it serves or works
(`grants/__init__.py`), as it does for the background jobs (`grants/jobs/registry.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from grants.models import Round, RoundStatus

Subscriber = Callable[[Round], None]

# Stage -> its subscribers, keyed by the subscriber's module and name so importing twice adds none.
SUBSCRIBERS: dict[RoundStatus, dict[str, Subscriber]] = {}


def on_entering(*stages: RoundStatus) -> Callable[[Subscriber], Subscriber]:
    """Call `fn(rnd)` whenever a table enters one of `stages` (inside the move's transaction)."""

    def decorator(fn: Subscriber) -> Subscriber:
        for stage in stages:
            SUBSCRIBERS.setdefault(stage, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return decorator


def subscribers(stage: RoundStatus) -> list[str]:
    """Who acts when a table enters `stage`, by module and name, in the order they run."""
    return list(SUBSCRIBERS.get(stage, {}))


def entered(rnd: Round) -> None:
    """`rnd` has just entered its stage (`rnd.status`): let every subscriber act, in order."""
    for fn in list(SUBSCRIBERS.get(rnd.status, {}).values()):
        fn(rnd)
