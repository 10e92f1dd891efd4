"""Races with real threads and real database connections, repeated cheaply.

A module that repeats a race shares one app per backend (`race_app`): its own database,
so no other test's clean-up reaches it, and a pool whose connections are open before the
first race, so the repetitions spend their time racing rather than connecting. Each
repetition builds its own round and starts its own racers; only people and connections
are shared.

Background jobs go to a queue file that nothing consumes, as in production they go to the
queue (Redis or a file) for a worker. The tests' usual immediate mode would run each job inside the racer's commit on a
second connection, and racers holding every connection while waiting for another would
deadlock the pool. What the jobs deliver is tested elsewhere; here it is what is written.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from grants.extensions import db
from tests.conftest import BACKENDS, make_app, pg_database

# Open connections in the pool, per backend; a module may set its own `CONNECTIONS`. SQLite lets
# one writer in at a time, so more racers there only sleep longer in its busy handler.
CONNECTIONS = {"sqlite": 10, "postgresql": 40}
WAIT = 120  # seconds a racer may wait for the start or for a connection before the race counts as stuck


@contextmanager
def separate_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """An empty database of its own: a SQLite file in `folder`, or a PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'race.sqlite3'}"
        return
    session_db = make_url(request.getfixturevalue("pg_database_url"))
    with pg_database(session_db, f"{session_db.database}_race_{uuid.uuid4().hex[:6]}") as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def race_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app per backend for a module's races, its pool already holding the module's `CONNECTIONS`."""
    folder = tmp_path_factory.mktemp("race")
    connections = getattr(request.module, "CONNECTIONS", CONNECTIONS)[request.param]
    with separate_database(request, request.param, folder) as url:
        app = make_app(
            url,
            UPLOAD_FOLDER=str(folder / "uploads"),
            JOBS_URL=f"sqlite:///{folder / 'jobs.sqlite3'}",
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": connections, "max_overflow": 0, "pool_timeout": WAIT},
        )
        with app.app_context():
            opened = [db.engine.connect() for _ in range(connections)]
            for conn in opened:
                conn.close()  # back to the pool, still open
            yield app
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(race_app: Flask) -> Iterator[Flask]:
    """The module's race app, inside an app context with a fresh session for this repetition."""
    with race_app.app_context():
        yield race_app
        db.session.remove()


def run_together(app: Flask, jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in a thread of its own, all released at once; what each returned or raised, in order.

    Each thread has its own app context and so its own session and connection, as a request does.
    """
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=WAIT)
                results[i] = job()
            except BaseException as exc:  # noqa: BLE001 - returned for the test to judge
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    assert stuck == 0, f"{stuck} racers were still running after {WAIT} s"
    return results


MOMENT = 1.5  # how long a held racer waits for the other to catch up (the other may be waiting on it)


def hold_after(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:  # noqa: ANN401
    """Make `module.name` wait, once it has run, until both of two racers have reached it (or a moment).

    Put after a use case's read, it makes an unlucky moment happen every time: both have read
    before either writes. Where a fix makes the second wait for the first (a lock), the first goes
    on alone after `MOMENT`. PostgreSQL only: SQLite lets one writer in at a time anyway."""
    if db.engine.dialect.name != "postgresql":
        return
    both = threading.Barrier(2)
    real = getattr(module, name)

    def held(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        found = real(*args, **kwargs)
        try:
            both.wait(timeout=MOMENT)
        except threading.BrokenBarrierError:
            pass  # the other is waiting for this one's transaction: go on alone
        return found

    monkeypatch.setattr(module, name, held)
