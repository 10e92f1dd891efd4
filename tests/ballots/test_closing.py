"""Closing the vote: quorum first, then the rule and tie-break, then awards; stored once."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from grants.ballots.closing import close_voting
from grants.ballots.election import ballot_file, build_election, decision_text
from grants.ballots.services import ballot_proposals, cast_ballot
from grants.core import DomainError
from grants.extensions import db
from grants.ledger import books
from grants.models import Award, Ballot, ProposalStatus, Result, RoundStatus, SealedEnvelope, TieBreak
from tests import factories


def setup_round(n_voters: int = 5, pot: int = 1_000_000, costs=(300_000, 400_000, 500_000), **rules):  # noqa: ANN001, ANN003
    convenor, lead = factories.person("Cara"), factories.person("Gus")
    rnd = factories.open_round(convenor, **rules)
    factories.funded(rnd.id, pot)
    grp = factories.group(lead)
    proposals = [factories.proposal(lead, rnd.id, grp, cost) for cost in costs]
    voters = [factories.person(f"Voter {i}") for i in range(n_voters)]
    for voter in voters:
        factories.seat(convenor, rnd.id, voter)
    factories.to_voting(convenor, rnd.id)
    return convenor, rnd, proposals, voters


def test_quorum_not_met_means_no_decision_and_no_money_moves(app):
    convenor, rnd, proposals, voters = setup_round(quorum_min_share_percent=60)
    cast_ballot(person=voters[0], round_id=rnd.id, chosen_ids=[proposals[0].id])
    cast_ballot(person=voters[1], round_id=rnd.id, chosen_ids=[proposals[0].id])
    result = close_voting(person=convenor, round_id=rnd.id)
    assert not result.quorum_met and result.quorum_required == 3 and result.ballots_counted == 2
    assert "No decision" in result.summary
    assert rnd.status is RoundStatus.NO_DECISION
    assert db.session.execute(select(func.count(Award.id))).scalar_one() == 0
    assert books.round_summary(rnd.id).committed_pence == 0
    assert all(p.status is ProposalStatus.SUBMITTED for p in proposals)


def test_paused_members_do_not_count_towards_quorum(app):
    from grants.panels.services import set_paused

    convenor, rnd, proposals, voters = setup_round(quorum_min_share_percent=60)
    for voter in voters[2:]:
        set_paused(person=voter, round_id=rnd.id, paused=True)
    for voter in voters[:2]:
        cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[proposals[0].id])
    result = close_voting(person=convenor, round_id=rnd.id)
    assert result.eligible_voters == 2 and result.quorum_required == 2 and result.quorum_met


def test_greedy_with_skips_and_explanations(app):
    # Pot £10,000. Support: A(£3k)=3, B(£4k)=3 (tie: cheaper first -> A), C(£5k)=2.
    convenor, rnd, (a, b, c), voters = setup_round()
    for voter, picks in zip(voters, [[a, b], [a, c], [b, c], [a, b], []], strict=True):
        cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[p.id for p in picks])
    result = close_voting(person=convenor, round_id=rnd.id)
    lines = {line.proposal_id: line for line in result.lines}
    assert [lines[p.id].is_funded for p in (a, b, c)] == [True, True, False]
    assert lines[a.id].explanation == "Funded: 3 of 5 votes; it fitted in the remaining £10,000."
    assert lines[b.id].explanation == "Funded: 3 of 5 votes; it fitted in the remaining £7,000."
    assert lines[c.id].explanation == "Not funded: after funding 2 proposals £3,000 remained, less than its £5,000."
    assert result.spent_pence == 700_000
    assert books.round_summary(rnd.id).committed_pence == 700_000
    assert {aw.proposal_id for aw in db.session.execute(select(Award)).scalars()} == {a.id, b.id}
    assert rnd.status is RoundStatus.COUNTED
    # Stored once: closing again is refused, not recomputed.
    with pytest.raises(DomainError, match="not open"):
        close_voting(person=convenor, round_id=rnd.id)
    assert db.session.execute(select(func.count(Result.id))).scalar_one() == 1


def test_lottery_tie_break_is_repeatable_from_the_published_seed(app):
    from grants.tally import lottery_order

    convenor, rnd, (a, b, c), voters = setup_round(
        costs=(400_000, 400_000, 400_000), pot=500_000, tie_break=TieBreak.LOTTERY, ballot_within_budget=False
    )
    for voter in voters:
        cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[a.id, b.id, c.id])
    result = close_voting(person=convenor, round_id=rnd.id)
    winner = next(line.proposal_id for line in result.lines if line.is_funded)
    expected = lottery_order([str(a.id), str(b.id), str(c.id)], rnd.lottery_seed)[0]
    assert str(winner) == expected


def test_fingerprint_matches_the_published_ballot_file_and_receipts_are_in_it(app):
    # The fingerprint is of the decision file exactly as offered, `selected` column included (issue 15).
    convenor, rnd, (a, b, c), voters = setup_round()
    receipts = [cast_ballot(person=v, round_id=rnd.id, chosen_ids=[a.id]) for v in voters]
    result = close_voting(person=convenor, round_id=rnd.id)
    selected = [str(line.proposal_id) for line in result.lines if line.is_funded]
    # The file as offered: the ballots, the selection and the result's fairness figures in its META.
    election = build_election(rnd, ballot_proposals(rnd.id), result.budget_pence)
    text = decision_text(election, selected, result.fairness)
    assert "satisfaction" in text
    assert hashlib.sha256(text.encode()).hexdigest() == result.ballot_fingerprint
    for receipt in receipts:
        assert receipt in text


def test_ballots_get_new_ids_at_close(app):
    convenor, rnd, (a, b, c), voters = setup_round()
    for voter in voters:
        cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[a.id])
    # Before the close there are only sealed envelopes; the close writes the ballots, with ids of their own.
    before = set(db.session.execute(select(SealedEnvelope.id)).scalars())
    assert len(before) == 5 and db.session.execute(select(Ballot.id)).first() is None
    close_voting(person=convenor, round_id=rnd.id)
    after = set(db.session.execute(select(Ballot.id)).scalars())
    assert len(after) == 5 and not before & after
    assert db.session.execute(select(SealedEnvelope.id)).first() is None


def test_a_pot_that_cannot_cover_the_result_writes_nothing(app):
    """Awards are committed in the same transaction as the result."""
    convenor, rnd, (a, b, c), voters = setup_round(pot=1_000_000)
    for voter in voters:
        cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[a.id])
    # The count's budget is the pot at close, so it can always be covered; the invariant
    # holds in the ledger: nothing committed beyond what was received.
    close_voting(person=convenor, round_id=rnd.id)
    summary = books.round_summary(rnd.id)
    assert summary.committed_pence <= summary.received_pence and summary.available_pence >= 0


def test_the_public_ballot_file_never_names_groups_that_did_not_agree(app):
    convenor, lead = factories.person("Cara"), factories.person("Gus")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 1_000_000)
    grp = factories.group(lead)
    named = factories.proposal(lead, rnd.id, grp, 100_000, named=True)
    unnamed = factories.proposal(lead, rnd.id, grp, 200_000, named=False)
    voters = [factories.person(f"V{i}") for i in range(5)]
    for voter in voters:
        factories.seat(convenor, rnd.id, voter)
    factories.to_voting(convenor, rnd.id)
    for voter in voters:
        cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[named.id])
    result = close_voting(person=convenor, round_id=rnd.id)
    text = ballot_file(build_election(rnd, ballot_proposals(rnd.id), result.budget_pence))
    assert named.title in text
    assert unnamed.title not in text and f"\n{unnamed.id};" in text
