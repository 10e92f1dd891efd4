"""A panel member comes to stand aside from a proposal at the very moment their ballot is cast:
they declare an interest in it (two tabs, or a slow phone), or they join the group that bid for
it, which recuses them automatically. The stand-aside and a ballot that marks that proposal must
never both stand. Real threads, SQLite and PostgreSQL.

On PostgreSQL the ballot is held after it has read its paper (nobody stood aside yet) until the
other use case has had its chance. Before, the stand-aside was written beside the ballot's mark;
now it waits for the ballot (grants/panels/deliberation.wait_for_ballots_in_flight) and sees it
cast: the declaration is refused, and the new group member keeps the ballot cast while they had
no tie. SQLite lets one writer in at a time, so there one always sees the other, in either order."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from grants.ballots import services as ballots
from grants.core import DomainError
from grants.extensions import db
from grants.groups import services as groups
from grants.models import GroupMembership, GroupRole, InterestDeclaration, Participation, Person
from grants.panels import deliberation
from tests import factories
from tests.races import app, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module
from tests.sealed import sealed_ballots

CONNECTIONS = {"sqlite": 4, "postgresql": 4}
HOLD = 2.0  # seconds the ballot waits for the other use case to finish (it cannot, with the fix)


def _declare(voter_id: int, proposal_id: int, _lead_id: int, _group_id: int) -> Callable[[], str]:
    def stand_aside() -> str:
        person = db.session.get(Person, voter_id)
        deliberation.declare_interest(person=person, proposal_id=proposal_id, nature="I volunteer there.")
        return "stood aside"

    return stand_aside


def _join_the_bidding_group(voter_id: int, _proposal_id: int, lead_id: int, group_id: int) -> Callable[[], str]:
    voter = db.session.get(Person, voter_id)
    lead = db.session.get(Person, lead_id)
    invitation = groups.invite_member(person=lead, group_id=group_id, email=voter.email, role=GroupRole.MEMBER)
    invitation_id = invitation.id

    def stand_aside() -> str:
        groups.answer_invitation(person=db.session.get(Person, voter_id), invitation_id=invitation_id, accept=True)
        return "joined"

    return stand_aside


@pytest.mark.parametrize("how", [_declare, _join_the_bidding_group], ids=["declaring", "joining the group"])
def test_standing_aside_while_the_ballot_is_cast_never_stands_beside_its_mark(
    app: Flask,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    how: Callable,
) -> None:
    _convenor, rnd, proposals, members = factories.voting_table(n_members=1)
    round_id, marked, voter_id = rnd.id, proposals[0].id, members[0].id
    group_id = proposals[0].group_id
    leads = select(GroupMembership.person_id).where(
        GroupMembership.group_id == group_id, GroupMembership.role == GroupRole.LEAD
    )
    lead_id = db.session.execute(leads).scalar_one()
    stand_aside = how(voter_id, marked, lead_id, group_id)
    db.session.commit()
    read_paper, other_done = threading.Event(), threading.Event()
    if db.engine.dialect.name == "postgresql":
        paper_in_one = ballots._paper_in_one

        def held(rows):  # noqa: ANN001, ANN202
            paper = paper_in_one(rows)
            read_paper.set()
            other_done.wait(HOLD)  # the other use case's moment: it has read no vote yet
            return paper

        monkeypatch.setattr(ballots, "_paper_in_one", held)
    else:
        read_paper.set()

    def cast() -> str:
        person = db.session.get(Person, voter_id)
        ballots.cast(person=person, round_id=round_id, form=MultiDict({"proposal": str(marked)}))
        return "cast"

    def other() -> str:
        read_paper.wait(30)
        try:
            return stand_aside()
        except DomainError:
            return "refused"
        finally:
            other_done.set()

    outcomes = run_together(app, [cast, other])
    db.session.rollback()
    has_mark = any(str(marked) in b["marks"] for b in sealed_ballots(round_id))
    stood_aside = db.session.execute(
        select(func.count()).select_from(InterestDeclaration).where(
            InterestDeclaration.proposal_id == marked, InterestDeclaration.person_id == voter_id
        )
    ).scalar_one()
    assert not (has_mark and stood_aside), (outcomes, "a mark on a proposal its voter stood aside from")
    voted = db.session.execute(select(func.count()).select_from(Participation).where(
        Participation.round_id == round_id, Participation.person_id == voter_id)).scalar_one()  # fmt: skip
    if outcomes[0] == "cast":  # the ballot first: it stands, and nobody stands aside from what it marked
        assert voted == 1 and has_mark and not stood_aside, outcomes
        assert outcomes[1] == ("refused" if how is _declare else "joined"), outcomes
    else:  # the stand-aside first (SQLite may run them either way): the ballot is refused, nothing cast
        assert isinstance(outcomes[0], DomainError) and outcomes[1] != "refused", outcomes
        assert voted == 0 and stood_aside == 1, outcomes
    if db.engine.dialect.name == "postgresql":
        assert outcomes[0] == "cast", outcomes  # held after reading its paper, the ballot is first
