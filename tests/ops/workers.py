"""Start real worker and web server processes for the tests, and always stop them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config import TestConfig
from grants.audit.log import key_from_secret as audit_key_from_secret
from grants.secrets_at_rest import key_from_secret

ROOT = Path(__file__).resolve().parents[2]


def process_env(**settings: str) -> dict[str, str]:
    """The environment for a child process: development config, plus the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "JOBS_", "DATABASE_URL"))}
    env.update(
        FLASK_APP="wsgi",
        OUR_TABLES_ENV="development",
        SECRET_KEY="two-servers-share-this-secret-key-0123456789",
        # The data key the test process itself uses, so a child reads the bank details it wrote.
        DATA_KEYS=key_from_secret(TestConfig.SECRET_KEY),
        # The audit chain's key the test process uses, so entries written by either verify.
        AUDIT_KEY=audit_key_from_secret(TestConfig.SECRET_KEY),
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def start_worker(log_path: Path, **settings: str) -> subprocess.Popen:
    """`flask worker` in its own process, its output in `log_path`."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed by the process wrapper below
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "worker", "--workers", "1"],
        cwd=ROOT,
        env=process_env(**settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc


def stop(proc: subprocess.Popen | None) -> None:
    """Stop a child process we started (politely, then firmly)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
