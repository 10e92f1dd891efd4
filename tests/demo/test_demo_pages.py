"""The demo data: every page of the journey renders for its role, and the demo's public
figures agree with the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.demo import DEMO_PASSWORD, demo_logins
from grants.extensions import db
from grants.models import Award, Entry, Group, PanelMember, Pledge, Proposal, RoundStatus
from tests.conftest import login, text_of


@pytest.fixture
def demo(demo):  # noqa: ANN001, ANN201 - the shared demo (tests/conftest.py: loaded once per process on SQLite)
    return {r.status: r for r in demo.values()}


def as_role(client, email: str) -> None:
    client.delete_cookie("session")
    assert login(client, email, DEMO_PASSWORD).status_code == 302


def ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return text_of(response)


def test_demo_has_tables_at_every_stage(demo):
    assert {RoundStatus.OPEN_FOR_BIDS, RoundStatus.VOTING, RoundStatus.PAYING} <= set(demo)


def test_demo_logins_are_one_per_role(demo):
    emails = [email for _, email in demo_logins()]
    assert len(emails) == len(set(emails)) == 6


def test_public_pages_render_and_match_the_ledger(client, demo):
    home = ok(client, "/")
    for status in (RoundStatus.OPEN_FOR_BIDS, RoundStatus.VOTING, RoundStatus.PAYING):
        assert demo[status].title in home
    ok(client, "/tables")
    ok(client, "/ledger")
    paying = demo[RoundStatus.PAYING]
    page = ok(client, f"/tables/{paying.slug}")
    received = -db.session.execute(
        select(func.sum(Entry.amount_pence))
        .join(Entry.account)
        .where(Entry.account.has(round_id=paying.id, kind="funder_giving"))
    ).scalar_one()
    assert f"Received from funders £{received // 100:,}" in page
    for group in db.session.execute(select(Group)).scalars():
        ok(client, f"/groups/{group.slug}")
    ok(client, "/funders/northern-community-trust")


def test_each_role_sees_its_pages(client, demo):
    open_round, voting, paying = demo[RoundStatus.OPEN_FOR_BIDS], demo[RoundStatus.VOTING], demo[RoundStatus.PAYING]

    as_role(client, "convenor@example.org")
    assert "Tables you run" in ok(client, "/me")
    for rnd in (open_round, voting, paying):
        ok(client, f"/manage/tables/{rnd.slug}")
    ok(client, f"/manage/tables/{open_round.slug}/rules")
    ok(client, f"/panel/{open_round.slug}/invite")
    ok(client, f"/money/tables/{paying.slug}/payments")

    as_role(client, "panel@example.org")
    assert "Panels you sit on" in ok(client, "/me")
    ok(client, f"/panel/{voting.slug}")
    proposal = db.session.execute(select(Proposal).where(Proposal.round_id == voting.id)).scalars().first()
    ok(client, f"/panel/{voting.slug}/proposals/{proposal.id}")
    assert "Your ballot" in ok(client, f"/vote/{voting.slug}")

    as_role(client, "member@example.org")
    ok(client, "/groups/mind-the-gap-peer-support/manage")
    mine = (
        db.session.execute(select(Proposal).where(Proposal.round_id == open_round.id).order_by(Proposal.id))
        .scalars()
        .first()
    )
    ok(client, f"/proposals/{mine.id}")
    ok(client, f"/proposals/{mine.id}/edit")
    ok(client, f"/proposals/{mine.id}/check")

    as_role(client, "funder@example.org")
    ok(client, "/funders/northern-community-trust/manage")
    ok(client, "/money/funders/northern-community-trust/pledge")
    pledge = db.session.execute(select(Pledge)).scalars().first()
    ok(client, f"/money/pledges/{pledge.id}/received")

    as_role(client, "treasurer@example.org")
    ok(client, f"/money/tables/{paying.slug}/payments")
    award = db.session.execute(select(Award).where(Award.round_id == paying.id)).scalars().first()
    ok(client, f"/money/awards/{award.id}/pay")


def test_roles_are_refused_elsewhere(client, demo):
    paying = demo[RoundStatus.PAYING]
    as_role(client, "other@example.org")
    assert client.get(f"/manage/tables/{paying.slug}").status_code == 403
    assert client.get("/groups/mind-the-gap-peer-support/manage").status_code == 403
    assert client.get(f"/panel/{paying.slug}").status_code == 403
    assert client.get("/funders/northern-community-trust/manage").status_code == 403
    award = db.session.execute(select(Award)).scalars().first()
    assert client.get(f"/money/awards/{award.id}/pay").status_code == 403
    # The panel member who decided cannot release money either.
    as_role(client, "panel@example.org")
    assert db.session.execute(select(PanelMember).where(PanelMember.round_id == paying.id)).first()
    assert client.get(f"/money/awards/{award.id}/pay").status_code == 403
