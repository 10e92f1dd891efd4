"""Background jobs by name (issue 13): each feature registers its own, the app factory imports
the modules that do, and work stored under a job's old name still runs after an upgrade."""

from __future__ import annotations

import re
from pathlib import Path

from config import TestConfig
from grants import JOB_MODULES, create_app
from grants.jobs import huey, registry

PACKAGE = Path(__file__).resolve().parent.parent.parent / "grants"
REGISTERS = re.compile(r"^@jobs\.(job|periodic|runner)\(", re.M)

# What the queue held before features named their own jobs ("grants.jobs.tasks.<name>"): a
# message already queued under one of these must still find its task after an upgrade.
HUEY_NAMES_BEFORE = {
    "deliver_notification",
    "run_outbox_job",
    "relay_outbox",
    "remind_panels",
    "report_due_notices",
    "reconcile_stripe",
    "send_due_tranches",
    "move_tables_on",
}
# And the kinds of outbox rows already in a database.
OUTBOX_KINDS_BEFORE = {"send_tranche", "stripe_webhook", "reconcile", "make_open_data_files"}


def _app(tmp_path):  # noqa: ANN001, ANN202
    return create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'jobs.sqlite3'}"})


def test_the_modules_that_register_jobs_are_the_ones_the_factory_imports():
    """A feature that registers a job in a module the factory does not import would never run it."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if REGISTERS.search(path.read_text()):
            found.add(".".join(("grants", *path.relative_to(PACKAGE).with_suffix("").parts)))
    assert found == set(JOB_MODULES)


def test_every_job_is_registered_under_its_feature_s_name(tmp_path):
    _app(tmp_path)
    names = set(registry.HANDLERS) | set(registry.PERIODIC) | set(registry.RUNNERS)
    assert {
        "money.send_tranche",
        "money.stripe_webhook",
        "money.reconcile",
        "money.reconcile_daily",
        "money.send_due_tranches",
        "opendata.make_files",
        "notifications.deliver",
        "notifications.remind_panels",
        "updates.report_due_notices",
        "rounds.move_tables_on",
        "decisions.import_pb",
    } <= names
    assert all("." in name for name in names - {"test_transfer"})


def test_work_queued_under_the_old_names_still_finds_its_job(tmp_path):
    _app(tmp_path)
    queued = {name.removeprefix("grants.jobs.tasks.") for name in huey._registry._registry}
    assert HUEY_NAMES_BEFORE <= queued
    for kind in OUTBOX_KINDS_BEFORE:
        assert registry.handler_for(kind) is not None, kind
