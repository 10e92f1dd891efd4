"""`flask` commands for running the service: the worker, the outbox, administrators.

(Each feature registers its own: `flask rounds ...` in grants/rounds/commands.py, `flask mail ...`
in grants/notifications/commands.py, `flask reconcile` in grants/money/commands.py, `flask
open-data ...` in grants/opendata/commands.py; `flask audit`, `data` and `demo` in grants/cli.py.)
"""

from __future__ import annotations

import logging

import click
from sqlalchemy import select

from grants import audit
from grants.auth.services import find_person_by_email, register_person
from grants.core import DomainError, transaction
from grants.extensions import db
from grants.jobs import huey, relay, retry_now
from grants.models import Notification, OutboxJob, Person
from grants.ops import bp


@bp.cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="How many jobs run at once (threads).")
@click.option("--no-periodic", is_flag=True, help="Do not run the every-minute relay here (run it elsewhere).")
def worker(workers: int, no_periodic: bool) -> None:
    """Run the background worker: sends e-mail and runs queued jobs until stopped."""
    # The app factory has imported every feature, so every job is registered by now.
    logging.getLogger("huey").setLevel(logging.INFO)
    # A worker that starts after a crash first queues whatever was left behind.
    found = relay()
    click.echo(f"Worker starting ({type(huey.storage).__name__}); re-queued {found}.")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic)
    consumer.run()


@bp.cli.group("jobs")
def jobs_cli() -> None:
    """Background jobs and e-mail delivery."""


@jobs_cli.command("relay")
def jobs_relay() -> None:
    """Queue every e-mail and job that is due and not held by a live worker."""
    click.echo(f"Queued {relay()}.")


@jobs_cli.command("failed")
def jobs_failed() -> None:
    """List e-mails and jobs that failed after every retry."""
    notes = db.session.execute(select(Notification).where(Notification.email_state == "failed")).scalars().all()
    jobs = db.session.execute(select(OutboxJob).where(OutboxJob.state == "failed")).scalars().all()
    for n in notes:
        click.echo(f"e-mail {n.id}\t{n.event}\t{n.email_attempts} tries\t{n.email_error}")
    for j in jobs:
        click.echo(f"job {j.id}\t{j.kind}\t{j.key}\t{j.attempts} tries\t{j.error}")
    if not notes and not jobs:
        click.echo("Nothing has failed.")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id: int) -> None:
    """Run a failed background job again."""
    if not retry_now(OutboxJob, job_id):
        raise click.ClickException(f"Job {job_id} has not failed (or does not exist).")
    click.echo(f"Job {job_id} queued again.")


@bp.cli.group("admin")
def admin_cli() -> None:
    """Administrators."""


@admin_cli.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Display name for a new account.")
@click.password_option(help="Password for a new account (asked for if not given).", prompt=False)
def admin_create(email: str, name: str | None, password: str | None) -> None:
    """Make a person an administrator, creating the account if there is none."""
    person = find_person_by_email(email)
    if person is None:
        if not password:
            password = click.prompt("Password for the new account", hide_input=True, confirmation_prompt=True)
        try:
            person = register_person(email=email, display_name=name or email.split("@")[0], password=password)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    with transaction() as session:
        row = session.get(Person, person.id)
        row.is_admin = True
        audit.record(
            "admin_granted",
            "An administrator was added from the command line.",
            actor_id=None,
            details={"person": row.id},
        )
    click.echo(f"{email} is an administrator.")
