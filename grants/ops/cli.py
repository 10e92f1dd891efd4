"""`flask` commands for running the service: the worker, the outbox, administrators.

(`flask rounds tick` and `flask audit verify` live in grants/cli.py; `flask reconcile` in
grants/money/commands.py.)
"""

from __future__ import annotations

import logging

import click
from flask import Flask
from sqlalchemy import select

from grants.extensions import db


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="How many jobs run at once (threads).")
    @click.option("--no-periodic", is_flag=True, help="Do not run the every-minute relay here (run it elsewhere).")
    def worker(workers: int, no_periodic: bool) -> None:
        """Run the background worker: sends e-mail and runs queued jobs until stopped."""
        from grants.jobs import (
            huey,
            relay,
            tasks,  # noqa: F401 - registers the tasks
        )

        logging.getLogger("huey").setLevel(logging.INFO)
        # A worker that starts after a crash first queues whatever was left behind.
        found = relay()
        click.echo(f"Worker starting ({type(huey.storage).__name__}); re-queued {found}.")
        consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic)
        consumer.run()

    @app.cli.group("jobs")
    def jobs_cli() -> None:
        """Background jobs and e-mail delivery."""

    @jobs_cli.command("relay")
    def jobs_relay() -> None:
        """Queue every e-mail and job that is due and not held by a live worker."""
        from grants.jobs import relay

        click.echo(f"Queued {relay()}.")

    @jobs_cli.command("failed")
    def jobs_failed() -> None:
        """List e-mails and jobs that failed after every retry."""
        from grants.models import Notification, OutboxJob

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
        from grants.jobs.outbox import retry_now
        from grants.models import OutboxJob

        if not retry_now(OutboxJob, job_id):
            raise click.ClickException(f"Job {job_id} has not failed (or does not exist).")
        click.echo(f"Job {job_id} queued again.")

    @app.cli.group("mail")
    def mail_cli() -> None:
        """E-mail notifications."""

    @mail_cli.command("resend")
    @click.argument("notification_id", type=int)
    def mail_resend(notification_id: int) -> None:
        """Send a failed e-mail again."""
        from grants.jobs.outbox import retry_now
        from grants.models import Notification

        if not retry_now(Notification, notification_id):
            raise click.ClickException(f"E-mail {notification_id} has not failed (or does not exist).")
        click.echo(f"E-mail {notification_id} queued again.")

    @mail_cli.command("remind")
    def mail_remind() -> None:
        """Remind panel members whose vote closes within two days (the worker does this at 09:00)."""
        from grants.models._base import utcnow
        from grants.notifications.reminders import remind_panels

        click.echo(f"{remind_panels(utcnow())} reminders written.")

    @mail_cli.command("reports-due")
    def mail_reports_due() -> None:
        """Tell groups' leads that an end-of-grant report has fallen due (the worker does this at 10:00)."""
        from grants.models._base import utcnow
        from grants.updates.services import send_report_due_notices

        click.echo(f"{send_report_due_notices(utcnow().date())} report notes written.")

    @app.cli.group("admin")
    def admin_cli() -> None:
        """Administrators."""

    @admin_cli.command("create")
    @click.argument("email")
    @click.option("--name", default=None, help="Display name for a new account.")
    @click.password_option(help="Password for a new account (asked for if not given).", prompt=False)
    def admin_create(email: str, name: str | None, password: str | None) -> None:
        """Make a person an administrator, creating the account if there is none."""
        from grants.auth.services import find_person_by_email, register_person
        from grants.core import DomainError, transaction

        person = find_person_by_email(email)
        if person is None:
            if not password:
                password = click.prompt("Password for the new account", hide_input=True, confirmation_prompt=True)
            try:
                person = register_person(email=email, display_name=name or email.split("@")[0], password=password)
            except DomainError as exc:
                raise click.ClickException(exc.message) from exc
        from grants import audit
        from grants.models import Person

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
