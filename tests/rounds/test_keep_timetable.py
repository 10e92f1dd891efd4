"""The panel's own rules are kept: a convenor moving a table on before its published date.

Through the web with CSRF on, as a convenor clicks: a reason is needed and shown on the
timetable beside the new date; a member's granted time or pause stops it unless the convenor
records why, and then those members are told first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from grants.ballots.services import cast_ballot
from grants.extensions import db
from grants.models import AuditEntry, Notification, Result, Round, RoundStatus
from grants.panels.services import set_paused
from grants.panels.wellbeing import ask_for_time
from grants.rounds.services import move_on
from tests import factories as f
from tests.conftest import login, post_form, text_of


def _status(round_id: int) -> RoundStatus:
    db.session.expire_all()
    return db.session.get(Round, round_id).status


def _advance(client, rnd, to: RoundStatus, **data):  # noqa: ANN001, ANN003, ANN202
    return post_form(
        client, f"/manage/tables/{rnd.slug}/advance", {"to": to.value, **data}, page=f"/manage/tables/{rnd.slug}"
    )


def _flashes(client, rnd) -> str:  # noqa: ANN001
    return text_of(client.get(f"/manage/tables/{rnd.slug}"))


def test_closing_bids_before_the_published_date_needs_a_reason_shown_beside_the_new_date(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    published = rnd.bids_close_at
    login(client, convenor.email)
    page = _flashes(client, rnd)
    assert f"The published date for “Bids close” is {published:%-d %B %Y}" in page
    _advance(client, rnd, RoundStatus.BIDS_CLOSED)
    assert _status(rnd.id) is RoundStatus.OPEN_FOR_BIDS
    assert "To move the table on before then, say why" in _flashes(client, rnd)
    assert not db.session.execute(select(AuditEntry).where(AuditEntry.action == "round_bids_closed")).first()

    _advance(client, rnd, RoundStatus.BIDS_CLOSED, reason="Every group has already sent its bid.")
    assert _status(rnd.id) is RoundStatus.BIDS_CLOSED
    moved = db.session.get(Round, rnd.id)
    assert moved.bids_close_at.date() == datetime.now(UTC).date()
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    today = f"{datetime.now(UTC):%-d %B %Y}"
    beside = public.split("Bids close", 1)[1].split("The panel starts reading", 1)[0]
    assert today in beside and "Every group has already sent its bid." in beside
    assert f"{published:%d %B %Y}" in beside
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "timetable_moved_earlier")).first()


def _deliberating_round_with_time_given():  # noqa: ANN202
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    f.funded(rnd.id, 50_000)
    lead = f.person("Gus Lead")
    grp = f.group(lead)
    a = f.proposal(lead, rnd.id, grp, 20_000)
    members = [f.person(f"Pat{i} Panel") for i in range(5)]
    for m in members:
        f.seat(convenor, rnd.id, m)
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        move_on(person=convenor, round_id=rnd.id, to=step, reason="Setting up the test.")
    until = date.today() + timedelta(days=18)
    ask_for_time(person=members[0], round_id=rnd.id, what="reading", until=until)
    return convenor, rnd, a, members, until


def test_a_members_granted_time_and_anothers_pause_are_not_overridden_without_a_recorded_reason(client, app):
    convenor, rnd, a, members, until = _deliberating_round_with_time_given()
    login(client, convenor.email)
    page = _flashes(client, rnd)
    assert f"{members[0].display_name}: more time for reading until {until:%-d %B %Y}" in page
    _advance(client, rnd, RoundStatus.VOTING, reason="We are ready.")
    assert _status(rnd.id) is RoundStatus.DELIBERATION
    assert f"{members[0].display_name} (more time for reading until {until:%-d %B %Y})" in _flashes(client, rnd)

    why = "The venue is closing for the winter."
    _advance(client, rnd, RoundStatus.VOTING, reason="We are ready.", override_reason=why)
    assert _status(rnd.id) is RoundStatus.VOTING
    told = db.session.execute(select(Notification).where(Notification.person_id == members[0].id)).scalars().all()
    assert any(why in n.body for n in told)

    set_paused(person=members[1], round_id=rnd.id, paused=True)
    for m in members[2:]:
        cast_ballot(person=m, round_id=rnd.id, chosen_ids=[a.id])
    close = f"/manage/tables/{rnd.slug}/close-voting"
    post_form(client, close, {"reason": "Everyone else has voted."}, page=f"/manage/tables/{rnd.slug}")
    assert _status(rnd.id) is RoundStatus.VOTING
    assert f"{members[1].display_name} (a pause)" in _flashes(client, rnd)
    assert db.session.execute(select(Result)).first() is None

    post_form(
        client,
        close,
        {"reason": "Everyone else has voted.", "override_reason": "The funder's deadline."},
        page=f"/manage/tables/{rnd.slug}",
    )
    assert _status(rnd.id) is not RoundStatus.VOTING
    paused_told = db.session.execute(select(Notification).where(Notification.person_id == members[1].id)).scalars()
    assert any("The funder's deadline." in n.body for n in paused_told)
    closed = db.session.get(Round, rnd.id)
    assert closed.voting_closes_at.date() == datetime.now(UTC).date()

    # The member's panel page tells the truth afterwards.
    post_form(client, "/logout")
    login(client, members[0].email)
    home = text_of(client.get(f"/panel/{rnd.slug}"))
    assert "has now closed" not in home
    assert f"closed on {datetime.now(UTC):%-d %B %Y}" in home
    assert "You have more time" not in home


def test_moving_on_on_or_after_the_published_date_needs_no_reason(client, app):
    convenor = f.person("Cara Convenor")
    start = datetime.now(UTC) - timedelta(days=3)
    rnd = f.open_round(convenor, bids_open_at=start - timedelta(days=1), bids_close_at=start)
    login(client, convenor.email)
    assert "The published date for" not in _flashes(client, rnd)
    _advance(client, rnd, RoundStatus.BIDS_CLOSED)
    assert _status(rnd.id) is RoundStatus.BIDS_CLOSED
    assert db.session.get(Round, rnd.id).bids_close_at == start


def test_the_command_line_does_not_close_voting_before_the_published_date(app, runner):
    convenor, rnd, a, members, until = _deliberating_round_with_time_given()
    move_on(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING, reason="Ready.", override_reason="Ready now.")
    result = runner.invoke(args=["rounds", "close-voting", rnd.slug])
    assert result.exit_code != 0 and "published to close on" in result.output
    assert _status(rnd.id) is RoundStatus.VOTING


def test_a_welsh_speaking_member_is_told_of_the_earlier_step_in_welsh(client, app):
    from babel.dates import format_date

    from grants.language.services import remember

    convenor, rnd, _a, members, until = _deliberating_round_with_time_given()
    remember(members[0].id, "cy")
    published = db.session.get(Round, rnd.id).voting_opens_at
    login(client, convenor.email)
    why = "The venue is closing for the winter."
    _advance(client, rnd, RoundStatus.VOTING, reason="We are ready.", override_reason=why)
    assert _status(rnd.id) is RoundStatus.VOTING
    told = db.session.execute(select(Notification).where(Notification.person_id == members[0].id)).scalars().all()
    note = next(n for n in told if why in n.body)
    old = format_date(published, "dd MMMM y", locale="cy_GB")
    assert note.subject == f"{rnd.title}: symudwyd pleidleisio'n agor yn gynharach"
    assert note.body.startswith(f"Roedd Pleidleisio'n agor ar {old} ")  # the step and its date in Welsh
    assert "Voting opens" not in note.body and "Voting opens" not in note.subject
    # The record keeps the English, as it was written.
    entries = db.session.execute(select(AuditEntry.summary).where(AuditEntry.action == "timetable_moved_earlier"))
    assert any(summary.startswith("Voting opens moved from ") for summary in entries.scalars())
