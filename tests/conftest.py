"""Fixtures for the whole suite: the app on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set, a client, a CLI runner and small helpers.

On PostgreSQL each test session gets its own throw-away database (so parallel runs
never collide) and each test starts from empty tables.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import BadSignature
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError

from config import TestConfig
from grants import create_app
from grants.extensions import db
from grants.site import SiteFlask


def _cache_url_builders() -> None:
    """Compile each URL rule's builder once per test process instead of once per app.

    Every test builds its own app, and Werkzeug compiles two small Python functions for each
    of the ~150 routes of each app: about half of `create_app`'s time. A builder depends only
    on the rule's text, its parts and its defaults, never on the app, so the same function
    serves every app. Tests only; if Werkzeug's internals change, each app compiles its own.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "cached", False):
        return
    builders: dict[tuple, object] = {}

    def cached(self: Rule, append_unknown: bool = True):  # noqa: ANN202
        key = (
            self.rule,
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple((name, type(conv)) for name, conv in self._converters.items()),
            append_unknown,
        )
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    cached.cached = True
    Rule._compile_builder = cached


_cache_url_builders()


def _cache_url_parsing() -> None:
    """Parse each URL rule's text once per test process instead of once per app.

    After the builders (`_cache_url_builders`), reading the ~170 rules' text is most of what is
    left of `create_app` (about 6 of its 15 ms). What a rule's text parses into (its parts, its
    trace, which converter each variable takes) depends only on the text and the map's
    converter classes; each rule still gets converters of its own, made for its own map. Tests
    only; if Werkzeug's internals change, each app parses its own.
    """
    from werkzeug.routing.rules import Rule

    parse_rule = getattr(Rule, "_parse_rule", None)
    if parse_rule is None or getattr(parse_rule, "cached", False) or not hasattr(Rule, "get_converter"):
        return
    parsed: dict[tuple, tuple] = {}

    def cached(self: Rule, rule: str):  # noqa: ANN202
        key = (rule, tuple(self.map.converters.items()))
        if key not in parsed:
            made: list[tuple] = []
            get_converter = self.get_converter

            def noting(variable_name, converter_name, args, kwargs):  # noqa: ANN001, ANN202
                made.append((variable_name, converter_name, args, kwargs))
                return get_converter(variable_name, converter_name, args, kwargs)

            self.get_converter = noting
            traced = len(self._trace)
            try:
                parts = list(parse_rule(self, rule))
            finally:
                del self.get_converter
            parsed[key] = (parts, self._trace[traced:], made)
            return parts
        parts, trace, made = parsed[key]
        self._trace.extend(trace)
        for variable_name, converter_name, args, kwargs in made:
            self._converters[variable_name] = self.get_converter(variable_name, converter_name, args, kwargs)
            self.arguments.add(variable_name)
        return list(parts)

    cached.cached = True
    cached.original = parse_rule
    Rule._parse_rule = cached


_cache_url_parsing()


class _SharedTemplateCode(BytecodeCache):
    """Each template compiled once per test process, not once per test's app.

    Jinja checks each stored code against its template's source, so an edited template is
    compiled again; the key also holds the environment's options that change the code.
    """

    def __init__(self) -> None:
        self.code: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket) -> tuple:  # noqa: ANN001
        env = bucket.environment
        return (bucket.key, env.trim_blocks, env.lstrip_blocks, env.block_start_string)

    def load_bytecode(self, bucket) -> None:  # noqa: ANN001
        code = self.code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:  # noqa: ANN001
        self.code[self._key(bucket)] = bucket.bytecode_to_string()


SiteFlask.jinja_options = {**SiteFlask.jinja_options, "bytecode_cache": _SharedTemplateCode()}


# PostgreSQL engines kept open for the whole test process, one per database.
_SHARED_ENGINES: dict[str, Engine] = {}
_ENGINE_DEFAULTS = {"url", "echo", "echo_pool"}


def _share_engines() -> None:
    """Apps made with the default engine settings share what does not belong to one test.

    - PostgreSQL: every app on the same database uses one engine for the whole test process, so
      its connections stay open from test to test. A new connection costs a PostgreSQL process
      and its empty catalogue caches (about 2 ms to connect and 0.1 ms for each table it first
      touches). A kept connection is checked before use (`pool_pre_ping`), so one closed by a
      dropped or re-made database is replaced.
    - SQLite: each test has its own file and engine; the engines share their compiled SQL
      (`_with_shared_compiled_cache`).

    Rows, sessions and apps are still each test's own. An engine with settings of its own (a
    race's pool of 40) is the app's alone, as before."""
    from flask_sqlalchemy import SQLAlchemy

    make_engine = SQLAlchemy._make_engine
    if getattr(make_engine, "shared", False):
        return

    def shared(self, bind_key, options, app):  # noqa: ANN001, ANN202
        url = make_url(options["url"])
        plain = set(options) <= _ENGINE_DEFAULTS and not options.get("echo") and not options.get("echo_pool")
        if plain and url.get_backend_name() == "sqlite":
            return _with_shared_compiled_cache(make_engine(self, bind_key, options, app))
        if not plain or url.get_backend_name() != "postgresql":
            return make_engine(self, bind_key, options, app)
        key = url.render_as_string(hide_password=False)
        if key not in _SHARED_ENGINES:
            _SHARED_ENGINES[key] = make_engine(self, bind_key, {**options, "pool_pre_ping": True}, app)
        return _SHARED_ENGINES[key]

    shared.shared = True
    SQLAlchemy._make_engine = shared


_share_engines()

# One SQLite dialect and one cache of compiled statements for every SQLite engine of the process.
_SQLITE_COMPILED: dict[tuple, tuple] = {}


def _with_shared_compiled_cache(engine: Engine) -> Engine:
    """A SQLite engine of its own (every test has its own file, its own connections), whose
    statements are compiled once per test process rather than once per test.

    SQLAlchemy keeps the SQL it compiled for each statement in its engine, keyed by the engine's
    dialect; a new engine per test compiled every statement again (a tenth of a SQLite test's
    time, measured). The SQL depends only on the dialect's kind and settings, which are the same
    for every SQLite engine made here (the key), so they share one dialect and one cache.
    """
    if engine._compiled_cache is None:
        return engine
    key = (type(engine.dialect), engine.url.database in (None, "", ":memory:"), engine.dialect.isolation_level)
    kept = _SQLITE_COMPILED.get(key)
    if kept is not None and kept[0].server_version_info is not None:  # set up by its engine's first connection
        engine.dialect, engine._compiled_cache = kept
    else:
        _SQLITE_COMPILED[key] = (engine.dialect, engine._compiled_cache)
    return engine


_HARNESS_ENGINES: dict[str, Engine] = {}


def kept_engine(url: str | URL) -> Engine:
    """An engine of the test harness's own (laying a snapshot back, say) for `url`, open for the
    whole test process like the apps' shared ones."""
    key = make_url(url).render_as_string(hide_password=False)
    if key not in _HARNESS_ENGINES:
        _HARNESS_ENGINES[key] = create_engine(url, pool_pre_ping=True)
    return _HARNESS_ENGINES[key]


def release_engine(engine: Engine) -> None:
    """Close an app's connections at its end, unless its engine is shared (`_share_engines`)."""
    if all(engine is not kept for kept in _SHARED_ENGINES.values()):
        engine.dispose()


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record) -> None:  # noqa: ANN001
    """Test databases need not survive a power cut: SQLite skips fsync at each commit (the
    costliest part of a test on a busy disk). Locking and transactions are unchanged."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


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
    name = f"ot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with pg_database(base, name) as url:
        yield url
        with _pg_admin(base) as admin:  # the demo's template, if a test made one (`demo`)
            admin.execute(text(f'DROP DATABASE IF EXISTS "{name}_demo" WITH (FORCE)'))


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


_sqlite_template: list[str] = []  # the path of this process's empty-schema SQLite file, once built


_OPEN_DATA_FOLDER = tempfile.mkdtemp(prefix="ot-open-data-")  # each server's copies of the stored files


def make_app(database_url: str, **overrides) -> Flask:
    """An app bound to `database_url` with empty tables.

    The schema is built once per test process: a new SQLite file is a copy of an empty file
    built with `create_all` (an existing file keeps its rows, as before); a PostgreSQL
    database gets `create_all` when a table is missing (one query asks), and then every table
    holding rows is emptied and every
    sequence that was used starts again at 1, as `TRUNCATE ... RESTART IDENTITY` of all
    tables did, at a fraction of its cost.
    """
    overrides.setdefault("OPEN_DATA_FOLDER", _OPEN_DATA_FOLDER)
    # Each app its own key folder: ids restart with every test's empty tables.
    overrides.setdefault("COUNT_KEY_FOLDER", tempfile.mkdtemp(prefix="ot-count-keys-"))
    copied = database_url.startswith("sqlite") and _copy_sqlite_template(database_url)
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    with app.app_context():
        if database_url.startswith("sqlite"):
            if not copied:  # a copy of the template has every table already
                db.create_all()
        else:
            with db.engine.connect() as conn:
                missing = _pg_schema_missing(conn)
            if missing:
                db.create_all()
            with db.engine.begin() as conn:
                _empty_pg_tables(conn)
    return app


def _copy_sqlite_template(database_url: str) -> bool:
    """Lay a copy of the empty-schema template at a new SQLite file's path (`create_all` once per
    process); False when there is nothing to lay (an in-memory database, an existing file)."""
    path = make_url(database_url).database
    if not path or path == ":memory:" or os.path.exists(path) or not os.path.isdir(os.path.dirname(path) or "."):
        return False
    if not _sqlite_template:
        template = os.path.join(tempfile.mkdtemp(prefix="ot-schema-"), "schema.sqlite3")
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"})
        with app.app_context():
            db.create_all()
            db.session.remove()
            db.engine.dispose()  # the last connection checkpoints the WAL into the file
        _sqlite_template.append(template)
    shutil.copyfile(_sqlite_template[0], path)
    return True


def _pg_schema_missing(conn) -> bool:  # noqa: ANN001
    """Whether any of the models' tables is missing from the database: one question, asked of the
    database itself rather than remembered per URL (a database dropped and made again under the
    same name, as the world's template is when a process's tests come back to it, is empty)."""
    names = [t.name for t in db.metadata.sorted_tables]
    return bool(
        conn.execute(
            text("SELECT bool_or(to_regclass(quote_ident(n)) IS NULL) FROM unnest(CAST(:names AS text[])) AS n"),
            {"names": names},
        ).scalar()
    )


def _empty_pg_tables(conn) -> None:  # noqa: ANN001
    """Empty every table that holds a row and restart every sequence that was used.

    A superuser (the test server's `postgres`) deletes the rows with triggers off (the
    append-only triggers forbid DELETE; foreign keys need no order then), which costs far
    less than TRUNCATE's new files; any other role TRUNCATEs the filled tables.
    """
    names = [t.name for t in db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
    filled = conn.execute(text(probe)).scalars().all()
    if filled and conn.execute(text("SELECT current_setting('is_superuser') = 'on'")).scalar():
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in filled:
            conn.execute(text(f'DELETE FROM "{name}"'))
    elif filled:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in filled) + " CASCADE"))
    used_sequences = text(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
        "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    )
    used = conn.execute(used_sequences).scalars().all()
    if used:
        conn.execute(text("SELECT " + ", ".join(f"setval('{s}', 1, false)" for s in used)))


def pg_snapshot(conn, schema: str) -> None:  # noqa: ANN001
    """Keep a copy of every table of the public schema, and of each sequence's state, in `schema`
    of the same database, with a function that lays them back (`pg_restore`): a few
    milliseconds a table and one round trip, where `CREATE DATABASE ... TEMPLATE` and `DROP
    DATABASE` cost seconds on a busy disk (checkpoints)."""
    tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    for name in tables:
        conn.execute(text(f'CREATE TABLE "{schema}"."{name}" AS TABLE public."{name}"'))
    sequences = conn.execute(
        text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
    ).all()
    # Rows are deleted and written with triggers off (the append-only triggers forbid DELETE;
    # foreign keys need no order then): a superuser's right, as the test server's `postgres` has.
    steps = ["PERFORM set_config('session_replication_role', 'replica', true);"]
    steps += [f'DELETE FROM public."{name}";' for name in tables]
    filled = [n for n in tables if conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM public."{n}")')).scalar()]
    steps += [f'INSERT INTO public."{name}" SELECT * FROM "{schema}"."{name}";' for name in filled]
    steps += [
        f"PERFORM setval('public.\"{name}\"', {value or 1}, {'true' if value is not None else 'false'});"
        for name, value in sequences
    ]
    body = "\n  ".join(steps)
    conn.exec_driver_sql(
        f'CREATE FUNCTION "{schema}".restore() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n  {body}\nEND\n$body$'
    )


def pg_restore(conn, schema: str) -> None:  # noqa: ANN001
    """Make the public schema's rows and sequences what they were at `pg_snapshot(conn, schema)`."""
    conn.execute(text(f'SELECT "{schema}".restore()'))


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
        release_engine(db.engine)


# Per backend, this process's demo: its SQLite file or PostgreSQL database ("db") and its folders.
_demo_template: dict[str, dict[str, str]] = {}


def _file_folders(app: Flask) -> dict[str, str]:
    """The folders beside the database that the demo writes to: private count keys and uploads."""
    return {"keys": app.config["COUNT_KEY_FOLDER"], "uploads": app.config["UPLOAD_FOLDER"]}


def _backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def _copyable(database_url: str) -> bool:
    """A SQLite file or a PostgreSQL database; not an in-memory SQLite database."""
    return database_url.startswith("postgresql") or make_url(database_url).database not in (None, "", ":memory:")


def _lay_demo_copy(app: Flask, database_url: str) -> bool:
    """The demo is loaded through the services once per test process and copied for every later
    test: its database (a SQLite file, or a PostgreSQL database made with `CREATE DATABASE ...
    TEMPLATE`), count keys and uploads. About 3 s of CPU a test that uses it, 10-20 s on a loaded
    machine. False when there is no copy yet or it cannot be copied (an in-memory file)."""
    template = _demo_template.get(_backend(database_url))
    if not template or not _copyable(database_url):
        return False
    db.session.remove()
    db.engine.dispose()  # the last connection checkpoints the WAL into the file; PostgreSQL: none left open
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        for leftover in (f"{path}-wal", f"{path}-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        shutil.copyfile(template["db"], path)
    else:
        url = make_url(database_url)
        with _pg_admin(url) as admin:
            admin.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            admin.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template["db"]}"'))
    for name, folder in _file_folders(app).items():
        shutil.copytree(template[name], folder, dirs_exist_ok=True)
    return True


@contextmanager
def _pg_admin(url: URL) -> Iterator:
    """An autocommit connection to the server's `postgres` database (never to `url`'s own)."""
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _keep_demo_template(app: Flask, database_url: str) -> None:
    """Keep the demo just loaded (committed) as this process's template for its backend (a
    PostgreSQL template is dropped with the session's database, `pg_database_url`)."""
    if _backend(database_url) in _demo_template or not _copyable(database_url):
        return
    db.session.remove()
    db.engine.dispose()
    keep = tempfile.mkdtemp(prefix="ot-demo-")
    template: dict[str, str] = {}
    if database_url.startswith("sqlite"):
        template["db"] = shutil.copyfile(make_url(database_url).database, os.path.join(keep, "demo.sqlite3"))
    else:
        url = make_url(database_url)
        name = f"{url.database}_demo"
        try:
            with _pg_admin(url) as admin:
                admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
        except OperationalError:
            return  # another connection is open on the database: load the demo each time
        template["db"] = name
    for name, folder in _file_folders(app).items():
        template[name] = os.path.join(keep, name)
        if os.path.isdir(folder):
            shutil.copytree(folder, template[name])
        else:
            os.makedirs(template[name])
    _demo_template[_backend(database_url)] = template


@pytest.fixture
def demo(app, database_url):  # noqa: ANN001, ANN201
    """The demo data (tables at every stage), loaded through the real services; returns the rounds by slug.

    It is loaded once per test process and each later test gets a copy (`_lay_demo_copy`)."""
    from grants.demo import load_demo
    from grants.models import Round

    if not _lay_demo_copy(app, database_url):
        load_demo()
        db.session.commit()
        _keep_demo_template(app, database_url)
    return {r.slug: r for r in db.session.execute(select(Round)).scalars()}


class Client(FlaskClient):
    """A test client whose every request gets its own app context (its own `g` and
    database session), as in production, even while the test holds one open.

    Like a browser, it keeps the form token of the last page it was shown that had a form
    (`form_tokens`, by the session it belongs to), so `post_form` sends it without opening a
    page first; a new session (signing in or out) has no token until a page with a form is read."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.form_tokens: dict[str, str] = {}

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        # Read the whole body and close it, as a server does: a file sent with send_file is
        # otherwise left open until the response object is collected.
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own read transaction, so its next query sees what the request wrote.
        db.session.rollback()
        if response.mimetype == "text/html":
            found = CSRF_RE.search(response.get_data(as_text=True))
            session_token = _session_token(self)
            if found and session_token:
                self.form_tokens[session_token] = found.group(1)
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # noqa: ANN201
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _session_token(client: FlaskClient) -> str | None:
    """The secret every form token of the client's session signs (Flask-WTF keeps it in the
    session), read from the client's session cookie; None when there is none yet."""
    app = client.application
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    serializer = app.session_interface.get_signing_serializer(app)
    if cookie is None or serializer is None:
        return None
    try:
        return serializer.loads(cookie.value).get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    except BadSignature:
        return None


def csrf_token(client: FlaskClient, page: str | None = None) -> str:
    """The session's CSRF token, read from a form on `page` as a browser would.

    With no `page`, the token of the last form the client was shown in this session, if any
    (a browser posts the form it has); else one read from `/me` or `/login`."""
    if page is None:
        kept = getattr(client, "form_tokens", {}).get(_session_token(client) or "")
        if kept:
            return kept
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


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    """scripts/test's whole run (set-up, lint and tests), timed from its start."""
    started = os.environ.get("OT_TEST_STARTED", "")
    if started.isdigit() and not hasattr(config, "workerinput"):
        minutes, seconds = divmod(int(time.time()) - int(started), 60)
        terminalreporter.write_line(f"scripts/test took {minutes} min {seconds} s (set-up, lint and tests)")


def pytest_collection_finish(session) -> None:  # noqa: ANN001
    """Spend less of each test in the garbage collector (each worker, once its tests are collected).

    Everything alive by now (the app's and the test plugins' modules, the collected tests) lives
    to the end: frozen, the collector no longer walks it at every full collection. And a test
    allocates millions of short-lived objects (an app, requests, rows), so collections start
    after 100,000 allocations rather than 700. Garbage is still collected, less often; no test's
    outcome depends on when (a ResourceWarning is an error whenever it is raised). About a fifth
    of a cheap test's time, an eighth of the money and ballots folders'."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def pytest_configure(config) -> None:  # noqa: ANN001
    """Compile the translation catalogues once, before any worker starts (a bare `pytest` too)."""
    if not hasattr(config, "workerinput"):
        from grants.language.catalogues import compile_stale

        compile_stale()
