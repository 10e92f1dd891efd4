"""`flask` commands that belong to the whole site rather than one feature: the audit log, data
encrypted at rest, and the demo. Each feature registers its own commands on its blueprint
(`grants/<feature>/commands.py`, imported by the app factory with the blueprints)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from grants import audit, demo, secrets_at_rest
from grants.audit.log import rekey_chain
from grants.core import transaction

audit_cli = AppGroup("audit", help="The audit log of sensitive actions.")
data_cli = AppGroup("data", help="Data encrypted at rest (bank details).")


def init_app(app: Flask) -> None:
    """Register the site-wide commands."""
    app.cli.add_command(audit_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_command)


@data_cli.command("rekey")
def data_rekey() -> None:
    """Encrypt every stored bank detail again under the first key in DATA_KEYS."""
    click.echo(f"{secrets_at_rest.rekey()} stored values encrypted under the first key.")


@audit_cli.command("verify")
@click.option(
    "--head",
    "heads",
    multiple=True,
    help="A head kept earlier (from a table's record, the feed or the open data), as N:HASH. Repeatable.",
)
def audit_verify(heads: tuple[str, ...]) -> None:
    """Check that the audit log's keyed chain is intact, and still holds any head you kept."""
    try:
        ok, message = audit.verify(list(heads))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from exc
    click.echo(message)
    if not ok:
        raise SystemExit(1)


@audit_cli.command("rekey")
def audit_rekey() -> None:
    """Seal the whole chain again under the AUDIT_KEY now set (after changing it). Every head
    published before stops matching: say so where they were published."""
    with transaction() as session:
        count = rekey_chain(session.connection())
    click.echo(f"{count} entries sealed again under the current AUDIT_KEY.")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only load when the database has no people yet.")
def demo_command(if_empty: bool) -> None:
    """Load demo data: tables at every stage, and one login per role."""
    loaded = demo.load_demo(only_if_empty=if_empty)
    click.echo("Demo data loaded." if loaded else "Demo data was already there.")
    click.echo(f"Demo logins (the password for all of them is: {demo.DEMO_PASSWORD})")
    for role, email in demo.demo_logins():
        click.echo(f"  {role:<52} {email}")
