"""Every ballot type through the services: checks, recusal in the service, counting, quorum rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.ballots import closing
from grants.ballots import services as ballots
from grants.core import DomainError
from grants.extensions import db
from grants.models import (
    Ballot,
    BallotType,
    CountingRule,
    PanelMember,
    Participation,
    QuorumPolicy,
    Result,
    Round,
    RoundStatus,
    ScoreComment,
)
from grants.panels.services import declare_interest
from grants.rounds.services import RulesFrozen, change_rules, create_round, form_data_from_round, rules_from_form
from grants.tally import count, read_pb
from tests import factories as f
from tests.sealed import sealed_ballots


class Form(dict):
    """A stand-in for a submitted form: one value per key, and getlist for repeated keys."""

    def getlist(self, key: str) -> list[str]:
        value = self.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


setup_round = f.voting_table  # the name other ballot tests import


def test_points_ballot_checks_and_counts(app):
    convenor, rnd, (a, b, c), members = f.voting_table(ballot_type=BallotType.CUMULATIVE, points_total=10, points_cap=6)
    with pytest.raises(DomainError, match="no more than 6 points"):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"points-{a.id}": "7"}))
    with pytest.raises(DomainError, match="You have 10 points to spread and gave 12"):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"points-{a.id}": "6", f"points-{b.id}": "6"}))
    with pytest.raises(DomainError, match="whole number"):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"points-{a.id}": "-1"}))
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 0
    assert sealed_ballots(rnd.id) == []
    ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"points-{a.id}": "6", f"points-{c.id}": "4"}))
    ballots.cast(person=members[1], round_id=rnd.id, form=Form({f"points-{b.id}": "6", f"points-{c.id}": "4"}))
    ballots.cast(person=members[2], round_id=rnd.id, form=Form({f"points-{b.id}": "5"}))
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    assert result.quorum_met
    # b has 11 points, c 8, a 6: b (200) and c (100) fit in 500; a (300) does not after them... 200+100+300 = 600.
    funded = {line.proposal_id for line in result.lines if line.is_funded}
    assert funded == {b.id, c.id}
    supports = {line.proposal_id: line.support for line in result.lines}
    assert supports == {a.id: 6, b.id: 11, c.id: 8}


def test_score_ballot_needs_every_score_and_comment_and_averages_over_free_scorers(app):
    convenor, rnd, (a, b, c), members = f.voting_table(
        ballot_type=BallotType.SCORE,
        counting_rule=CountingRule.SCORE_AVERAGE,
        score_max=4,
        score_criteria=["Led by lived experience", "Good value"],
    )
    # Member 0 stands aside from a: the service refuses a score for it, and it is not on their paper.
    declare_interest(person=members[0], proposal_id=a.id, nature="I volunteer there.")
    paper = ballots.ballot_paper(members[0], db.session.get(Round, rnd.id))
    assert a.id not in {p.id for p in paper.choosable}

    def full(scores: dict[int, tuple[int, int]]) -> Form:
        data = Form()
        for pid, (s0, s1) in scores.items():
            data[f"score-{pid}-0"], data[f"comment-{pid}-0"] = str(s0), f"Because {s0}."
            data[f"score-{pid}-1"], data[f"comment-{pid}-1"] = str(s1), f"Value {s1}."
        return data

    sneaky = full({a.id: (4, 4), b.id: (1, 1), c.id: (1, 1)})
    with pytest.raises(DomainError, match="declared an interest"):
        ballots.cast(person=members[0], round_id=rnd.id, form=sneaky)
    missing_comment = full({b.id: (1, 1), c.id: (1, 1)})
    missing_comment[f"comment-{c.id}-1"] = "  "
    with pytest.raises(DomainError, match="Write a short comment"):
        ballots.cast(person=members[0], round_id=rnd.id, form=missing_comment)
    too_high = full({b.id: (5, 1), c.id: (1, 1)})
    with pytest.raises(DomainError, match="Scores go from 0 to 4"):
        ballots.cast(person=members[0], round_id=rnd.id, form=too_high)
    unscored = full({b.id: (1, 1)})
    with pytest.raises(DomainError, match="Choose a score"):
        ballots.cast(person=members[0], round_id=rnd.id, form=unscored)

    ballots.cast(person=members[0], round_id=rnd.id, form=full({b.id: (1, 1), c.id: (2, 2)}))
    ballots.cast(person=members[1], round_id=rnd.id, form=full({a.id: (3, 3), b.id: (2, 2), c.id: (2, 2)}))
    ballots.cast(person=members[2], round_id=rnd.id, form=full({a.id: (3, 2), b.id: (0, 0), c.id: (2, 2)}))
    # Comments are sealed with their ballots until the close, which writes them in the clear.
    assert db.session.execute(select(func.count(ScoreComment.id))).scalar_one() == 0
    with pytest.raises(DomainError, match="sealed until voting closes"):
        ballots.feedback_for(a)
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    assert db.session.execute(select(func.count(ScoreComment.id))).scalar_one() == 2 * (2 + 3 + 3)
    db.session.refresh(a)
    feedback = ballots.feedback_for(a)
    assert sorted((c.criterion, c.score, c.comment) for c in feedback) == [
        ("Good value", 2, "Value 2."),
        ("Good value", 3, "Value 3."),
        ("Led by lived experience", 3, "Because 3."),
        ("Led by lived experience", 3, "Because 3."),
    ]
    # The facilitator's feedback draft for the group draws on these comments, without names.
    from grants.panels.wellbeing import draft_feedback

    draft = draft_feedback(a)
    assert "Scores and comments from the panel" in draft and "Good value: 3. Value 3." in draft
    lines = {line.proposal_id: line for line in result.lines}
    # a: (6 + 5) / 2 members free to score it, not / 3.
    assert lines[a.id].support == pytest.approx(5.5)
    assert lines[a.id].figures["stood_aside"] == 1 and lines[a.id].figures["voters_free_to_vote"] == 2
    # b: (2 + 4 + 0) / 3: a score of 0 still counts in the denominator.
    assert lines[b.id].support == pytest.approx(2.0)
    assert lines[c.id].support == pytest.approx(4.0)
    # Highest average first within the pot of 500: a (300) then c (100), b (200) no longer fits.
    assert {pid for pid, line in lines.items() if line.is_funded} == {a.id, c.id}
    # The comments are kept for feedback, with the score, but no person and no ballot link.
    columns = set(ScoreComment.__table__.columns.keys())
    assert columns == {"id", "round_id", "proposal_id", "criterion", "score", "comment"}


def test_ranked_ballot_checks_places_and_counts_borda_points(app):
    convenor, rnd, (a, b, c), members = f.voting_table(
        ballot_type=BallotType.RANKED, rank_depth=2, costs=(20_000, 20_000, 20_000), pot=40_000
    )
    with pytest.raises(DomainError, match="both in place 1"):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"rank-{a.id}": "1", f"rank-{b.id}": "1"}))
    with pytest.raises(DomainError, match="Nothing is in place 1"):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"rank-{a.id}": "2"}))
    with pytest.raises(DomainError, match="Places go from 1 to 2"):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"rank-{a.id}": "3"}))
    ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"rank-{c.id}": "1", f"rank-{a.id}": "2"}))
    ballots.cast(person=members[1], round_id=rnd.id, form=Form({f"rank-{c.id}": "1", f"rank-{b.id}": "2"}))
    ballots.cast(person=members[2], round_id=rnd.id, form=Form({f"rank-{a.id}": "1"}))
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    supports = {line.proposal_id: line.support for line in result.lines}
    assert supports == {c.id: 4, a.id: 3, b.id: 1}
    assert {line.proposal_id for line in result.lines if line.is_funded} == {a.id, c.id}


def test_rules_must_fit_the_ballot(app):
    convenor = f.person()
    with pytest.raises(DomainError, match="does not fit a score ballot"):
        create_round(
            person=convenor,
            values=f.rules(ballot_type=BallotType.SCORE, score_max=3, score_criteria=["x"]),
        )
    with pytest.raises(DomainError, match="needs at least one published criterion"):
        create_round(
            person=convenor,
            values=f.rules(ballot_type=BallotType.SCORE, counting_rule=CountingRule.SCORE_AVERAGE, score_max=3),
        )
    with pytest.raises(DomainError, match="points each panel member spreads"):
        create_round(person=convenor, values=f.rules(ballot_type=BallotType.CUMULATIVE))
    with pytest.raises(DomainError, match="by how many days"):
        create_round(person=convenor, values=f.rules(quorum_policy=QuorumPolicy.EXTEND))
    with pytest.raises(DomainError, match="least support"):
        create_round(person=convenor, values=f.rules(counting_rule=CountingRule.GREEDY_THRESHOLD))
    assert db.session.execute(select(func.count(Round.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"ballot_type": BallotType.RANKED, "rank_depth": 2},
        {"counting_rule": CountingRule.EQUAL_SHARES},
        {"quorum_lived_experience_percent": 50},
        {"quorum_min_scorers": 2},
        {"quorum_policy": QuorumPolicy.EXTEND, "quorum_extend_days": 3},
    ],
)
def test_new_rules_freeze_when_voting_opens(app, change):
    convenor, rnd, _proposals, _members = f.voting_table(n_members=1)
    values = rules_from_form(form_data_from_round(rnd) | {"max_grant": rnd.max_grant_pence})
    values.update(change)
    with pytest.raises(RulesFrozen):
        change_rules(person=convenor, round_id=rnd.id, values=values, reason="Late change")
    fresh = db.session.get(Round, rnd.id)
    db.session.refresh(fresh)
    assert all(getattr(fresh, k) != v for k, v in change.items())


def _lived(members, flags) -> None:  # noqa: ANN001
    for m, flag in zip(members, flags, strict=True):
        seat = db.session.execute(select(PanelMember).where(PanelMember.person_id == m.id)).scalar_one()
        seat.has_lived_experience = flag
    db.session.commit()


def test_lived_experience_quorum_fails_without_a_silent_tally(app):
    convenor, rnd, (a, _b, _c), members = f.voting_table(n_members=4, quorum_lived_experience_percent=60)
    _lived(members, [True, False, False, True])
    for m in members[:3]:
        ballots.cast_ballot(person=m, round_id=rnd.id, chosen_ids=[a.id])
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    assert not result.quorum_met
    assert "33% of those who voted have lived experience" in result.summary
    assert result.lines == []
    assert db.session.get(Round, rnd.id).status is RoundStatus.NO_DECISION


def test_lived_experience_quorum_met(app):
    convenor, rnd, (a, _b, _c), members = f.voting_table(n_members=3, quorum_lived_experience_percent=60)
    _lived(members, [True, True, False])
    for m in members:
        ballots.cast_ballot(person=m, round_id=rnd.id, chosen_ids=[a.id])
    assert closing.close_voting(person=convenor, round_id=rnd.id).quorum_met


def test_minimum_voters_per_proposal_after_recusals(app):
    convenor, rnd, (a, _b, _c), members = f.voting_table(n_members=3, quorum_min_scorers=3)
    declare_interest(person=members[1], proposal_id=a.id, nature="My sister runs it.")
    for m in members:
        ballots.cast_ballot(person=m, round_id=rnd.id, chosen_ids=[])
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    assert not result.quorum_met
    # Public: how many were free to vote goes through the one suppression rule (2 would tell who stood aside).
    assert f"fewer voted on “{a.title}” (fewer than 5)" in result.summary and "(2)" not in result.summary


def test_share_quorum_excludes_paused_members_and_extension_happens_once(app):
    from grants.panels.services import set_paused

    convenor, rnd, (a, _b, _c), members = f.voting_table(
        n_members=4, quorum_min_share_percent=75, quorum_policy=QuorumPolicy.EXTEND, quorum_extend_days=5
    )
    first_close = db.session.get(Round, rnd.id).voting_closes_at
    ballots.cast_ballot(person=members[0], round_id=rnd.id, chosen_ids=[a.id])
    ballots.cast_ballot(person=members[1], round_id=rnd.id, chosen_ids=[a.id])
    outcome = closing.close_voting(person=convenor, round_id=rnd.id)
    assert isinstance(outcome, closing.Extension)
    assert "extended once" in outcome.summary
    fresh = db.session.get(Round, rnd.id)
    db.session.refresh(fresh)
    assert fresh.status is RoundStatus.VOTING and fresh.voting_extended_at is not None
    assert (fresh.voting_closes_at - first_close).days >= 5
    assert db.session.execute(select(func.count(Result.id))).scalar_one() == 0
    # One member pauses: 2 of 3 active members is 67%, still under 75%; no second extension.
    set_paused(person=members[3], round_id=rnd.id, paused=True)
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    assert not result.quorum_met and "already been extended once" in result.summary
    assert result.eligible_voters == 3 and result.quorum_required == 3


def test_equal_shares_round_matches_the_engine_on_the_published_file(app):
    convenor, rnd, (a, b, c), members = f.voting_table(
        n_members=5, counting_rule=CountingRule.EQUAL_SHARES_ADD1, costs=(30_000, 20_000, 15_000), pot=50_000
    )
    picks = [[a.id], [a.id], [a.id, b.id], [b.id, c.id], [c.id]]
    for m, chosen in zip(members, picks, strict=True):
        ballots.cast_ballot(person=m, round_id=rnd.id, chosen_ids=chosen)
    result = closing.close_voting(person=convenor, round_id=rnd.id)
    from grants.decisions.services import decision_file

    text = decision_file(db.session.get(Round, rnd.id)).text
    election = read_pb(text)
    assert election.meta["rule"] == "equalshares/add1"
    expected = set(count(election, "equalshares/add1").selected)
    assert {str(line.proposal_id) for line in result.lines if line.is_funded} == expected
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 5


def test_an_interest_cannot_be_declared_after_voting(app):
    _convenor, rnd, (a, _b, _c), members = f.voting_table(n_members=2)
    ballots.cast_ballot(person=members[0], round_id=rnd.id, chosen_ids=[a.id])
    with pytest.raises(DomainError, match="already voted"):
        declare_interest(person=members[0], proposal_id=a.id, nature="Late.")
    declare_interest(person=members[1], proposal_id=a.id, nature="Before voting.")
    paper = ballots.ballot_paper(members[1], db.session.get(Round, rnd.id))
    assert a.id in paper.stood_aside
