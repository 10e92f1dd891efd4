"""The restore drill in deploy/ really restores a backup of a PostgreSQL database."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import text

from grants.demo import load_demo
from grants.extensions import db
from tests.conftest import make_app
from tests.ops.workers import ROOT, process_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]


def test_backup_and_restore_drill(pg_database_url, tmp_path):
    app = make_app(pg_database_url)
    with app.app_context():
        load_demo()
        people = db.session.execute(text("SELECT count(*) FROM people")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    env = process_env(DATABASE_URL=pg_database_url, JOBS_URL="immediate", BACKUP_DIR=str(tmp_path / "backups"))

    backup = subprocess.run(  # noqa: S603
        [str(ROOT / "deploy" / "backup.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip()
    assert dump.endswith(".dump") and os.path.getsize(dump) > 0
    assert oct(os.stat(dump).st_mode & 0o777) == "0o600"  # personal data: the service account only

    drill = subprocess.run(  # noqa: S603
        [str(ROOT / "deploy" / "restore-drill.sh")], env=env, capture_output=True, text=True, timeout=300
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert f"people={people}" in drill.stdout
    assert "chain intact" in drill.stdout
    assert "Restore drill passed" in drill.stdout
    # Restoring a given dump file works too, and the scratch database is always dropped.
    again = subprocess.run(  # noqa: S603
        [str(ROOT / "deploy" / "restore-drill.sh"), dump], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr
    with app.app_context():
        left = db.session.execute(text("SELECT count(*) FROM pg_database WHERE datname LIKE 'ot_restore_drill_%'"))
        assert left.scalar_one() == 0
        db.session.remove()
        db.engine.dispose()
