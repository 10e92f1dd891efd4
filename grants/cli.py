"""`flask` commands. They call the same services as the views."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask
from sqlalchemy import select

from grants.core import DomainError
from grants.extensions import db
from grants.models import Round


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.group("rounds")
    def rounds_cli() -> None:
        """Run tables from the command line."""

    @rounds_cli.command("close-voting")
    @click.argument("slug")
    def close_voting(slug: str) -> None:
        """Close voting on a table and count the ballots."""
        from grants.ballots.closing import close_voting as close

        rnd = db.session.execute(select(Round).where(Round.slug == slug)).scalar_one_or_none()
        if rnd is None:
            raise click.ClickException(f"No table called {slug!r}.")
        from grants.rounds.services import early_move

        if rnd.is_voting and (early := early_move(rnd, "close")) is not None:
            # Closing before the published date needs a convenor's reason on the timetable (issue 15).
            raise click.ClickException(
                f"Voting is published to close on {early.scheduled:%d %B %Y}. A convenor can close it sooner from "
                "the table's page, giving the reason shown on the timetable; the worker closes it on the day."
            )
        try:
            result = close(person=None, round_id=rnd.id)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(result.summary)

    @rounds_cli.command("tick")
    def tick() -> None:
        """Move every table on whose timetable says it is due (the worker also does this every five minutes)."""
        from grants.rounds.timetable import move_due

        for move in move_due(datetime.now(UTC)):
            if move.moved:
                click.echo(f"{move.slug}: {move.message}")
            else:
                click.echo(f"{move.slug}: not moved on: {move.message}", err=True)

    @app.cli.group("data")
    def data_cli() -> None:
        """Data encrypted at rest (bank details)."""

    @data_cli.command("rekey")
    def data_rekey() -> None:
        """Encrypt every stored bank detail again under the first key in DATA_KEYS."""
        from grants.secrets_at_rest import rekey

        click.echo(f"{rekey()} stored values encrypted under the first key.")

    @app.cli.group("audit")
    def audit_cli() -> None:
        """The audit log of sensitive actions."""

    @audit_cli.command("verify")
    @click.option(
        "--head",
        "heads",
        multiple=True,
        help="A head kept earlier (from a table's record, the feed or the open data), as N:HASH. Repeatable.",
    )
    def audit_verify(heads: tuple[str, ...]) -> None:
        """Check that the audit log's keyed chain is intact, and still holds any head you kept."""
        from grants.audit import verify

        try:
            ok, message = verify(list(heads))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--head") from exc
        click.echo(message)
        if not ok:
            raise SystemExit(1)

    @audit_cli.command("rekey")
    def audit_rekey() -> None:
        """Seal the whole chain again under the AUDIT_KEY now set (after changing it). Every head
        published before stops matching: say so where they were published."""
        from grants.audit.log import rekey_chain
        from grants.core import transaction

        with transaction() as session:
            count = rekey_chain(session.connection())
        click.echo(f"{count} entries sealed again under the current AUDIT_KEY.")

    @app.cli.group("open-data")
    def open_data_cli() -> None:
        """The published open-data files."""

    @open_data_cli.command("rebuild")
    def open_data_rebuild() -> None:
        """Make the 360Giving files again now (the worker does this within a minute of any change)."""
        from grants.opendata.services import make_open_data_files
        from grants.templating import format_datetime

        made_at = make_open_data_files()
        click.echo(f"Made the 360Giving files from the data as at {format_datetime(made_at)}.")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no people yet.")
    def demo(if_empty: bool) -> None:
        """Load demo data: tables at every stage, and one login per role."""
        from grants.demo import DEMO_PASSWORD, demo_logins, load_demo

        loaded = load_demo(only_if_empty=if_empty)
        click.echo("Demo data loaded." if loaded else "Demo data was already there.")
        click.echo(f"Demo logins (the password for all of them is: {DEMO_PASSWORD})")
        for role, email in demo_logins():
            click.echo(f"  {role:<52} {email}")
