"""Running a round: rules, the freeze, the stages and the timetable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grants.core import DomainError, NotAllowed
from grants.models import RoundStatus, TieBreak
from grants.rounds import services
from tests import factories


def test_rules_change_before_publishing_needs_no_reason_and_is_not_logged(app):
    convenor = factories.person()
    rnd = services.create_round(person=convenor, values=factories.rules())
    changes = services.change_rules(
        person=convenor, round_id=rnd.id, values=factories.rules(title="Better name"), reason=""
    )
    assert changes == [] and rnd.title == "Better name"


def test_published_change_needs_reason_and_is_logged(app):
    convenor = factories.person()
    rnd = factories.open_round(convenor, max_grant_pence=500_000)
    values = factories.rules(title=rnd.title, max_grant_pence=400_000)
    with pytest.raises(DomainError, match="Say why"):
        services.change_rules(person=convenor, round_id=rnd.id, values=values, reason=" ")
    changes = services.change_rules(person=convenor, round_id=rnd.id, values=values, reason="More, smaller grants")
    assert [(c.field, c.old_value, c.new_value) for c in changes] == [("Largest grant", "£5,000", "£4,000")]


def test_rules_freeze_when_voting_opens(app):
    convenor, member = factories.person(), factories.person()
    rnd = factories.open_round(convenor)
    grp = factories.group(member)
    factories.proposal(member, rnd.id, grp, 10_000)
    factories.seat(convenor, rnd.id, factories.person())
    factories.to_voting(convenor, rnd.id)
    for change in ({"counting_rule": rnd.counting_rule}, {"tie_break": TieBreak.LOTTERY}, {"quorum_min_ballots": 3}):
        with pytest.raises(services.RulesFrozen):
            services.change_rules(
                person=convenor, round_id=rnd.id, values=factories.rules(title=rnd.title, **change), reason="late"
            )


def test_only_convenors_change_rules_and_stages(app):
    convenor, other = factories.person(), factories.person()
    rnd = services.create_round(person=convenor, values=factories.rules())
    with pytest.raises(NotAllowed):
        services.change_rules(person=other, round_id=rnd.id, values=factories.rules(), reason="x")
    with pytest.raises(NotAllowed):
        services.advance(person=other, round_id=rnd.id, to=RoundStatus.OPEN_FOR_BIDS)


def test_stages_move_in_order_only(app):
    convenor = factories.person()
    rnd = services.create_round(person=convenor, values=factories.rules())
    with pytest.raises(DomainError, match="cannot move"):
        services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)
    services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.OPEN_FOR_BIDS)
    services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.BIDS_CLOSED)
    services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.DELIBERATION)
    with pytest.raises(DomainError, match="no submitted proposals"):
        services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)


def test_voting_needs_a_panel(app):
    convenor, member = factories.person(), factories.person()
    rnd = factories.open_round(convenor)
    factories.proposal(member, rnd.id, factories.group(member), 10_000)
    services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.BIDS_CLOSED)
    services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.DELIBERATION)
    with pytest.raises(DomainError, match="panel is empty"):
        services.advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)


def test_lottery_seed_is_published_with_the_rules(app):
    convenor = factories.person()
    rnd = factories.open_round(convenor, tie_break=TieBreak.LOTTERY)
    assert rnd.lottery_seed and len(rnd.lottery_seed) == 32


def test_timetable_says_what_is_due(app):
    convenor = factories.person()
    rnd = factories.open_round(convenor)
    now = datetime.now(UTC)
    assert services.rounds_due(now) == []
    due = services.rounds_due(now + timedelta(days=11))
    assert [(r.id, step) for r, step in due] == [(rnd.id, RoundStatus.BIDS_CLOSED)]


def test_timetable_must_be_in_order(app):
    convenor = factories.person()
    start = datetime.now(UTC)
    with pytest.raises(DomainError, match="in order"):
        services.create_round(person=convenor, values=factories.rules(bids_close_at=start - timedelta(days=1)))
