"""The test harness's own shortcuts (tests/conftest.py) change nothing a test can see: an app
whose URL rules were parsed once per process routes and builds as one parsed afresh, and apps
that share a PostgreSQL engine still each start from empty tables."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import create_engine, func, make_url, select, text
from werkzeug.routing.rules import Rule

from config import TestConfig
from grants import create_app
from grants.extensions import db
from grants.models import Person
from tests import factories
from tests.conftest import _SHARED_ENGINES, BACKENDS, make_app, pg_database, release_engine


def _rules(app) -> list[tuple]:  # noqa: ANN001
    return sorted(
        (
            r.rule,
            r.endpoint,
            r._parts,
            r._trace,
            sorted(r.arguments),
            [(k, type(c), c.regex) for k, c in r._converters.items()],
        )
        for r in app.url_map.iter_rules()
    )


def test_url_rules_parsed_once_are_the_rules_parsed_afresh(monkeypatch) -> None:
    create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})  # the first app parses; later ones reuse
    cached = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setattr(Rule, "_parse_rule", Rule._parse_rule.original)
    fresh = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(_rules(fresh)) > 150
    assert _rules(cached) == _rules(fresh)
    # Each rule's converters are its own, made for its own app's map.
    for rule in cached.url_map.iter_rules():
        assert all(c.map is cached.url_map for c in rule._converters.values())
    with cached.test_request_context():
        assert url_for("public.round", slug="a-table") == "/tables/a-table"


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="TEST_DATABASE_URL is not set")
def test_apps_on_one_postgresql_database_share_connections_but_not_rows(pg_database_url) -> None:
    first = make_app(pg_database_url)
    with first.app_context():
        factories.person("Kept only by the first app")
        db.session.commit()
        engine = db.engine
        assert engine in _SHARED_ENGINES.values()
        db.session.remove()
    second = make_app(pg_database_url)
    with second.app_context():
        assert db.engine is engine  # the same connections, kept open
        assert db.session.execute(select(func.count(Person.id))).scalar_one() == 0  # the rows are gone
        # A connection the server closed (a database dropped and made again) is replaced, not used.
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()
        other = create_engine(pg_database_url)
        with other.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        other.dispose()
        assert db.session.execute(select(func.count(Person.id))).scalar_one() == 0
        db.session.remove()


def test_a_database_dropped_and_made_again_gets_its_schema_again(pg_database_url) -> None:
    """The world's PostgreSQL template is dropped and built again when a process's tests come back
    to it (work stolen between workers can interleave the backends): its new, empty database must
    get the schema, though an app on the same URL built it before."""
    server = make_url(pg_database_url)
    name = f"{server.database}_again"
    for _time in range(2):
        with pg_database(server, name) as url:
            app = make_app(url)
            with app.app_context():
                assert db.session.execute(select(func.count(Person.id))).scalar_one() == 0
                db.session.remove()
                release_engine(db.engine)


def test_sqlite_apps_share_compiled_statements_but_not_files(tmp_path) -> None:  # noqa: ANN001
    count = select(func.count(Person.id))
    first = make_app(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    with first.app_context():
        factories.person("Only in the first file")
        db.session.commit()
        assert db.session.execute(count).scalar_one() == 1
        first_engine = db.engine
        db.session.remove()
    second = make_app(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    with second.app_context():
        assert db.engine is not first_engine and db.engine.url.database.endswith("two.sqlite3")
        assert db.engine._compiled_cache is first_engine._compiled_cache
        compiled = len(db.engine._compiled_cache)
        assert db.session.execute(count).scalar_one() == 0  # its own file, its own rows
        assert len(db.engine._compiled_cache) == compiled  # the SQL compiled for the first app was used
        db.session.remove()
    for app in (first, second):
        with app.app_context():
            release_engine(db.engine)
