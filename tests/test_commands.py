"""Every `flask` command the README, deploy/, scripts/ and CI name exists, with the same words,
and each feature's commands are registered by the feature itself (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from config import TestConfig
from grants import create_app

ROOT = Path(__file__).resolve().parent.parent
# `flask` then a command and maybe a subcommand, as the docs and scripts write them.
# ("from flask import ..." in a Python script is not a command.)
COMMAND = re.compile(r"(?<![\w.-])flask (?!import\b)((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)")
FLASK_OWN = {"run", "shell", "routes"}
SKIP_SUFFIXES = {".png", ".jpg", ".svg", ".pyc"}


def _documented() -> dict[str, list[str]]:
    """Each command named in the docs and scripts, with where it is named."""
    files = [ROOT / "README.md"]
    for folder in ("deploy", "scripts", ".ci"):
        files += [p for p in sorted((ROOT / folder).rglob("*")) if p.is_file() and p.suffix not in SKIP_SUFFIXES]
    found: dict[str, list[str]] = {}
    for path in files:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in COMMAND.finditer(line):
                found.setdefault(match.group(1), []).append(f"{path.relative_to(ROOT)}:{number}")
    return found


DOCUMENTED = _documented()


def test_the_docs_name_commands_at_all():
    """The scan finds what it should (so the test below cannot pass by finding nothing)."""
    assert {"worker", "rounds close-voting", "jobs relay", "reconcile", "audit verify", "db upgrade"} <= set(DOCUMENTED)


@pytest.fixture(scope="module")
def cli_app(tmp_path_factory):  # noqa: ANN001, ANN201
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.sqlite3'}"
    return create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})


@pytest.mark.parametrize("words", sorted(DOCUMENTED))
def test_each_documented_command_exists(cli_app, words: str):
    """`flask <words> --help` answers: the command (and its subcommand, if the docs name one) is there."""
    first, _, second = words.partition(" ")
    if first in FLASK_OWN:
        return  # Flask's own (`flask run`), not the app's
    ctx = click.Context(cli_app.cli)
    command = cli_app.cli.get_command(ctx, first)
    assert command is not None, f"`flask {first}` is named in {DOCUMENTED[words]} but does not exist"
    args = [first]
    if isinstance(command, click.Group) and second:
        assert second in command.list_commands(ctx), (
            f"`flask {words}` is named in {DOCUMENTED[words]} but `flask {first}` has no {second!r}"
        )
        args.append(second)
    result = cli_app.test_cli_runner().invoke(args=[*args, "--help"])
    assert result.exit_code == 0, result.output


def test_each_feature_registers_its_own_commands(cli_app):
    """The commands live with their features (Blueprint.cli), not in one file that imports them all."""
    ctx = click.Context(cli_app.cli)
    home = {name: cli_app.cli.get_command(ctx, name).callback.__module__ for name in ("worker", "reconcile", "demo")}
    groups = {name: cli_app.cli.get_command(ctx, name) for name in ("rounds", "mail", "open-data", "jobs", "admin")}
    # The group's own first command (a feature may add one to another's group: below).
    first = {"rounds": "tick", "mail": "resend", "open-data": "rebuild", "jobs": "relay", "admin": "create"}
    owner = {name: group.commands[first[name]].callback.__module__ for name, group in groups.items()}
    assert home == {"worker": "grants.ops.commands", "reconcile": "grants.money.commands", "demo": "grants.cli"}
    assert owner == {
        "rounds": "grants.rounds.commands",
        "mail": "grants.notifications.commands",
        "open-data": "grants.opendata.commands",
        "jobs": "grants.ops.commands",
        "admin": "grants.ops.commands",
    }
    # Closing the vote is deciding, and the report notes are updates': each lives with its feature (issue 13).
    assert groups["rounds"].commands["close-voting"].callback.__module__ == "grants.ballots.commands"
    assert groups["mail"].commands["reports-due"].callback.__module__ == "grants.updates.commands"
