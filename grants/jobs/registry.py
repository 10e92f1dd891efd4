"""Background work by name: each feature registers its own jobs here when it is imported.

The queue finds a job by its registered name and never imports a feature: the app factory
imports the features (with their blueprints), and importing a feature registers its jobs.

    @jobs.job("money.send_tranche", was="send_tranche")
    def _send(key: str, tranche_id: int) -> None:
        send_tranche(tranche_id)  # key is the idempotency key: safe to run again

records work with `jobs.enqueue_job("money.send_tranche", key, tranche_id=...)` inside a use
case, and runs it in the worker after the commit (grants/jobs/outbox.py).

    @jobs.periodic("rounds.move_tables_on", crontab(minute="*/5"), was="move_tables_on")
    def _move_on(now: datetime) -> int: ...

runs in the worker on that schedule, as its own use case.

`was` is the name a job was stored under before it had its feature's name: an outbox row
written under the old name still runs, and so does a huey message already in the queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey import crontab  # noqa: F401 - re-exported so features name a schedule without importing huey

from grants.jobs.queue import huey, run_in_fresh_context
from grants.models._base import utcnow

HANDLERS: dict[str, Callable[..., Any]] = {}
PERIODIC: dict[str, Callable[[datetime], Any]] = {}
RUNNERS: dict[str, Callable[..., Any]] = {}
# Old stored name -> registered name.
RENAMED: dict[str, str] = {}

# huey stores a task as "<module>.<name>"; every periodic task is stored under this module
# (where they all were defined before features registered their own), so a message already
# queued under an old name finds its task after an upgrade.
_TASK_MODULE = "grants.jobs.tasks"


def job(name: str, *, was: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(key=..., **payload)` as the outbox job called `name`.

    It runs in the worker, in an app context, as its own use case, and must be safe to run
    again with the same key (pass `key` to Stripe as the idempotency key)."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        _claim(name, was, HANDLERS)
        HANDLERS[name] = fn
        return fn

    return decorator


def periodic(
    name: str, schedule: Callable[[datetime], bool], *, was: str | None = None
) -> Callable[[Callable[[datetime], Any]], Callable[[datetime], Any]]:
    """Register `fn(now)` to run in the worker on `schedule` (a huey crontab), as its own use case."""

    def decorator(fn: Callable[[datetime], Any]) -> Callable[[datetime], Any]:
        _claim(name, was, PERIODIC)
        PERIODIC[name] = fn

        def run() -> Any:  # noqa: ANN401 - whatever the job returns is only logged
            return run_periodic(name)

        run.__module__ = _TASK_MODULE
        run.__doc__ = fn.__doc__
        huey.periodic_task(schedule, name=was or name.replace(".", "_"))(run)
        return fn

    return decorator


def runner(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(row_id)` as what the queue's own tasks call by `name` (e-mail delivery:
    "notifications.deliver"), so the queue runs a feature's code without importing it."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        _claim(name, None, RUNNERS)
        RUNNERS[name] = fn
        return fn

    return decorator


def runner_for(name: str) -> Callable[..., Any]:
    """What was registered with `@runner(name)`; a LookupError if no feature registered it."""
    try:
        return RUNNERS[name]
    except KeyError:
        raise LookupError(f"nothing registered to run {name!r}: is its feature imported by create_app?") from None


def run_periodic(name: str) -> Any:  # noqa: ANN401
    """Run the periodic job called `name` now, as the worker does: its own use case, the time now."""
    return run_in_fresh_context(PERIODIC[name], utcnow())


def handler_for(name: str) -> Callable[..., Any] | None:
    """The outbox job registered as `name` (or once stored as `name`)."""
    return HANDLERS.get(RENAMED.get(name, name))


def canonical(name: str) -> str:
    """The registered name for `name`, which may be a name it was stored under before."""
    return RENAMED.get(name, name)


def _claim(name: str, was: str | None, registry: dict[str, Any]) -> None:
    if name in registry or name in RENAMED:
        raise ValueError(f"a background job called {name!r} is already registered")
    if was is not None:
        RENAMED[was] = name
