"""`flask reconcile` and `flask send-due-tranches`: the same services the views and the worker call."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from grants.core import DomainError
from grants.extensions import db
from grants.models import PayoutMethod, Tranche, TrancheStatus
from grants.models._base import utcnow
from grants.money import bp
from grants.money.gateway import get_gateway
from grants.money.payouts import send_tranche
from grants.money.reconcile import reconcile, schedule_reconcile  # also registers the "reconcile" job


@bp.cli.command("reconcile")
@click.option("--now", is_flag=True, help="Compare here and print every mismatch, instead of in the background.")
@click.option("--run", "run_name", default=None, help="Name of the run; a run already recorded is not repeated.")
def reconcile_command(now: bool, run_name: str | None) -> None:
    """Check the ledger against itself and, where Stripe is set up, against Stripe's transfers,
    payouts and balance transactions."""
    gateway = get_gateway()
    if not now:
        try:
            job, new = schedule_reconcile(run_name or f"manual-{utcnow():%Y-%m-%dT%H%M}")
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        if new:
            click.echo(
                f"Reconcile queued as background job {job.id} ({job.key}). Any mismatch goes to the "
                "administrators, the tables' treasurers and convenors, and the log; `flask jobs failed` "
                "lists a run that could not finish."
            )
        else:
            click.echo(f"The run {job.key} was already recorded (job {job.id}, {job.state}); it is not repeated.")
        return
    mismatches = reconcile(gateway)
    for m in mismatches:
        click.echo(str(m))
    if mismatches:
        raise click.ClickException(f"{len(mismatches)} mismatch(es) between the ledger and Stripe.")
    if gateway is None:
        click.echo("The ledger agrees with itself (Stripe is not set up here, so there is nothing to compare with it).")
    else:
        click.echo("The ledger and Stripe agree.")


@bp.cli.command("send-due-tranches")
def send_due_tranches() -> None:
    """Send every Stripe tranche that is due or still processing (run from cron or a worker)."""

    if get_gateway() is None:
        raise click.ClickException("Stripe is not set up (no STRIPE_SECRET_KEY).")
    ids = (
        db.session.execute(
            select(Tranche.id).where(
                Tranche.method == PayoutMethod.STRIPE,
                Tranche.status.in_([TrancheStatus.SCHEDULED, TrancheStatus.PROCESSING]),
                Tranche.due_on <= date.today(),
            )
        )
        .scalars()
        .all()
    )
    for tranche_id in ids:
        click.echo(f"tranche {tranche_id}: {send_tranche(tranche_id).value}")
