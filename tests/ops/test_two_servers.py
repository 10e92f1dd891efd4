"""Two gunicorn servers side by side against one PostgreSQL and one Redis: a person signs in
on one and carries on on the other (sessions are signed cookies under one SECRET_KEY, so
nothing lives in one process's memory), ballots cast through both are never doubled, and
both servers feed the same job queue."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import uuid
from http.cookiejar import CookieJar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from sqlalchemy import func, select

from grants.demo import DEMO_PASSWORD, load_demo
from grants.extensions import db
from grants.jobs import huey
from grants.jobs import init_app as init_jobs
from grants.models import Notification, Participation, Round
from tests.conftest import make_app
from tests.jobs.test_crash_recovery import redis_available
from tests.ops.smtp_server import free_port
from tests.ops.workers import ROOT, process_env, stop
from tests.sealed import sealed_ballots

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SLUG = "creative-recovery-table"  # the demo table that is open for voting


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


class Browser:
    """A browser's cookie jar; cookies for 127.0.0.1 go to every port, as in a real browser."""

    def __init__(self) -> None:
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect())

    def _open(self, request: Request) -> tuple[int, str, dict]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)

    def get(self, url: str) -> tuple[int, str, dict]:
        return self._open(Request(url))

    def post(self, url: str, data: list[tuple[str, str]]) -> tuple[int, str, dict]:
        return self._open(Request(url, data=urlencode(data).encode(), method="POST"))

    def token(self, url: str) -> str:
        status, body, _ = self.get(url)
        assert status == 200, (url, status)
        return CSRF.search(body).group(1)


def _start_server(port: int, log_path, settings: dict) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=process_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", **settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc


def _wait_ready(base: str, proc: subprocess.Popen, log_path) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()
        try:
            status, body, _ = Browser().get(f"{base}/healthz")
            if status == 200:
                import json

                return json.loads(body)
        except URLError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not become ready:\n{log_path.read_text()}")


def test_two_servers_share_sessions_queue_and_ballots(pg_database_url, tmp_path):
    if not redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    jobs = {"JOBS_URL": "redis://127.0.0.1:6379/0", "JOBS_NAME": f"ot-two-{uuid.uuid4().hex[:8]}"}
    app = make_app(pg_database_url)  # demo data written with jobs run in-process
    with app.app_context():
        load_demo()
        round_id = db.session.execute(select(Round.id).where(Round.slug == SLUG)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    # From here on this process watches the shared Redis queue too (make_app again would empty the tables).
    app.config.update(jobs)
    init_jobs(app)
    settings = {"DATABASE_URL": pg_database_url, **jobs}
    ports = [free_port(), free_port()]
    servers = []
    try:
        for i, port in enumerate(ports):
            servers.append(_start_server(port, tmp_path / f"web{i}.log", settings))
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        for base, proc, i in zip((a, b), servers, range(2), strict=True):
            health = _wait_ready(base, proc, tmp_path / f"web{i}.log")
            assert health["jobs"]["backend"] == "redis" and health["database"]["status"] == "ok"

        voters = ["panel", "panel1", "panel3", "panel4", "panel5"]
        for n, name in enumerate(voters):
            first, second = (a, b) if n % 2 == 0 else (b, a)
            browser = Browser()
            # Sign in on one server...
            token = browser.token(f"{first}/login")
            status, _, headers = browser.post(
                f"{first}/login",
                [("csrf_token", token), ("email", f"{name}@example.org"), ("password", DEMO_PASSWORD)],
            )
            assert status == 302, (name, status, " ".join(re.sub(r"<[^>]+>", " ", _).split())[:800], headers)
            # ...and carry on on the other: the ballot paper, then check your answers.
            status, paper, _ = browser.get(f"{second}/vote/{SLUG}")
            assert status == 200, (name, status)
            choice = re.search(r'name="proposal"[^>]*value="(\d+)"', paper).group(1)
            token = CSRF.search(paper).group(1)
            status, check, _ = browser.post(f"{second}/vote/{SLUG}", [("csrf_token", token), ("proposal", choice)])
            assert status == 200 and "cast" in check.lower(), (name, status)
            # Cast through both servers at the same moment: exactly one ballot counts.
            results: dict[str, tuple[int, str, dict]] = {}

            def cast(base: str, browser=browser, token=token, choice=choice, results=results) -> None:
                results[base] = browser.post(f"{base}/vote/{SLUG}/cast", [("csrf_token", token), ("proposal", choice)])

            threads = [threading.Thread(target=cast, args=(base,)) for base in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            locations = sorted(r[2].get("Location", "") for r in results.values())
            assert [r[0] for r in results.values()] == [302, 302], results
            assert sum(loc.endswith(f"/vote/{SLUG}/receipt") for loc in locations) == 1, locations
            # The receipt, kept in the signed session cookie, shows on either server.
            status, receipt, _ = browser.get(f"{second}/vote/{SLUG}/receipt")
            assert status == 200
            # A third try on either server is refused.
            status, _, headers = browser.post(
                f"{first}/vote/{SLUG}/cast", [("csrf_token", token), ("proposal", choice)]
            )
            assert status == 302 and not headers["Location"].endswith("/receipt")

        with app.app_context():
            # Sealed to the table's count key until the close (the servers need only its public half).
            ballots = len(sealed_ballots(round_id))
            seats = db.session.execute(
                select(func.count(Participation.id)).where(Participation.round_id == round_id)
            ).scalar_one()
            assert ballots == seats == 1 + len(voters)  # the demo's one earlier ballot, plus one each

            # Both servers feed the one queue: a reset asked for on A waits in Redis, seen by B.
            huey.storage.flush_queue()
            browser = Browser()
            token = browser.token(f"{a}/password-reset")
            assert (
                browser.post(f"{a}/password-reset", [("csrf_token", token), ("email", "member@example.org")])[0] == 302
            )
            status, body, _ = browser.get(f"{b}/healthz")
            assert status == 200 and '"queued":1' in body.replace(" ", "")
            assert huey.pending_count() == 1
            db.session.rollback()
            assert (
                db.session.execute(
                    select(Notification.email_state).where(Notification.event == "password_reset")
                ).scalar_one()
                == "pending"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        for proc in servers:
            stop(proc)
        with app.app_context():
            huey.storage.flush_all()
