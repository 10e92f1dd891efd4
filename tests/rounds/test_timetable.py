"""Tables move on by their timetable: the worker's task, the command and the use case behind both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from grants.ballots.services import cast_ballot
from grants.extensions import db
from grants.jobs import run_periodic
from grants.models import AuditEntry, Result, Round, RoundStatus
from grants.rounds.services import advance
from grants.rounds.timetable import move_due
from tests import factories


def _status(round_id: int) -> RoundStatus:
    db.session.commit()  # end this session's read, to see what the worker or the command committed
    return db.session.execute(select(Round.status).where(Round.id == round_id)).scalar_one()


def test_a_table_moves_through_its_timetable_and_its_vote_closes_and_is_counted_on_the_day(app):
    convenor, lead = factories.person("Cara Convenor"), factories.person("Gus Lead")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 50_000)
    group = factories.group(lead)
    bids = [factories.proposal(lead, rnd.id, group, cost) for cost in (30_000, 20_000)]
    members = [factories.person(f"Pat{i} Panel") for i in range(3)]
    for member in members:
        factories.seat(convenor, rnd.id, member)
    round_id, slug = rnd.id, rnd.slug
    start = rnd.bids_open_at

    assert move_due(start + timedelta(days=9)) == []  # bids are still open
    for day, status in ((10, RoundStatus.BIDS_CLOSED), (11, RoundStatus.DELIBERATION), (20, RoundStatus.VOTING)):
        (move,) = move_due(start + timedelta(days=day))
        assert (move.slug, move.moved, move.message) == (slug, True, f"now {status.label}")
        assert _status(round_id) is status
        assert move_due(start + timedelta(days=day)) == []  # moved once, however often it runs
    for member in members:
        cast_ballot(person=member, round_id=round_id, chosen_ids=[bids[0].id])
    assert move_due(start + timedelta(days=26, hours=23)) == []
    (closed,) = move_due(start + timedelta(days=27))
    assert closed.moved and _status(round_id) is RoundStatus.COUNTED
    result = db.session.execute(select(Result).where(Result.round_id == round_id)).scalar_one()
    assert result.quorum_met and closed.message == result.summary
    # Nobody pressed a button: the audit log says the timetable moved the table on.
    moved = db.session.execute(
        select(AuditEntry).where(AuditEntry.round_id == round_id, AuditEntry.action == "round_voting")
    ).scalar_one()
    assert moved.actor_id is None


def test_a_table_that_cannot_move_on_says_why_and_holds_none_of_the_others_back(app):
    convenor = factories.person()
    lead = factories.person()
    empty_panel = factories.open_round(convenor, title="No panel yet")
    ready = factories.open_round(convenor, title="Ready to close bids")
    factories.proposal(lead, empty_panel.id, factories.group(lead), 10_000)
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=empty_panel.id, to=step)
    ids = {empty_panel.slug: empty_panel.id, ready.slug: ready.id}
    later = ready.voting_opens_at + timedelta(hours=1)

    moves = {move.slug: move for move in move_due(later)}
    assert not moves[empty_panel.slug].moved
    assert "panel is empty" in moves[empty_panel.slug].message
    assert moves[ready.slug].moved and _status(ids[ready.slug]) is RoundStatus.BIDS_CLOSED
    assert _status(ids[empty_panel.slug]) is RoundStatus.DELIBERATION


def test_the_worker_and_the_command_both_move_tables_on(app):
    convenor = factories.person()
    past = datetime.now(UTC) - timedelta(days=1)

    def due_to_close_bids() -> tuple[int, str]:
        rnd = factories.open_round(convenor, bids_open_at=past - timedelta(days=1), bids_close_at=past)
        return rnd.id, rnd.slug

    by_worker, _ = due_to_close_bids()
    assert run_periodic("rounds.move_tables_on") == 1  # the worker's five-minute task
    assert _status(by_worker) is RoundStatus.BIDS_CLOSED
    assert run_periodic("rounds.move_tables_on") == 0  # its next step is not due yet

    by_hand, slug = due_to_close_bids()
    result = app.test_cli_runner().invoke(args=["rounds", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{slug}: now {RoundStatus.BIDS_CLOSED.label}"
    assert _status(by_hand) is RoundStatus.BIDS_CLOSED
