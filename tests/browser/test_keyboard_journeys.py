"""Keyboard-only journeys (Tab, Shift+Tab, Space, Enter; no mouse): submit a bid, cast a
ballot, release a payment. `cast_ballot_by_keyboard` is the reusable helper for ballot
types: pass `fill` to answer a different ballot paper (ranking, scores...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from tests.browser.conftest import LiveSite
from tests.browser.helpers import focused_label, new_context, sign_in, tab_to


def _page(browser, site: LiveSite, role: str):  # noqa: ANN001, ANN202
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, site, role)
    return page


def url(site: LiveSite, endpoint: str, **values) -> str:  # noqa: ANN003
    """An absolute URL on the live site."""
    from flask import url_for

    with site.app.test_request_context():
        return site.url + url_for(endpoint, **values)


def _type_into(page, label: str, text: str) -> None:  # noqa: ANN001
    tab_to(page, label)
    page.keyboard.type(text)


def type_date(page, day: date) -> None:  # noqa: ANN001
    """Type a date into the focused date field, segment by segment, as a keyboard user does.

    Chromium's date field follows the browser's interface language, not the page's; try the
    month-first order (en-US, Debian's default) and then day-first."""
    for pattern in ("%m%d%Y", "%d%m%Y"):
        page.keyboard.type(day.strftime(pattern), delay=20)
        if page.evaluate("() => document.activeElement.value") == day.isoformat():
            return
        for _ in range(3):  # clear each segment going back
            page.keyboard.press("Backspace")
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
    raise AssertionError("could not type the date")


def approve(*labels: str) -> Callable:
    """Fill an approval ballot: tick each proposal whose label contains one of `labels`."""

    def fill(page) -> None:  # noqa: ANN001
        for label in labels:
            tab_to(page, label)
            page.keyboard.press("Space")
            assert page.evaluate("() => document.activeElement.checked"), label

    return fill


def cast_ballot_by_keyboard(page, site: LiveSite, slug: str, fill: Callable) -> str:  # noqa: ANN001
    """From the panel page to a receipt, by keyboard only. Returns the receipt code."""
    page.goto(url(site, "panels.home", slug=slug))
    tab_to(page, "Vote")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == url(site, "ballots.vote", slug=slug)
    fill(page)
    tab_to(page, "Continue")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Check your ballot" in page.locator("h1").inner_text()
    tab_to(page, "Cast my vote")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == url(site, "ballots.receipt", slug=slug)
    return page.locator(".receipt").inner_text().strip()


def test_submit_a_bid_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    page = _page(browser, site, "member")
    page.goto(url(site, "public.round", slug=site.world.open_round))
    tab_to(page, "Bid for your group")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "Allotment Minds")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _type_into(page, "Title of your proposal", "Winter soup club")
    _type_into(page, "Summary", "A warm meal and company every Thursday.")
    _type_into(page, "What will you do?", "Cook together on the allotment's stove.")
    # Back with Shift+Tab to correct the summary, then on again.
    tab_to(page, "Summary", backwards=True)
    page.keyboard.type(" Open to everyone.")
    _type_into(page, "Who will benefit?", "People on their own through the winter.")
    _type_into(page, "Item", "Ingredients")
    page.keyboard.press("Tab")
    assert "Cost in pounds" in focused_label(page)
    page.keyboard.type("450")
    tab_to(page, "Show our group")
    page.keyboard.press("Space")
    tab_to(page, "Save and check your answers")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/check" in page.url, page.locator("main").inner_text()[:500]
    tab_to(page, "Submit the proposal")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    from grants.extensions import db
    from grants.models import Proposal

    with site.app.app_context():
        bid = db.session.execute(select(Proposal).where(Proposal.title == "Winter soup club")).scalar_one()
        assert bid.is_submitted
        assert bid.summary.endswith("Open to everyone.")
        assert bid.requested_pence == 45_000
        assert bid.agreed_to_be_named


def test_cast_an_approval_ballot_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    page = _page(browser, site, "panel")
    from grants.extensions import db
    from grants.models import Ballot

    with site.app.app_context():
        before = db.session.execute(select(func.count(Ballot.id))).scalar()
    code = cast_ballot_by_keyboard(
        page, site, site.world.voting_round, approve("Weekly peer support evenings", "Raised beds and tools")
    )
    assert len(code) >= 6
    with site.app.app_context():
        assert db.session.execute(select(func.count(Ballot.id))).scalar() == before + 1


def test_release_a_payment_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    page = _page(browser, site, "treasurer")
    from grants.extensions import db
    from grants.models import Tranche

    with site.app.app_context():
        before = db.session.execute(select(func.count(Tranche.id))).scalar()
    page.goto(url(site, "money.pay", award_id=site.world.award_id))
    _type_into(page, "Amount paid", "100")
    tab_to(page, "Date paid")
    type_date(page, date.today())
    _type_into(page, "Bank reference", "OT-KEYBOARD-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/payments" in page.url, page.locator("main").inner_text()[:500]
    with site.app.app_context():
        assert db.session.execute(select(func.count(Tranche.id))).scalar() == before + 1
        tranche = db.session.execute(select(Tranche).order_by(Tranche.id.desc())).scalars().first()
        assert tranche.amount_pence == 10_000
