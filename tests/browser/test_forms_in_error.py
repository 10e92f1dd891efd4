"""Issue 17 in a real browser, at 390 and 1280 px: the forms a panel member, convenor, funder or
treasurer fills in, refused, and the convenor's page of a table with a long list. Each refused form
shows every problem in a summary at the top whose links lead to boxes a person can see (not clipped
off the side of a phone), passes axe and the looks checks, and is kept as a screenshot."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, LiveSite
from tests.browser.helpers import (
    DESKTOP,
    PHONE_390,
    axe_violations,
    looks_problems,
    new_context,
    scrolls_sideways,
    shot,
    sign_in,
)

WIDTHS = [pytest.param(PHONE_390, id="390"), pytest.param(DESKTOP, id="1280")]


def _open(browser, site: LiveSite, role: str, size: dict):  # noqa: ANN001, ANN202
    context = new_context(browser, viewport=size)
    page = context.new_page()
    sign_in(page, site, role)
    return context, page


def _send(page, form: str) -> None:  # noqa: ANN001
    """Press the submit button of the form matched by the CSS selector `form`, and wait for the answer."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def _looks_right_refused(page, size: dict, at_least: int) -> list[str]:  # noqa: ANN001
    """The summary's problems; each link leads to a box that is on the page, visible and on the screen."""
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    links = summary.locator("a")
    assert links.count() >= at_least, summary.inner_text()
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert target.startswith("#")
        box = page.locator(target)
        assert box.count() == 1, target
        assert box.is_visible(), target
        where = box.bounding_box()
        assert where["x"] >= 0 and where["x"] + where["width"] <= size["width"] + 1, (target, where)
    assert axe_violations(page) == []
    assert looks_problems(page) == []
    assert not scrolls_sideways(page)
    return links.all_inner_texts()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_score_ballot_refused_shows_every_problem(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    [slug] = [s for s in site.world.ballot_kind_rounds if "score" in s]
    context, page = _open(browser, site, "panel", size)
    page.goto(f"{site.url}/vote/{slug}")
    page.locator("input[type=radio]").first.check()  # one score given, its comment and the rest left out
    _send(page, "main form[method=post]")
    problems = _looks_right_refused(page, size, at_least=4)
    assert any(p.startswith("Write a short comment") for p in problems)
    assert any(p.startswith("Choose a score") for p in problems)
    assert page.locator("input[type=radio]").first.is_checked()  # what was chosen is kept
    shot(page, SCREENSHOTS / "panel", f"score-ballot-error-{size['width']}")
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_consensus_record_refused_shows_every_problem(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    context, page = _open(browser, site, "panel", size)
    page.goto(f"{site.url}/vote/{site.world.consensus_round}/consensus")
    for box in page.locator("input[name=present]").all():
        box.uncheck()
    page.locator("input[name=aside]").first.check()  # standing aside, but not present
    _send(page, "main form[method=post]")
    problems = _looks_right_refused(page, size, at_least=2)
    assert "Tick the panel members who were present." in problems
    assert "Only someone who was present can be recorded as standing aside." in problems
    shot(page, SCREENSHOTS / "panel", f"consensus-record-error-{size['width']}")
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_a_declaration_refused_in_the_conflicts_register(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    context, page = _open(browser, site, "panel", size)
    page.goto(f"{site.url}/panel/{site.world.voting_round}/conflicts")
    section = page.locator("details").first
    section.locator("summary").click()
    with page.expect_navigation():
        section.get_by_role("button", name="Save").click()
    assert _looks_right_refused(page, size, at_least=1) == ["Say briefly what the connection is"]
    shot(page, SCREENSHOTS / "panel", f"conflicts-register-error-{size['width']}")
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_a_refused_hold_is_shown_in_its_place_on_the_payments_page(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    tranche = site.world.scheduled_tranche
    context, page = _open(browser, site, "funder", size)
    page.goto(f"{site.url}/money/tables/{site.world.paying_round}/payments")
    page.locator(f"#hold-{tranche}-reason").fill("no")
    _send(page, f"form[action$='/tranches/{tranche}/hold']")
    problems = _looks_right_refused(page, size, at_least=1)
    assert problems == ["Write the reason in a sentence: it is published on the table's page"]
    assert page.locator(f"#hold-{tranche}-reason").input_value() == "no"
    shot(page, SCREENSHOTS / "funder", f"payments-hold-error-{size['width']}")
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_a_refused_record_of_money_sent_shows_every_problem(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    tranche = site.world.confirm_tranche["treasurer"]
    context, page = _open(browser, site, "treasurer", size)
    page.goto(f"{site.url}/money/tables/{site.world.paying_round}/payments")
    _send(page, f"form[action$='/tranches/{tranche}/confirm']")
    problems = _looks_right_refused(page, size, at_least=2)
    assert problems == ["Enter the date paid", "Enter the bank reference"]
    shot(page, SCREENSHOTS / "treasurer", f"payments-sent-error-{size['width']}")
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_a_refused_pay_choice_shows_every_problem(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    context, page = _open(browser, site, "panel", size)
    page.goto(f"{site.url}/money/tables/{site.world.paying_round}/my-pay")
    page.get_by_label("Pay me a smaller amount, by bank transfer").check()
    page.locator("#pref-account_name").fill("")
    page.locator("#pref-sort_code").fill("12-34")
    page.locator("#pref-account_number").fill("")
    _send(page, "form[action$='/my-pay/choice']")
    problems = _looks_right_refused(page, size, at_least=3)
    assert "Enter the most you want to be paid for this table." in problems
    assert "Enter your sort code as 6 digits, like 12-34-56." in problems
    assert page.locator("#pref-sort_code").input_value() == "12-34"
    shot(page, SCREENSHOTS / "panel", f"pay-choice-error-{size['width']}")
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_manage_page_shows_a_long_list_a_page_at_a_time(browser, site: LiveSite, size, monkeypatch) -> None:  # noqa: ANN001
    from grants import paging

    monkeypatch.setattr(paging, "PER_PAGE", 2)  # the demo table's 4 proposals, as if it had thousands
    context, page = _open(browser, site, "convenor", size)
    page.goto(f"{site.url}/manage/tables/{site.world.paying_round}")
    pager = page.locator("nav.pager")
    assert pager.is_visible() and "Showing 1 to 2 of 4 proposals" in pager.inner_text()
    assert axe_violations(page) == [] and looks_problems(page) == [] and not scrolls_sideways(page)
    shot(page, SCREENSHOTS / "convenor", f"manage-table-paged-{size['width']}")
    page.get_by_role("link", name="Next").click()
    page.wait_for_load_state()
    assert page.url.endswith("?page=2#proposals")
    assert "Showing 3 to 4 of 4 proposals" in page.locator("nav.pager").inner_text()
    context.close()
