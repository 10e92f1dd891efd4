"""`flask reconcile` and `flask send-due-tranches`: the same services the views call."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from grants.extensions import db
from grants.models import PayoutMethod, Tranche, TrancheStatus
from grants.money import bp
from grants.money.gateway import get_gateway


@bp.cli.command("reconcile")
def reconcile_command() -> None:
    """Compare the ledger with Stripe's transfers, payouts and balance transactions."""
    from grants.money.reconcile import reconcile

    gateway = get_gateway()
    if gateway is None:
        raise click.ClickException("Stripe is not set up (no STRIPE_SECRET_KEY): nothing to reconcile.")
    mismatches = reconcile(gateway)
    for m in mismatches:
        click.echo(str(m))
    if mismatches:
        raise click.ClickException(f"{len(mismatches)} mismatch(es) between the ledger and Stripe.")
    click.echo("The ledger and Stripe agree.")


@bp.cli.command("send-due-tranches")
def send_due_tranches() -> None:
    """Send every Stripe tranche that is due or still processing (run from cron or a worker)."""
    from grants.money.payouts import send_tranche

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
