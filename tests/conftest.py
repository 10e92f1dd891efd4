"""Fixtures for the whole suite: the app on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set, a client, a CLI runner and small helpers.

On PostgreSQL each test session gets its own throw-away database (so parallel runs
never collide) and each test starts from empty tables.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from config import TestConfig
from grants import create_app
from grants.extensions import db

PG_ENV = "TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


def _pg_base_url() -> str:
    url = os.environ[PG_ENV]
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    base = make_url(_pg_base_url())
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        message = f"PostgreSQL at {base.render_as_string(hide_password=True)} is not reachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must never skip the PostgreSQL half silently
        pytest.skip(message)
    admin.dispose()
    with pg_database(base, f"ot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}") as url:
        yield url


@contextmanager
def pg_database(server: URL, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database `name` on `server`'s server; dropped afterwards, connections and all."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_pg_schema_ready: set[str] = set()


_OPEN_DATA_FOLDER = tempfile.mkdtemp(prefix="ot-open-data-")  # each server's copies of the stored files


def make_app(database_url: str, **overrides) -> Flask:
    """An app bound to `database_url` with empty tables."""
    overrides.setdefault("OPEN_DATA_FOLDER", _OPEN_DATA_FOLDER)
    # Each app its own key folder: ids restart with every test's empty tables.
    overrides.setdefault("COUNT_KEY_FOLDER", tempfile.mkdtemp(prefix="ot-count-keys-"))
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        else:
            if database_url not in _pg_schema_ready:
                db.create_all()
                _pg_schema_ready.add(database_url)
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return app


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # noqa: ANN001
    """The database a test runs on: each test runs once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    """The application with empty tables, inside an app context."""
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class Client(FlaskClient):
    """A test client whose every request gets its own app context (its own `g` and
    database session), as in production, even while the test holds one open."""

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        # Read the whole body and close it, as a server does: a file sent with send_file is
        # otherwise left open until the response object is collected.
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own read transaction, so its next query sees what the request wrote.
        db.session.rollback()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # noqa: ANN201
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str | None = None) -> str:
    """The session's CSRF token, read from a form on `page` as a browser would."""
    pages = [page] if page else ["/me", "/login"]
    for url in pages:
        response = client.get(url)
        if response.status_code == 200:
            match = CSRF_RE.search(response.get_data(as_text=True))
            if match:
                return match.group(1)
    raise AssertionError(f"no CSRF token found on {pages}")


def post_form(
    client: FlaskClient, url: str, data: dict | None = None, *, page: str | None = None, follow: bool = False
):  # noqa: ANN201
    """POST a form with the session's CSRF token, as a browser would send it."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, page)
    return client.post(url, data=data, follow_redirects=follow)


def login(client: FlaskClient, email: str, password: str = "correct horse battery"):  # noqa: ANN201
    """Sign in through the login form."""
    return post_form(client, "/login", {"email": email, "password": password})


def text_of(response) -> str:  # noqa: ANN001
    """A page's visible text with tags removed and white space folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


class Mailbox(list):
    """The e-mails the app sent during a test (the worker's real build, no SMTP server)."""

    def texts_to(self, address: str) -> list[str]:
        """The plain-text bodies of every message sent to `address`."""
        return [m.get_body(("plain",)).get_content() for m in self if m["To"] == address]


@pytest.fixture
def mailbox(monkeypatch) -> Mailbox:  # noqa: ANN001
    """Collect sent e-mails instead of printing them: a secret lives only in the message."""
    from grants.notifications import delivery

    box = Mailbox()
    monkeypatch.setattr(delivery, "send_message", box.append)
    return box
