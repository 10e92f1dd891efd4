"""The decision file (public .pb download) and importing a .pb file as a round, through the web."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from grants.ballots import closing
from grants.ballots import services as ballots
from grants.extensions import db
from grants.models import Ballot, Proposal, Round, RoundStatus
from grants.tally import count, read_pb
from tests import factories as f
from tests.ballots.test_ballot_types import Form, setup_round
from tests.conftest import csrf_token, login, text_of

GOOD_PB = """META
key;value
description;Paper vote in Hebden
country;United Kingdom
unit;Hebden
num_projects;3
num_votes;5
budget;500
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
p1;300;Community fridge
p2;200;Walking group
p3;100;Art club
VOTES
voter_id;vote
V1;p1,p2
V2;p1
V3;p2,p3
V4;p3
V5;p1,p3
"""


def _upload(client, data: str, title: str = "", **extra: str):  # noqa: ANN001, ANN202
    return client.post(
        "/manage/tables/import",
        data={
            "csrf_token": csrf_token(client, "/manage/tables/import"),
            "pb_file": (io.BytesIO(data.encode()), "election.pb"),
            "title": title,
            **extra,
        },
        content_type="multipart/form-data",
    )


def test_decision_file_has_selected_projects_and_receipts_and_recounts_the_same(client, app):
    convenor, rnd, (a, b, c), members = setup_round(
        n_members=5, ballot_type=__import__("grants").models.BallotType.CUMULATIVE, points_total=5
    )
    receipts = []
    for i, m in enumerate(members):
        receipts.append(ballots.cast(person=m, round_id=rnd.id, form=Form({f"points-{[a, b, c][i % 3].id}": "5"})))
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    response = client.get(f"/tables/{rnd.slug}/decision.pb")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    election = read_pb(response.get_data(as_text=True))
    assert election.vote_type == "cumulative"
    assert sorted(election.voter_ids) == sorted(receipts)
    funded = {str(line.proposal_id) for line in result.lines if line.is_funded}
    text = response.get_data(as_text=True)
    selected_rows = {
        row.split(";")[0] for row in text.split("PROJECTS")[1].split("VOTES")[0].splitlines()[2:] if row.endswith(";1")
    }
    assert selected_rows == funded
    assert set(count(election, election.meta["rule"]).selected) == funded
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Download the decision as a Pabulib file" in page
    assert "Each panel member spreads 5 points" in page


def test_no_decision_file_for_fewer_than_five_voters_or_undecided_rounds(client, app):
    convenor, rnd, (a, _b, _c), members = setup_round(n_members=3)
    assert client.get(f"/tables/{rnd.slug}/decision.pb").status_code == 404
    for m in members:
        ballots.cast_ballot(person=m, round_id=rnd.id, chosen_ids=[a.id])
    closing.close_voting(person=convenor, round_id=rnd.id)
    response = client.get(f"/tables/{rnd.slug}/decision.pb")
    assert response.status_code == 404
    assert "Fewer than 5 people voted" in response.get_data(as_text=True)


def test_import_a_pb_file_then_count_it_like_the_engine(client, app):
    person = f.person("Cara Convenor")
    login(client, person.email)
    response = _upload(client, GOOD_PB)
    assert response.status_code == 302, text_of(response)
    rnd = db.session.execute(select(Round)).scalar_one()
    assert rnd.status is RoundStatus.VOTING and rnd.title == "Paper vote in Hebden"
    proposals = {p.title: p for p in db.session.execute(select(Proposal)).scalars()}
    assert {t: p.requested_pence for t, p in proposals.items()} == {
        "Community fridge": 30_000,
        "Walking group": 20_000,
        "Art club": 10_000,
    }
    assert sorted(db.session.execute(select(Ballot.receipt)).scalars()) == ["V1", "V2", "V3", "V4", "V5"]
    f.funded(rnd.id, 50_000)
    result = closing.close_voting(person=person, round_id=rnd.id)
    funded = {line.proposal.title for line in result.lines if line.is_funded}
    expected = read_pb(GOOD_PB)
    names = {p.id: p.name for p in expected.projects}
    assert funded == {names[pid] for pid in count(expected, "greedy").selected}


def test_a_malformed_file_is_refused_naming_the_line_and_writes_nothing(client, app):
    person = f.person("Cara Convenor")
    login(client, person.email)
    bad = GOOD_PB.replace("p2;200;Walking group", "p2;two hundred;Walking group")
    response = _upload(client, bad)
    assert response.status_code == 400
    page = text_of(response)
    assert "This is not a valid Pabulib file: line 14" in page, page
    unknown = GOOD_PB.replace("V5;p1,p3", "V5;p1,p9")
    response = _upload(client, unknown)
    assert response.status_code == 400 and "line 22: the vote names an unknown project" in text_of(response)
    assert db.session.execute(select(func.count(Round.id))).scalar_one() == 0
    assert _upload(client, "").status_code == 400


def test_a_file_that_breaks_its_own_meta_shows_its_warnings_before_the_table_is_made(client, app):
    person = f.person("Cara Convenor")
    login(client, person.email)
    odd = GOOD_PB.replace("V2;p1\n", "V2;p1,p1,p1\n").replace("num_votes;5", "num_votes;6")
    response = _upload(client, odd)
    assert response.status_code == 400
    page = text_of(response)
    assert "What the file gets wrong" in page and "Nothing was imported" in page
    assert "line 7: META num_votes is '6' but the file has 5 votes" in page, page
    assert "line 19: the vote names project 'p1' 3 times" in page
    assert db.session.execute(select(func.count(Round.id))).scalar_one() == 0
    response = _upload(client, odd, accept_warnings="y")
    assert response.status_code == 302, text_of(response)
    rnd = db.session.execute(select(Round)).scalar_one()
    assert rnd.status is RoundStatus.VOTING
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 5
