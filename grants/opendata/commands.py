"""`flask open-data rebuild`: make the published files now."""

from __future__ import annotations

import click

from grants.opendata import bp
from grants.opendata.services import make_open_data_files
from grants.templating import format_datetime

bp.cli.help = "The published open-data files."


@bp.cli.command("rebuild")
def open_data_rebuild() -> None:
    """Make the 360Giving files again now (the worker does this within a minute of any change)."""
    made_at = make_open_data_files()
    click.echo(f"Made the 360Giving files from the data as at {format_datetime(made_at)}.")
