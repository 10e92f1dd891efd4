"""`flask rounds close-voting`: closing the vote from the command line, through the same use case as the page.

Closing the vote is deciding, so the command lives here; it keeps its place among the table's
commands (`flask rounds ...`, grants/rounds/commands.py)."""

from __future__ import annotations

import click
from sqlalchemy import select

from grants.ballots import closing
from grants.core import DomainError
from grants.extensions import db
from grants.models import Round
from grants.rounds import bp as rounds_bp
from grants.rounds import services


@rounds_bp.cli.command("close-voting")
@click.argument("slug")
def close_voting(slug: str) -> None:
    """Close voting on a table and count the ballots."""
    rnd = db.session.execute(select(Round).where(Round.slug == slug)).scalar_one_or_none()
    if rnd is None:
        raise click.ClickException(f"No table called {slug!r}.")
    if rnd.is_voting and (early := services.early_move(rnd, "close")) is not None:
        # Closing before the published date needs a convenor's reason on the timetable (issue 15).
        raise click.ClickException(
            f"Voting is published to close on {early.scheduled:%d %B %Y}. A convenor can close it sooner from "
            "the table's page, giving the reason shown on the timetable; the worker closes it on the day."
        )
    try:
        result = closing.close_voting(person=None, round_id=rnd.id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(result.summary)
