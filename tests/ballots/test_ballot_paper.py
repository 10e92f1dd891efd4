"""Who gets a ballot paper, and what is on it: one query reads the voter's seat, vote and interests."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from grants.ballots.services import AlreadyVoted, ballot_paper, cast_ballot
from grants.core import DomainError, NotAllowed
from grants.extensions import db
from grants.models import Round
from grants.panels.deliberation import declare_interest
from grants.panels.formation import step_down
from grants.panels.services import set_paused
from tests import factories
from tests.public.test_query_counts import counting


def _table(members: int):  # noqa: ANN202
    convenor, lead = factories.person(), factories.person()
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 100_000)
    grp = factories.group(lead)
    bids = [factories.proposal(lead, rnd.id, grp, 10_000) for _ in range(3)]
    people = [factories.person() for _ in range(members)]
    for person in people:
        factories.seat(convenor, rnd.id, person)
    factories.to_voting(convenor, rnd.id)
    return db.session.get(Round, rnd.id), bids, people


def test_the_paper_leaves_off_every_proposal_the_member_declared_an_interest_in(app):
    rnd, bids, (member, other) = _table(2)
    declare_interest(person=member, proposal_id=bids[0].id, nature="I volunteer there")
    declare_interest(person=member, proposal_id=bids[2].id, nature="My sister runs it")
    paper = ballot_paper(member, db.session.get(Round, rnd.id))
    assert paper.stood_aside == {bids[0].id, bids[2].id}
    assert [p.id for p in paper.choosable] == [bids[1].id]
    assert [p.id for p in paper.proposals] == [b.id for b in bids]
    assert ballot_paper(other, db.session.get(Round, rnd.id)).stood_aside == set()
    assert paper.budget_pence == 100_000


def test_no_paper_for_a_paused_member_one_who_stepped_down_one_who_voted_or_someone_off_the_panel(app):
    rnd, bids, (paused, stepped, voted) = _table(3)
    set_paused(person=paused, round_id=rnd.id, paused=True)
    step_down(person=stepped, round_id=rnd.id)
    cast_ballot(person=voted, round_id=rnd.id, chosen_ids=[bids[0].id])
    fresh = db.session.get(Round, rnd.id)
    with pytest.raises(DomainError, match="You have paused"):
        ballot_paper(paused, fresh)
    with pytest.raises(NotAllowed, match="Only members of this table's panel"):
        ballot_paper(stepped, fresh)
    with pytest.raises(AlreadyVoted):
        ballot_paper(voted, fresh)
    with pytest.raises(NotAllowed):
        ballot_paper(factories.person(), fresh)


def test_a_table_that_is_gone_is_named_as_gone(app):
    from grants.ballots.services import cast

    member = factories.person()
    with pytest.raises(DomainError, match="That table no longer exists"):
        cast(person=member, slug="no-such-table", form=MultiDict([("proposal", "1")]))


def _cast_statements(members: int, interests: int) -> list[str]:
    """The statements one ballot sends, on a table with this many members and declared interests."""
    from grants.ballots.services import cast

    rnd, bids, people = _table(members)
    voter = people[0]
    for bid in bids[:interests]:
        declare_interest(person=voter, proposal_id=bid.id, nature="I volunteer there")
    choice = bids[-1].id
    slug = rnd.slug
    db.session.commit()
    with counting() as seen:
        cast(person=voter, slug=slug, form=MultiDict([("proposal", str(choice))]))
    return [s.split()[0].upper() for s in seen if s.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]


def test_a_ballot_costs_the_same_few_statements_however_big_the_panel_or_however_many_interests(app):
    small = _cast_statements(members=2, interests=0)
    large = _cast_statements(members=40, interests=2)
    # The lock with the voter's seat, vote and interests; the proposals with the pot (one statement
    # since issue 15's profile, and on PostgreSQL the same one as the lock); the participation and
    # the sealed ballot, one statement on PostgreSQL.
    postgres = db.engine.dialect.name == "postgresql"
    assert small == large == (["SELECT", "WITH"] if postgres else ["SELECT", "SELECT", "INSERT", "INSERT"])
