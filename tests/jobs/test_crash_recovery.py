"""A worker killed mid-batch: another worker finishes its jobs, and every e-mail arrives
at the SMTP server exactly once. Runs with the SQLite queue and with Redis, on each database."""

from __future__ import annotations

import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from grants.core import transaction
from grants.extensions import db
from grants.jobs import huey
from grants.models import Notification
from grants.notifications import notify
from tests import factories
from tests.conftest import make_app
from tests.ops.smtp_server import smtp_server
from tests.ops.workers import start_worker, stop

LEASE = 3.0


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_a_crashed_workers_emails_arrive_once_after_restart(database_url, tmp_path, queue):
    if queue == "redis" and not redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    jobs_url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}" if queue == "sqlite" else "redis://127.0.0.1:6379/0"
    jobs_name = f"ot-test-{uuid.uuid4().hex[:8]}"
    first = second = None
    with smtp_server() as (inbox, port):
        settings = {
            "DATABASE_URL": database_url,
            "JOBS_URL": jobs_url,
            "JOBS_NAME": jobs_name,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
            "JOBS_LEASE_SECONDS": str(LEASE),
        }
        app = make_app(database_url, JOBS_URL=jobs_url, JOBS_NAME=jobs_name, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            with app.app_context():
                people = [factories.person(f"Person {i}") for i in range(6)]
                with transaction():
                    notes = notify([p.id for p in people], "result", "The result is in", "The panel has decided.")
                ids = [n.id for n in notes]
                assert huey.pending_count() >= len(ids)  # queued after the commit, nothing sent yet
                assert inbox.messages == []

                # The first worker sends two, then is killed while the server is taking the third.
                inbox.stall_at = 3
                first = start_worker(tmp_path / "worker1.log", **settings)
                assert inbox.stalled.wait(60), (tmp_path / "worker1.log").read_text()
                first.kill()
                first.wait(timeout=10)
                inbox.release.set()
                assert len(inbox.messages) == 2
                db.session.rollback()
                states = Counter(db.session.execute(select(Notification.email_state)).scalars())
                assert states == {"sent": 2, "sending": 1, "pending": 3}

                # Restarted once the dead worker's claim has lapsed, another worker finishes the batch.
                time.sleep(LEASE + 0.5)
                second = start_worker(tmp_path / "worker2.log", **settings)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    db.session.rollback()
                    states = Counter(db.session.execute(select(Notification.email_state)).scalars())
                    if states == {"sent": len(ids)}:
                        break
                    time.sleep(0.2)
                assert states == {"sent": len(ids)}, (tmp_path / "worker2.log").read_text()
                time.sleep(1.0)  # anything duplicated would arrive now
                by_id = Counter(m["Message-ID"].split(".")[0] for m in inbox.messages)
                assert by_id == {f"<notification-{i}": 1 for i in ids}
                assert sorted(m["To"] for m in inbox.messages) == sorted(p.email for p in people)
                attempts = dict(db.session.execute(select(Notification.id, Notification.email_attempts)).all())
                assert sorted(attempts.values()) == [1, 1, 1, 1, 1, 2]  # only the interrupted one went twice
        finally:
            stop(first)
            stop(second)
            with app.app_context():
                huey.storage.flush_all()
                db.session.remove()
                db.engine.dispose()
