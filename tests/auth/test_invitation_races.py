"""Answering the same invitation twice at once (two tabs, a double click, two devices): one answer
wins, the other is refused, and no role is given twice. Real threads, each its own signed-in
session posting the form with its CSRF token, on SQLite and PostgreSQL (grants/invitations.py
locks the invitation before it reads whether it still waits)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from grants.extensions import db
from grants.groups import services as groups
from grants.models import (
    AuditEntry,
    GroupInvitation,
    GroupMembership,
    GroupRole,
    RoundStaff,
    StaffInvitation,
    StaffRole,
)
from grants.rounds import services as rounds
from tests import factories
from tests.conftest import csrf_token, login
from tests.races import app, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

REPEATS = 8  # per backend and kind: a race that loses only sometimes is still a race
CONNECTIONS = {"sqlite": 6, "postgresql": 6}


def _two_sessions(app: Flask, email: str) -> list:  # noqa: F811
    """The same person signed in twice (two browsers), each with the CSRF token its page gave it."""
    clients = []
    for _ in range(2):
        # Each request in a context of its own, as a server's are: the signed-in user and the CSRF
        # token are cached in `g`, which would otherwise outlive the login that changed them.
        client = app.test_client()
        with app.app_context():
            assert login(client, email).status_code == 302
        with app.app_context():
            clients.append((client, csrf_token(client, "/me/invitations")))
    return clients


def _answers(app: Flask, url: str, answers: tuple[str, str], email: str) -> list:  # noqa: F811
    sessions = _two_sessions(app, email)
    return run_together(
        app,
        [
            (lambda c=c, t=t, a=a: c.post(url, data={"csrf_token": t, "answer": a}).status_code)
            for (c, t), a in zip(sessions, answers, strict=True)
        ],
    )


def _count(model, *where) -> int:  # noqa: ANN001
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.mark.parametrize("answers", [("yes", "yes"), ("yes", "no")])
@pytest.mark.parametrize("repeat", range(REPEATS))
def test_a_group_invitation_answered_twice_at_once_gives_the_role_once(app, answers, repeat) -> None:  # noqa: ANN001, F811
    lead, invited = factories.person(), factories.person()
    grp = factories.group(lead)
    invitation = groups.invite_member(person=lead, group_id=grp.id, email=invited.email, role=GroupRole.MEMBER)
    ids, email = (grp.id, invited.id, invitation.id), invited.email
    db.session.commit()

    group_id, person_id, invitation_id = ids
    statuses = _answers(app, f"/groups/invitations/{invitation_id}", answers, email)
    assert statuses == [302, 302], statuses  # each answer is a page back, never an error
    db.session.rollback()  # a fresh look: SQLite keeps a reading transaction's snapshot
    answered = db.session.get(GroupInvitation, invitation_id)
    # Exactly one answer was recorded, and the role follows it: given once, or not at all.
    assert (answered.accepted_at is None) != (answered.declined_at is None)
    joined = _count(GroupMembership, GroupMembership.group_id == group_id, GroupMembership.person_id == person_id)
    assert joined == (1 if answered.accepted_at else 0)
    if answers == ("yes", "yes"):
        assert joined == 1 and answered.accepted_by_id == person_id
    granted = _count(AuditEntry, AuditEntry.action == "role_granted", AuditEntry.actor_id == person_id)
    assert granted == joined


@pytest.mark.parametrize("answers", [("yes", "yes"), ("yes", "no")])
@pytest.mark.parametrize("repeat", range(REPEATS))
def test_a_table_invitation_answered_twice_at_once_gives_the_role_once(app, answers, repeat) -> None:  # noqa: ANN001, F811
    convenor, invited = factories.person(), factories.person()
    rnd = factories.open_round(convenor)
    invitation = rounds.invite_staff(person=convenor, round_id=rnd.id, email=invited.email, role=StaffRole.TREASURER)
    ids, email = (rnd.id, invited.id, invitation.id), invited.email
    db.session.commit()

    round_id, person_id, invitation_id = ids
    statuses = _answers(app, f"/manage/tables/invitations/{invitation_id}", answers, email)
    assert statuses == [302, 302], statuses
    db.session.rollback()
    answered = db.session.get(StaffInvitation, invitation_id)
    assert (answered.accepted_at is None) != (answered.declined_at is None)
    given = _count(RoundStaff, RoundStaff.round_id == round_id, RoundStaff.person_id == person_id)
    assert given == (1 if answered.accepted_at else 0)
    if answers == ("yes", "yes"):
        assert given == 1
    granted = _count(AuditEntry, AuditEntry.action == "role_granted", AuditEntry.actor_id == person_id)
    assert granted == given
