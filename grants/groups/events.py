"""What other features do when someone joins a group: they subscribe here, and groups calls them.

groups imports none of the features that act on a group's members: they import groups (as rounds'
stages are, grants/rounds/stages.py). So panels make a panel member who joins a group bidding to
their table stand aside from its bids at once (grants/panels/conflicts.py), by subscribing:

    @events.on_joining
    def _stand_aside_from_the_new_groups_bids(person_id: int, group_id: int) -> None: ...

A subscriber runs inside the joining's transaction, once the membership is written; a DomainError
from it refuses the joining and nothing is kept. Importing the feature is what subscribes it: the
app factory imports every feature before it serves or works (`grants/__init__.py`).
"""

from __future__ import annotations

from collections.abc import Callable

Subscriber = Callable[[int, int], None]

# Keyed by the subscriber's module and name, so importing twice adds none.
SUBSCRIBERS: dict[str, Subscriber] = {}


def on_joining(fn: Subscriber) -> Subscriber:
    """Call `fn(person_id, group_id)` whenever someone joins a group (inside the joining's transaction)."""
    SUBSCRIBERS[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def subscribers() -> list[str]:
    """Who acts when someone joins a group, by module and name, in the order they run."""
    return list(SUBSCRIBERS)


def joined(person_id: int, group_id: int) -> None:
    """`person_id` has just joined `group_id`: let every subscriber act, in order."""
    for fn in list(SUBSCRIBERS.values()):
        fn(person_id, group_id)
