"""Readiness, structured request logs without personal data, and proxy headers."""

from __future__ import annotations

import json

from flask import request
from sqlalchemy import update

from grants.extensions import db
from grants.models import Notification
from grants.security import public
from tests import factories
from tests.conftest import login, make_app, post_form
from tests.ops.smtp_server import free_port


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok"}
    assert body["jobs"]["status"] == "ok" and body["jobs"]["backend"] == "memory"
    assert body["outbox"] == {"emails_waiting": 0, "emails_failed": 0, "jobs_failed": 0}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_counts_failed_emails_without_saying_whose(client):
    person = factories.person("Rae")
    from grants.core import transaction
    from grants.notifications import notify

    with transaction():
        notify([person.id], "result", "The result", "Decided.")
    db.session.execute(update(Notification).values(email_state="failed"))
    db.session.commit()
    response = client.get("/healthz")
    assert response.get_json()["outbox"]["emails_failed"] == 1
    assert person.email not in response.get_data(as_text=True)


def test_healthz_is_503_when_the_queue_is_down(database_url, tmp_path):
    # Nothing listens on this port, so the Redis queue cannot answer.
    app = make_app(database_url, JOBS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context():
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "error" and body["jobs"]["status"] == "error"
        assert body["database"] == {"status": "ok"}
        db.session.remove()
        db.engine.dispose()


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    with app.app_context():
        db.engine.dispose()
    (tmp_path / "gone.sqlite3").unlink()
    (tmp_path / "gone.sqlite3").mkdir()  # a directory where the database file was: it cannot open
    with app.app_context():
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["database"]["status"] == "error"
        db.session.remove()
        db.engine.dispose()


def test_one_json_line_per_request_with_no_personal_data(client, caplog):
    person = factories.person("Rae")
    caplog.set_level("INFO", logger="grants.requests")
    login(client, person.email)
    client.get(
        "/password-reset/secret-token-abc?next=/tables/private-thing", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "grants.requests"]
    assert lines, "no request log lines"
    for line in lines:
        assert set(line) == {"event", "request_id", "method", "endpoint", "status", "duration_ms"}
        assert isinstance(line["duration_ms"], float)
    endpoints = [(line["method"], line["endpoint"], line["status"]) for line in lines]
    assert ("POST", "auth.login", 302) in endpoints
    assert ("GET", "auth.reset_password", 200) in endpoints
    logged = caplog.text
    for secret in (person.email, "secret-token-abc", "private-thing", "203.0.113.9", "correct horse"):
        assert secret not in logged


def test_request_id_is_passed_through_or_made(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc12345-from-nginx"})
    assert response.headers["X-Request-ID"] == "abc12345-from-nginx"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert len(made) == 32 and "<" not in made


def _echo_app(database_url: str, **overrides):
    app = make_app(database_url, **overrides)

    @public
    def echo() -> dict:
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    app.add_url_rule("/_echo", "echo", echo)
    return app


def test_proxy_headers_are_ignored_unless_proxy_fix_hops_is_set(database_url):
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "tables.org"}
    plain = _echo_app(database_url)
    with plain.app_context():
        body = plain.test_client().get("/_echo", headers=headers).get_json()
        assert body == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}
        db.engine.dispose()
    behind = _echo_app(database_url, PROXY_FIX_HOPS=1)
    with behind.app_context():
        body = behind.test_client().get("/_echo", headers=headers).get_json()
        # The forwarded host is never trusted: links come from SITE_URL (issue 16).
        assert body == {"addr": "198.51.100.7", "scheme": "https", "host": "localhost"}
        # With one proxy, only the last hop counts: a forged earlier address is ignored.
        forged = {**headers, "X-Forwarded-For": "10.0.0.1, 198.51.100.7"}
        assert behind.test_client().get("/_echo", headers=forged).get_json()["addr"] == "198.51.100.7"
        db.engine.dispose()


def test_csrf_still_guards_posts_after_logging(client):
    # The logging hooks must not change responses: a POST without a token is still refused.
    person = factories.person("Rae")
    login(client, person.email)
    assert client.post("/notifications/read-all").status_code == 400
    assert post_form(client, "/notifications/read-all", page="/notifications").status_code == 302
