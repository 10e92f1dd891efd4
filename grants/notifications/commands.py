"""`flask mail ...`: e-mail notifications, through the same use cases as the worker.

`flask mail reports-due` is updates' (grants/updates/commands.py): the report notes are theirs."""

from __future__ import annotations

import click

from grants.jobs import retry_now
from grants.models import Notification
from grants.models._base import utcnow
from grants.notifications import bp
from grants.notifications.reminders import remind_panels

bp.cli.help = "E-mail notifications."


@bp.cli.command("resend")
@click.argument("notification_id", type=int)
def mail_resend(notification_id: int) -> None:
    """Send a failed e-mail again."""
    if not retry_now(Notification, notification_id):
        raise click.ClickException(f"E-mail {notification_id} has not failed (or does not exist).")
    click.echo(f"E-mail {notification_id} queued again.")


@bp.cli.command("remind")
def mail_remind() -> None:
    """Remind panel members whose vote closes within two days (the worker does this at 09:00)."""
    click.echo(f"{remind_panels(utcnow())} reminders written.")
