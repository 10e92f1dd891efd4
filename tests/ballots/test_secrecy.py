"""Secrecy under pressure: one ballot per person with real threads, and no link after close.

The concurrency test runs 300 panel members who each submit twice, all 600 submissions
released at the same moment, 20 times on each database; the linking test tries to match
participation rows to ballots by physical row order and, on PostgreSQL, by the system
columns ctid and xmin. What the database keeps beyond live rows (dead rows, WAL, -wal) is
checked in test_secrecy_in_storage.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from grants.ballots import closing
from grants.ballots import services as ballots
from grants.extensions import db
from grants.models import Ballot, Group, PanelMember, Participation, Person, Round
from tests import factories as f
from tests.races import app, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module
from tests.sealed import sealed_ballots

MEMBERS = 300
REPEATS = 20  # per backend; the people are made once per module, each race gets a fresh round
CONNECTIONS = {"sqlite": 10, "postgresql": 20}  # the 600 submissions share them, as requests share a server's


@dataclass(frozen=True)
class People:
    """Everyone the races need, made once per backend: a convenor, a group's lead and the panel members."""

    convenor_id: int
    lead_id: int
    group_id: int
    member_ids: list[int]


@pytest.fixture(scope="module")
def people(race_app: Flask) -> People:  # noqa: F811
    """300 would-be panel members (inserted directly: only the casting is under test)."""
    with race_app.app_context():
        convenor, lead = f.person("Cara Convenor"), f.person("Gus Lead")
        grp = f.group(lead)
        db.session.execute(
            insert(Person),
            [{"email": f"m{i}@race.example.org", "display_name": f"Member {i}", "password_hash": "x"}
             for i in range(MEMBERS)],
        )  # fmt: skip
        member_ids = list(
            db.session.execute(
                select(Person.id).where(Person.email.like("%@race.example.org")).order_by(Person.id)
            ).scalars()
        )
        found = People(convenor.id, lead.id, grp.id, member_ids)
        db.session.commit()
        db.session.remove()
    return found


def _round_with_panel(people: People, n: int) -> tuple[Person, Round, list[int], list[int]]:
    """A fresh round in voting, three proposals on its ballot and the first `n` people on its panel."""
    convenor, lead = db.session.get(Person, people.convenor_id), db.session.get(Person, people.lead_id)
    rnd = f.open_round(convenor)
    f.funded(rnd.id, 100_000)
    grp = db.session.get(Group, people.group_id)
    proposals = [f.proposal(lead, rnd.id, grp, c).id for c in (10_000, 20_000, 30_000)]
    f.seat(convenor, rnd.id, f.person("First Member"))
    f.to_voting(convenor, rnd.id)
    # Seated after voting opens, so opening it does not write to 300 people.
    member_ids = people.member_ids[:n]
    db.session.execute(insert(PanelMember), [{"round_id": rnd.id, "person_id": pid} for pid in member_ids])
    db.session.commit()
    return convenor, rnd, proposals, member_ids


@pytest.fixture
def full_panel(app: Flask, people: People) -> tuple[int, list[int], list[int]]:  # noqa: F811
    """A fresh round with all 300 on its panel: (round id, proposal ids, member ids). Timed as setup."""
    _convenor, rnd, proposals, member_ids = _round_with_panel(people, MEMBERS)
    return rnd.id, proposals, member_ids


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_each_member_submitting_twice_at_once_casts_exactly_one_ballot(
    app: Flask,  # noqa: F811
    full_panel: tuple[int, list[int], list[int]],
    attempt: int,
) -> None:
    round_id, proposals, member_ids = full_panel
    choice = {pid: proposals[i % 3] for i, pid in enumerate(member_ids)}
    db.session.remove()

    def submit(pid: int):  # noqa: ANN202
        def job() -> str:
            person = db.session.get(Person, pid)
            form = MultiDict({"proposal": str(choice[pid])})
            try:
                ballots.cast(person=person, round_id=round_id, form=form)
            except ballots.AlreadyVoted as exc:
                # Refused by the unique participation row (both were in flight) or, once the
                # other had been written, by the check before it.
                return "refused at the write" if isinstance(exc.__cause__, IntegrityError) else "refused"
            return "cast"

        return job

    # Every member's two submissions, all 600 released together by one barrier.
    outcomes = run_together(app, [submit(pid) for pid in member_ids for _ in range(2)])
    tally = Counter(o if isinstance(o, str) else repr(o) for o in outcomes)
    assert tally["cast"] == MEMBERS, tally
    assert tally["refused"] + tally["refused at the write"] == MEMBERS, tally
    if db.engine.dialect.name == "postgresql":
        # Some pairs got past the check together, so the unique row really was raced. (SQLite
        # takes its write lock first, so there the second submission always meets the check.)
        assert tally["refused at the write"] > 0, tally
    # Each ballot is sealed to the round's count key until the close; opened here with the key,
    # as the close would, to check what each member submitted.
    cast_ballots = sealed_ballots(round_id)
    voted = db.session.execute(
        select(func.count(Participation.id)).where(Participation.round_id == round_id)
    ).scalar_one()
    assert len(cast_ballots) == voted == MEMBERS
    assert db.session.execute(select(func.count(Ballot.id)).where(Ballot.round_id == round_id)).scalar_one() == 0
    # Each ballot says what its member submitted: a hundred for each proposal, none lost or doubled.
    marks = [b["marks"] for b in cast_ballots]
    assert Counter(pid for m in marks for pid in m) == Counter(str(p) for p in choice.values())
    assert all(list(m.values()) == [1] for m in marks)
    receipts = [b["receipt"] for b in cast_ballots]
    assert len(set(receipts)) == MEMBERS


def _physical_order(dialect: str, round_id: int) -> list[str]:
    """Receipts in the order the database stores the ballots (rowid, or ctid and xmin)."""
    if dialect == "sqlite":
        sql = "SELECT receipt FROM ballots WHERE round_id = :r ORDER BY rowid"
    else:
        sql = "SELECT receipt FROM ballots WHERE round_id = :r ORDER BY xmin::text::bigint, ctid"
    return list(db.session.execute(text(sql), {"r": round_id}).scalars())


def _unordered(round_id: int) -> list[str]:
    return list(db.session.execute(text("SELECT receipt FROM ballots WHERE round_id = :r"), {"r": round_id}).scalars())


def test_after_close_row_order_and_system_columns_do_not_link_people_to_ballots(
    app: Flask,  # noqa: F811
    people: People,
) -> None:
    n = 60
    convenor, rnd, proposals, member_ids = _round_with_panel(people, n)
    receipt_of: dict[int, str] = {}
    for i, pid in enumerate(member_ids):
        person = db.session.get(Person, pid)
        receipt_of[pid] = ballots.cast_ballot(person=person, round_id=rnd.id, chosen_ids=[proposals[i % 3]])
    dialect = db.engine.dialect.name
    voters_in_order = list(
        db.session.execute(
            select(Participation.person_id)
            .where(Participation.round_id == rnd.id, Participation.person_id.in_(receipt_of))
            .order_by(Participation.id)
        ).scalars()
    )
    truth = [receipt_of[pid] for pid in voters_in_order]

    def matches(order: list[str]) -> int:
        return sum(1 for a, b in zip(truth, order, strict=True) if a == b)

    # Before close there is no plain ballot to line up: only envelopes, sealed to the count key.
    assert _unordered(rnd.id) == []
    assert sorted(b["receipt"] for b in sealed_ballots(rnd.id)) == sorted(truth)

    closing.close_voting(person=convenor, round_id=rnd.id)
    db.session.rollback()
    # A random permutation has one fixed point on average; 8 or more happens about once in 100,000 runs.
    assert matches(_physical_order(dialect, rnd.id)) < 8
    assert matches(_unordered(rnd.id)) < 8
    assert matches(sorted(_unordered(rnd.id))) < 8 or sorted(truth) == truth  # receipts are random too
    ids_order = list(
        db.session.execute(select(Ballot.receipt).where(Ballot.round_id == rnd.id).order_by(Ballot.id)).scalars()
    )
    assert matches(ids_order) < 8
    if dialect == "postgresql":
        # Every ballot was written in the closing transaction: one xmin for all, so it orders nothing.
        xmins = db.session.execute(
            text("SELECT count(DISTINCT xmin::text) FROM ballots WHERE round_id = :r"), {"r": rnd.id}
        ).scalar_one()
        assert xmins == 1
    # Still every receipt is there for its voter to find.
    assert sorted(_unordered(rnd.id)) == sorted(truth)
