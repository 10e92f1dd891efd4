"""`flask rounds ...`: run tables from the command line, through the same use cases as the pages and the worker.

`flask rounds close-voting` is ballots' (grants/ballots/commands.py): closing the vote is deciding."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from grants.rounds import bp, timetable

bp.cli.help = "Run tables from the command line."


@bp.cli.command("tick")
def tick() -> None:
    """Move every table on whose timetable says it is due (the worker also does this every five minutes)."""
    for move in timetable.move_due(datetime.now(UTC)):
        if move.moved:
            click.echo(f"{move.slug}: {move.message}")
        else:
            click.echo(f"{move.slug}: not moved on: {move.message}", err=True)
