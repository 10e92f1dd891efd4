"""A populated world (the demo: tables at every stage, one person per role) built once per
database backend and cloned for each test, so every test starts from the same state cheaply.

SQLite: the built file is copied. PostgreSQL: the built database is a template for
`CREATE DATABASE ... TEMPLATE`, which copies it on the server in a fraction of a second.
"""

from __future__ import annotations

import io
import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from config import TestConfig
from grants import create_app
from grants.extensions import db
from tests.conftest import BACKENDS, make_app

ROLES = ("anonymous", "member", "other_member", "panel", "conflicted_panel", "convenor", "funder", "treasurer")
# The demo's accounts for each role (grants/demo.py). panel1 declared an interest in a proposal.
EMAILS = {
    "member": "member@example.org",
    "other_member": "other@example.org",
    "panel": "panel@example.org",
    "conflicted_panel": "panel1@example.org",
    "convenor": "convenor@example.org",
    "funder": "funder@example.org",
    "treasurer": "treasurer@example.org",
}
_clone = itertools.count(1)


@dataclass
class World:
    """Names and ids of the objects in the demo that routes are tried against."""

    open_round: str = ""
    voting_round: str = ""
    paying_round: str = ""
    member_group: str = ""
    other_group: str = ""
    funder: str = ""
    pledge_id: int = 0
    award_id: int = 0
    member_proposal_open: int = 0  # the member's bid in the table open for bids
    other_proposal_open: int = 0
    member_proposal_voting: int = 0  # a bid the panel is voting on, from the member's group
    conflicted_proposal: int = 0  # the bid conflicted_panel declared an interest in
    public_upload: int = 0
    private_upload: int = 0
    extra: dict = field(default_factory=dict)


def _build(app: Flask) -> None:
    from grants.core import transaction
    from grants.demo import load_demo
    from grants.uploads import save_upload

    load_demo()
    img = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 10)).save(img, format="PNG")
    with transaction():
        for public in (True, False):
            save_upload(
                FileStorage(stream=io.BytesIO(img.getvalue()), filename="photo.png"),
                kind="photo",
                person_id=None,
                is_public=public,
            )


def describe(app: Flask) -> World:
    """Look up the world's objects (ids differ per backend only in theory; read them anyway)."""
    from grants.models import Award, Funder, Group, InterestDeclaration, Pledge, Proposal, Round, RoundStatus, Upload

    def one(stmt):  # noqa: ANN001, ANN202
        return db.session.execute(stmt).scalars().first()

    w = World()
    rounds = db.session.execute(select(Round)).scalars().all()
    by_status = {r.status: r.slug for r in rounds}
    w.open_round = by_status[RoundStatus.OPEN_FOR_BIDS]
    w.voting_round = by_status[RoundStatus.VOTING]
    w.paying_round = by_status[RoundStatus.PAYING]
    w.member_group = one(select(Group.slug).where(Group.name == "Mind the Gap Peer Support"))
    w.other_group = one(select(Group.slug).where(Group.name == "Hearing Voices Leeds"))
    w.funder = one(select(Funder.slug))
    w.pledge_id = one(select(Pledge.id).order_by(Pledge.id))
    w.award_id = one(select(Award.id).order_by(Award.id.desc()))
    open_id = one(select(Round.id).where(Round.slug == w.open_round))
    voting_id = one(select(Round.id).where(Round.slug == w.voting_round))
    member_group_id = one(select(Group.id).where(Group.slug == w.member_group))
    other_group_id = one(select(Group.id).where(Group.slug == w.other_group))
    w.member_proposal_open = one(
        select(Proposal.id).where(Proposal.round_id == open_id, Proposal.group_id == member_group_id)
    )
    w.other_proposal_open = one(
        select(Proposal.id).where(Proposal.round_id == open_id, Proposal.group_id == other_group_id)
    )
    w.member_proposal_voting = one(
        select(Proposal.id).where(Proposal.round_id == voting_id, Proposal.group_id == member_group_id)
    )
    w.conflicted_proposal = one(
        select(InterestDeclaration.proposal_id)
        .join(Proposal, Proposal.id == InterestDeclaration.proposal_id)
        .where(Proposal.round_id == voting_id)
    )
    w.public_upload = one(select(Upload.id).where(Upload.is_public.is_(True)))
    w.private_upload = one(select(Upload.id).where(Upload.is_public.is_(False)))
    return w


def _pg_admin(url: str):  # noqa: ANN202
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def build_sqlite_template(folder: Path) -> tuple[str, str, str]:
    """Build the world in a SQLite file under `folder`: (backend, file, uploads folder)."""
    path = folder / "world.sqlite3"
    app = make_app(f"sqlite:///{path}", UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        _build(app)
        db.session.remove()
        db.engine.dispose()
    return "sqlite", str(path), str(folder / "uploads")


@pytest.fixture(scope="session", params=BACKENDS)
def world_template(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[tuple[str, str, str]]:  # noqa: ANN001
    """(backend, where the built world lives, its uploads folder), built once per backend per test session."""
    if request.param == "sqlite":
        yield build_sqlite_template(tmp_path_factory.mktemp("world"))
        return
    base = request.getfixturevalue("pg_database_url")
    url = make_url(base)
    name = f"{url.database}_world"
    admin = _pg_admin(base)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    template_url = url.set(database=name).render_as_string(hide_password=False)
    uploads = tmp_path_factory.mktemp("world-uploads")
    app = make_app(template_url, UPLOAD_FOLDER=str(uploads))
    with app.app_context():
        _build(app)
        db.session.remove()
        db.engine.dispose()
    yield "postgresql", template_url, str(uploads)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def cloned_world(template: tuple[str, str, str], folder: Path, **overrides) -> Iterator[Flask]:  # noqa: ANN003
    """A fresh copy of the world in `folder`, with an app bound to it (no app context pushed)."""
    backend, where, uploads_src = template
    if Path(uploads_src).exists():
        shutil.copytree(uploads_src, folder / "uploads", dirs_exist_ok=True)
    cleanup = None
    if backend == "sqlite":
        copy = folder / "world.sqlite3"
        shutil.copy(where, copy)
        db_url = f"sqlite:///{copy}"
    else:
        url = make_url(where)
        name = f"{url.database}_{next(_clone)}"
        admin = _pg_admin(where)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
        db_url = url.set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    app = create_app(
        TestConfig, {"SQLALCHEMY_DATABASE_URI": db_url, "UPLOAD_FOLDER": str(folder / "uploads"), **overrides}
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if cleanup:
            cleanup()


@pytest.fixture
def world_app(world_template, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    """A fresh copy of the world, with the app bound to it, inside an app context."""
    with cloned_world(world_template, tmp_path) as app, app.app_context():
        yield app
