"""Every public page renders with the demo data on each database, and its figures match the ledger."""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import select

from grants.extensions import db
from grants.ledger import books, published
from grants.models import Award, Funder, Group, Proposal, ProposalStatus, Tranche, TrancheStatus
from grants.money_format import format_pence as gbp
from grants.public import queries
from tests.conftest import text_of

PERSONAL = ["Cara Convenor", "Pat Panel", "Gus Group", "Olu Other", "Fay Funder", "Theo Treasurer", "@example.org"]


def _get(client, url: str):  # noqa: ANN001, ANN202
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    # The CSP forbids inline styles and scripts: a page that needs them is broken for everyone.
    assert " style=" not in html and "<script" not in html, url
    for name in PERSONAL:
        assert name not in html, (url, name)
    return response


def test_home_shows_stages_and_platform_totals_from_the_ledger(client, demo):
    text = text_of(_get(client, "/"))
    totals = published.platform_summary()
    assert totals.received_pence > 0 and totals.paid_pence > 0
    assert f"Received from funders {gbp(totals.received_pence)}" in text
    assert f"Awarded to groups {gbp(totals.awarded_pence)}" in text
    assert f"Paid to groups {gbp(totals.paid_pence)}" in text
    for stage in ("Open for bids", "Panels reading and voting", "Decided and paying"):
        assert stage in text
    for rnd in demo.values():
        assert rnd.title in text


def test_every_round_page_renders_with_money_matching_the_ledger(client, demo):
    _get(client, "/tables")
    for slug, rnd in demo.items():
        text = text_of(_get(client, f"/tables/{slug}"))
        # The published figures (panel pay to fewer than 5 people left out) and how they differ from the pot's.
        m, pot = published.round_summary(rnd.id), books.round_summary(rnd.id)
        held = published.panel_money([rnd.id])[rnd.id]
        assert m.available_pence == pot.available_pence + held.held_out_pence - held.held_given_pence
        assert f"Received from funders {gbp(m.received_pence)}" in text
        assert f"Committed to groups, not yet paid {gbp(m.committed_pence)}" in text
        assert f"Paid to groups {gbp(m.paid_pence)}" in text
        assert f"Still available {gbp(m.available_pence)}" in text
        assert f"Timetable of {rnd.title}" in text
        # Unfunded proposals from groups that did not agree to be named never appear.
        hidden = db.session.execute(
            select(Proposal).where(
                Proposal.round_id == rnd.id,
                Proposal.agreed_to_be_named.is_(False),
                Proposal.status != ProposalStatus.FUNDED,
            )
        ).scalars()
        for p in hidden:
            assert p.title not in text
            assert p.group.name not in text


def test_decided_round_shows_result_chart_recusals_quorum_panel_and_ballot_file(client, demo):
    rnd = demo["peer-support-table-2026"]
    html = _get(client, f"/tables/{rnd.slug}").get_data(as_text=True)
    text = text_of(client.get(f"/tables/{rnd.slug}"))
    page = queries.round_page(rnd)
    assert page.result is not None and page.result.ballots_counted == 5
    assert "Ballots cast: 5." in text
    funded = [line for line in page.result.lines if line.is_funded]
    assert f"{len(funded)} of {len(page.result.lines)} proposals funded, {gbp(page.result.spent_pence)}" in text
    # The stored summary counts ballots even when fewer than 5 voted; the result section does not show it.
    # (The public audit record still quotes it: that entry is written by the decision code.)
    result_section = text[text.index("The result") : text.index("Check the count yourself")]
    assert page.result.summary not in result_section
    assert "People on the panel who could vote: 6." in text
    # A count of declarations under 5 goes through the one suppression rule (issue 15).
    assert "Declared interests (recusals): fewer than 5." in text
    assert "Panel members 6" in text
    assert f"How each proposal did in {rnd.title}" in text
    assert page.result.ballot_fingerprint in text
    assert f'href="/tables/{rnd.slug}/decision.pb"' in html
    # The file's first address sends people on to the one file, checked against the fingerprint.
    moved = client.get(f"/tables/{rnd.slug}/ballots.pb")
    assert moved.status_code == 308 and moved.headers["Location"].endswith(f"/tables/{rnd.slug}/decision.pb")
    assert client.get(f"/tables/{rnd.slug}/ballots.pb", follow_redirects=True).status_code == 200
    # Links to the open data for this table work.
    for link in re.findall(r'href="(/open-data/[^"]+|/api/v1/[^"]+)"', html):
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_small_panel_figures_are_suppressed(client, demo):
    from grants.models import PanelMember

    rnd = demo["peer-support-table-2026"]
    members = db.session.execute(select(PanelMember).where(PanelMember.round_id == rnd.id)).scalars().all()
    for member in members[:2]:
        member.is_paused = True  # 2 of 6 paused: the part is too small to publish
    members[0].has_lived_experience = False  # 5 of 6 say so: the one who does not could be worked out
    db.session.commit()
    text = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Members taking a pause not shown (too few to publish safely)" in text
    assert "Members who say they have lived experience not shown" in text
    for member in members[2:]:
        member.stepped_down_at = member.joined_at  # leaves 2 on the panel
    db.session.commit()
    text = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "The panel has fewer than 5 members just now" in text
    assert "Panel members 2" not in text


def test_held_payment_shows_with_its_reason(client, demo):
    award = db.session.execute(select(Award).order_by(Award.id)).scalars().first()
    db.session.add(
        Tranche(
            award_id=award.id,
            number=99,
            amount_pence=10_000,
            status=TrancheStatus.HELD,
            idempotency_key="held-test",
            held_reason="Waiting for the group's new bank details.",
        )
    )
    db.session.commit()
    text = text_of(_get(client, f"/tables/{award.round.slug}"))
    held = sum(t.amount_pence for t in db.session.execute(
        select(Tranche).join(Award).where(Award.round_id == award.round_id, Tranche.status == TrancheStatus.HELD)
    ).scalars())
    assert held >= 10_000
    assert f"Held by a funder, with the reasons above: {gbp(held)}." in text
    assert "The funder's reason: “Waiting for the group's new bank details.”" in text


def test_group_and_funder_pages_match_the_ledger(client, demo):
    for group in db.session.execute(select(Group)).scalars():
        text = text_of(_get(client, f"/groups/{group.slug}"))
        awards = db.session.execute(select(Award).where(Award.group_id == group.id)).scalars().all()
        paid = books.award_paid_totals([a.id for a in awards])
        for a in awards:
            assert f"{a.proposal.title} {gbp(a.amount_pence)} {gbp(paid[a.id])}" in text
    for funder in db.session.execute(select(Funder)).scalars():
        text = text_of(_get(client, f"/funders/{funder.slug}"))
        for round_id, given in books.funder_summary(funder.id).items():
            rnd = next(r for r in demo.values() if r.id == round_id)
            assert f"{rnd.title} {gbp(1_200_000)} {gbp(given)}" in text


def test_ledger_pages_filter_and_running_totals_match_the_ledger(client, demo):
    text = text_of(_get(client, "/ledger"))
    totals = published.platform_summary()
    rows = published.ledger_rows(limit=1000)
    assert rows, "the demo moves money"
    newest, oldest = rows[0], rows[-1]
    # Running totals after the newest movement are the ledger's totals.
    assert newest.received_so_far_pence == totals.received_pence
    assert newest.paid_so_far_pence == totals.paid_pence
    assert newest.awarded_so_far_pence == totals.awarded_pence
    assert oldest.received_so_far_pence == (oldest.amount_pence if oldest.kind.value == "contribution" else 0)
    assert [(r.occurred_on, r.id) for r in rows] == sorted(((r.occurred_on, r.id) for r in rows), reverse=True)
    assert gbp(newest.received_so_far_pence) in text
    for rnd in demo.values():
        text = text_of(_get(client, f"/ledger?round={rnd.id}"))
        # The published figures (panel pay to fewer than 5 people left out) and how they differ from the pot's.
        m, pot = published.round_summary(rnd.id), books.round_summary(rnd.id)
        held = published.panel_money([rnd.id])[rnd.id]
        assert m.available_pence == pot.available_pence + held.held_out_pence - held.held_given_pence
        assert f"Received from funders {gbp(m.received_pence)}" in text
        round_rows = published.ledger_rows(round_id=rnd.id, limit=1000)
        assert all(r.round_id == rnd.id for r in round_rows)
        assert round_rows[0].received_so_far_pence == m.received_pence
    group = db.session.execute(select(Group).order_by(Group.id)).scalars().first()
    _get(client, f"/ledger?group={group.id}")
    funder = db.session.execute(select(Funder)).scalars().first()
    _get(client, f"/ledger?funder={funder.id}&page=2")
    _get(client, "/ledger?round=not-a-number&page=-3")


def test_with_many_groups_the_ledger_finds_a_group_by_part_of_its_name(client, demo, monkeypatch):
    """A list of thousands of groups is no use to anyone: past a few, the filter is a search."""
    from grants.public import views

    with_money = db.session.execute(
        select(Group).where(Group.id.in_(select(Award.group_id))).order_by(Group.name)
    ).scalars().all()
    assert len(with_money) >= 2, "the demo pays more than one group"
    html = _get(client, "/ledger").get_data(as_text=True)
    assert 'id="filter-group"' in html and 'name="group_name"' not in html  # few groups: a list
    monkeypatch.setattr(views, "GROUP_LIST_MAX", 1)
    html = _get(client, "/ledger").get_data(as_text=True)
    assert 'id="filter-group"' not in html and 'name="group_name"' in html
    one = with_money[0]
    # Part of one group's name, in other letters' case, filters as choosing the group does.
    found = text_of(_get(client, f"/ledger?group_name={one.name[1:-1].upper()}"))
    chosen = text_of(_get(client, f"/ledger?group={one.id}"))
    if sum(one.name[1:-1].lower() in g.name.lower() for g in with_money) == 1:
        assert found == chosen
    # A part every group shares asks which one, with a link to each.
    common = next(c for c in "eaoiu rtns" if all(c in g.name.lower() for g in with_money))
    which = _get(client, f"/ledger?group_name={common}").get_data(as_text=True)
    assert "Which group?" in which
    for g in with_money:
        assert f"/ledger?group={g.id}" in which.replace("&amp;", "&")
    for nothing in ("no such group at all", "100%", "_"):
        text = text_of(_get(client, f"/ledger?group_name={quote(nothing)}"))
        assert "No group that has had money has" in text


def test_ledger_pages_through_many_movements(client, app):
    from datetime import date, timedelta

    from grants.models import Account, AccountKind, EntryKind
    from tests import factories

    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    for i in range(60):
        books.post(
            EntryKind.CONTRIBUTION,
            f"Gift {i}",
            [
                (books.account(AccountKind.FUNDER_GIVING, round_id=rnd.id, funder_id=None), -100),
                (books.account(AccountKind.ROUND_AVAILABLE, round_id=rnd.id), 100),
            ],
            occurred_on=date(2026, 1, 1) + timedelta(days=i),
            round_id=rnd.id,
        )
    db.session.commit()
    assert db.session.query(Account).count() == 2
    first = text_of(client.get("/ledger"))
    second = text_of(client.get("/ledger?page=2"))
    assert "Gift 59" in first and "Gift 10" in first and "Gift 9 " not in first
    assert "Gift 9 " in second and "Gift 0 " in second
    assert "Older" in first and "Newer" in second


def _running_totals_by_hand(rows_oldest_first) -> dict:  # noqa: ANN001
    """Received, awarded and paid after each movement, added up one movement at a time."""
    from grants.models import AccountKind, Entry

    out, received, awarded, paid = {}, 0, 0, 0
    for group_id in rows_oldest_first:
        for entry in db.session.execute(select(Entry).where(Entry.entry_group_id == group_id)).scalars():
            kind = entry.account.kind
            received -= entry.amount_pence if kind is AccountKind.FUNDER_GIVING else 0
            awarded += entry.amount_pence if kind in (AccountKind.AWARD_COMMITTED, AccountKind.AWARD_PAID) else 0
            paid += entry.amount_pence if kind is AccountKind.AWARD_PAID else 0
        out[group_id] = (received, awarded, paid)
    return out


def test_running_totals_agree_with_adding_up_by_hand_on_every_page_and_filter(demo):
    from grants.models import EntryGroup

    rounds = list(demo.values())
    groups = db.session.execute(select(Award.group_id)).scalars().all()
    funders = db.session.execute(select(Funder.id)).scalars().all()
    cases = (
        {},
        {"round_id": rounds[0].id},
        {"round_id": rounds[-1].id},
        {"group_id": groups[0]},
        {"funder_id": funders[0]},
    )
    for filters in cases:
        stmt = select(EntryGroup.id).where(EntryGroup.kind.in_(published.ITEMISED_KINDS))
        for name, value in filters.items():
            stmt = stmt.where(getattr(EntryGroup, name) == value)
        ids = db.session.execute(stmt.order_by(EntryGroup.occurred_on, EntryGroup.id)).scalars().all()
        by_hand = _running_totals_by_hand(ids)
        seen = []
        for offset in range(0, len(ids) + 3, 3):  # pages of three, newest first
            page = published.ledger_rows(**filters, limit=3, offset=offset)
            seen += page
            for row in page:
                got = (row.received_so_far_pence, row.awarded_so_far_pence, row.paid_so_far_pence)
                assert got == by_hand[row.id], (filters, row.description)
        assert [r.id for r in seen] == list(reversed(ids)), filters


def test_home_shows_a_dozen_tables_per_stage_and_links_to_the_rest(client, app):
    from tests import factories

    convenor = factories.person()
    for i in range(14):
        factories.open_round(convenor, title=f"Bids table {i:02d}")
    text = text_of(_get(client, "/"))
    assert text.count("Bids table") == 12
    assert "See all 14 tables, with their money" in text
    assert text_of(_get(client, "/tables")).count("Bids table") == 14


def test_the_ledger_offers_only_groups_that_have_had_money(client, demo):
    from tests import factories

    idle = factories.group(factories.person(), name="Group with no award yet")
    html = _get(client, "/ledger").get_data(as_text=True)
    for group_id, name in db.session.execute(select(Group.id, Group.name).join(Award, Award.group_id == Group.id)):
        assert f'<option value="{group_id}"' in html, name
    assert idle.name not in html
