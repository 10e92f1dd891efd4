"""`flask mail reports-due`: the end-of-grant report notes, through the same use case as the worker.

The notes are updates' (grants/updates/services.py), so the command lives here; it keeps its
place among the e-mail commands (`flask mail ...`, grants/notifications/commands.py)."""

from __future__ import annotations

import click

from grants.models._base import utcnow
from grants.notifications import bp as notifications_bp
from grants.updates.services import send_report_due_notices


@notifications_bp.cli.command("reports-due")
def mail_reports_due() -> None:
    """Tell groups' leads that an end-of-grant report has fallen due (the worker does this at 10:00)."""
    click.echo(f"{send_report_due_notices(utcnow().date())} report notes written.")
