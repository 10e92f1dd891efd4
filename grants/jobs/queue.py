"""The huey instance and how it is bound to the app's configuration."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from grants.extensions import db

T = TypeVar("T")

# Tasks are declared against this instance at import time; `init_app` points it at the
# storage the configuration names (SQLite file, Redis, or in-memory immediate mode).
huey = Huey("our-tables", results=False, storage_class=MemoryStorage)

_state: dict[str, Any] = {"app": None}


def init_app(app: Flask) -> None:
    """Bind the queue to this app's JOBS_URL and remember the app for the workers."""
    url = app.config.get("JOBS_URL") or ""
    name = app.config.get("JOBS_NAME") or "our-tables"
    huey.name = name
    if url == "immediate":
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey._immediate = True  # tasks run in the calling process as they are queued
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
        huey._immediate = False
    else:
        path = url.removeprefix("sqlite:///") if url else str(Path(app.instance_path) / "jobs.sqlite3")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
        huey._immediate = False
    huey.storage = huey.create_storage()
    _state["app"] = app


def current_jobs_app() -> Flask:
    """The app the worker (or immediate mode) runs jobs for."""
    app = _state["app"]
    if app is None:
        raise RuntimeError("grants.jobs.init_app has not been called")
    return app


def run_in_fresh_context(fn: Callable[..., T], *args: Any) -> T:
    """Run a job body with its own app context and database session.

    A fresh `contextvars.Context` means a job started in immediate mode (inside another
    use case's commit) is its own use case, with its own transaction, never a nested one.
    """

    def body() -> T:
        with current_jobs_app().app_context():

            try:
                return fn(*args)
            finally:
                db.session.remove()

    return contextvars.Context().run(body)


def queue_status() -> dict[str, Any]:
    """Whether the queue answers, and how many jobs wait in it."""
    if isinstance(huey.storage, RedisStorage):
        huey.storage.conn.ping()
    return {"backend": type(huey.storage).__name__.removesuffix("Storage").lower(), "queued": huey.pending_count()}
