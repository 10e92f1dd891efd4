"""Issue 17, forms that trip people: the score ballot and the consensus record say every problem at
once, in an error summary whose links go to each box, each box with its own message and what was
typed kept; nothing is written (through the web, CSRF on, on each database)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import BallotType, ConsensusRecord, CountingRule, PanelRole, Participation
from grants.panels.services import accept_invitation, invite
from tests import factories as f
from tests.conftest import login, post_form, text_of
from tests.problems import every_problem_linked, said_beside, summary_links


def test_the_score_ballot_says_every_problem_at_once(client, app):
    rules = dict(ballot_type=BallotType.SCORE, counting_rule=CountingRule.SCORE_AVERAGE, score_max=4,
                 score_criteria=["Led by lived experience", "Value for money"])  # fmt: skip
    _convenor, rnd, (a, b, c), members = f.voting_table(**rules)
    login(client, members[0].email, f.PASSWORD)
    url = f"/vote/{rnd.slug}"
    sent = {
        # a: scored on both criteria, but the second comment is missing
        f"score-{a.id}-0": "3", f"comment-{a.id}-0": "Led by people who know.",
        f"score-{a.id}-1": "2", f"comment-{a.id}-1": "",
        # b: no score on the first criterion; c: all done
        f"comment-{b.id}-0": "Not sure yet.", f"score-{b.id}-1": "4", f"comment-{b.id}-1": "Cheap.",
        f"score-{c.id}-0": "1", f"comment-{c.id}-0": "A little.", f"score-{c.id}-1": "0", f"comment-{c.id}-1": "Dear.",
    }  # fmt: skip
    response = post_form(client, url, sent, page=url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    links = summary_links(html)
    assert links == {
        f"comment-{a.id}-1": f"Write a short comment on your score for “{a.title}”, Value for money. It helps the group.",  # noqa: E501
        f"score-{b.id}-0": f"Choose a score for “{b.title}”, Led by lived experience.",
    }  # fmt: skip
    for box, message in links.items():
        assert f'id="{box}"' in html  # each link goes to a box on the page
        assert said_beside(html, box) == message
    assert "{" not in text_of(response) and "score-" not in text_of(response)
    # What was typed and chosen is kept.
    assert "Led by people who know.</textarea>" in html and "Not sure yet.</textarea>" in html
    assert re.search(rf'id="score-{a.id}-0-3"[^>]*checked', html)
    assert re.search(rf'id="score-{c.id}-1-0"[^>]*checked', html)
    # Nothing was written: no ballot, no participation.
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 0


def test_the_consensus_record_says_every_problem_at_once(client, app):
    convenor, rnd, (a, b, c), members = f.voting_table(
        3, voting=False, ballot_type=BallotType.CONSENSUS, counting_rule=CountingRule.CONSENSUS, quorum_min_ballots=2
    )
    facilitator = f.person("Fran Facilitator")
    _inv, token = invite(person=convenor, round_id=rnd.id, email=facilitator.email, role=PanelRole.FACILITATOR)
    accept_invitation(person=facilitator, token=token)
    f.to_voting(convenor, rnd.id)
    login(client, facilitator.email)
    url = f"/vote/{rnd.slug}/consensus"
    # Over the pot, nobody ticked as present, and someone standing aside who was not present.
    sent = {"funded": [str(a.id), str(b.id), str(c.id)], "aside": [str(members[1].id)]}
    response = post_form(client, url, sent, page=url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    links = summary_links(html)
    assert list(links) == ["consensus-funded", "consensus-present", "consensus-aside"]
    assert links["consensus-funded"] == "The proposals recorded as funded add up to £600, more than the pot of £500."
    assert links["consensus-present"] == "Tick the panel members who were present."
    assert links["consensus-aside"] == "Only someone who was present can be recorded as standing aside."
    for box, message in links.items():
        assert f'id="{box}"' in html and said_beside(html, box) == message
    # What was ticked is kept.
    for p in (a, b, c):
        assert re.search(rf'id="funded-{p.id}" checked', html)
    assert re.search(rf'id="aside-{members[1].id}" checked', html)
    assert db.session.execute(select(func.count(ConsensusRecord.id))).scalar_one() == 0


def test_the_points_ballot_says_every_problem_at_once(client, app):
    rules = dict(ballot_type=BallotType.CUMULATIVE, counting_rule=CountingRule.GREEDY, points_total=10, points_cap=6)
    _convenor, rnd, (a, b, c), members = f.voting_table(**rules)
    login(client, members[0].email, f.PASSWORD)
    url = f"/vote/{rnd.slug}"
    response = post_form(client, url, {f"points-{a.id}": "7", f"points-{b.id}": "two", f"points-{c.id}": "3"},
                         page=url)  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        f"points-{a.id}": f"Give “{a.title}” no more than 6 points. You gave 7.",
        f"points-{b.id}": f"Points for “{b.title}”: enter a whole number, like 2.",
    })  # fmt: skip
    assert 'value="two"' in html and 'value="3"' in html
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 0


def test_the_ranking_ballot_says_every_problem_at_once(client, app):
    rules = dict(ballot_type=BallotType.RANKED, counting_rule=CountingRule.GREEDY, rank_depth=2)
    _convenor, rnd, (a, b, c), members = f.voting_table(**rules)
    login(client, members[0].email, f.PASSWORD)
    url = f"/vote/{rnd.slug}"
    response = post_form(client, url, {f"rank-{a.id}": "1", f"rank-{b.id}": "1", f"rank-{c.id}": "3"}, page=url)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {
        f"rank-{b.id}": f"You put “{a.title}” and “{b.title}” both in place 1. Give each its own.",
        f"rank-{c.id}": f"Places go from 1 to 2. Check the place for “{c.title}”.",
    })  # fmt: skip
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 0


def test_why_a_confirmation_is_missing_is_refused_at_its_box_with_what_was_typed(client, app):
    """The consensus 'excuse': a missing or too long reason shows the panel page again (400), the
    summary linked to that member's box, the reason as typed kept; nothing is recorded."""
    from grants.models import ConsensusAttendance
    from tests.ballots.test_consensus_kept import _consensus_round, _record
    from tests.ballots.test_decision_ballots import as_person

    _convenor, rnd, (a, _b, _c), members, facilitator = _consensus_round(4)
    _record(client, facilitator, rnd, [a], members, [])
    as_person(client, facilitator)
    page = f"/panel/{rnd.slug}"
    missing = members[2]
    typed = "Lost internet access. " * 50  # 1,100 characters
    response = post_form(client, f"/vote/{rnd.slug}/consensus/excuse", {"member_id": str(missing.id), "reason": typed},
                         page=page)  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    box = f"reason-{missing.id}"
    every_problem_linked(html, {box: f"Use 1000 characters or fewer: this has {len(typed)}"})
    assert f">{typed}</textarea>" in html
    assert html.count(typed) == 1
    response = post_form(client, f"/vote/{rnd.slug}/consensus/excuse", {"member_id": str(missing.id), "reason": " "},
                         page=page)  # fmt: skip
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {
        box: "Say why their confirmation is missing. The reason is kept with the decision."
    })  # fmt: skip
    db.session.expire_all()
    reasons = db.session.execute(select(ConsensusAttendance.missing_reason)).scalars().all()
    assert reasons and all(r is None for r in reasons)
