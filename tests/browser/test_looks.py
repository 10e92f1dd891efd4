"""Issue 17 in a real browser, at 390 and 1280 px: what a person sees that axe-core let through.
Each test names the page the issue saw broken; test_accessibility.py sweeps every page the same way."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveSite
from tests.browser.helpers import (
    DESKTOP,
    PHONE_390,
    axe_violations,
    extra_problems,
    looks_problems,
    new_context,
    scrolls_sideways,
    sign_in,
    style_sheets_lock_orientation,
)

WIDTHS = [pytest.param(PHONE_390, id="390"), pytest.param(DESKTOP, id="1280")]


def _open(browser, site: LiveSite, role: str, size: dict):  # noqa: ANN001, ANN202
    context = new_context(browser, viewport=size)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, role)
    return context, page, errors


@pytest.mark.parametrize("size", WIDTHS)
def test_the_panel_menu_is_visible(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    context, page, _ = _open(browser, site, "panel", size)
    page.goto(f"{site.url}/panel/{site.world.voting_round}")
    links = page.locator("nav[aria-label=Panel] a")
    assert links.count() >= 6
    colours = page.evaluate(
        """() => Array.from(document.querySelectorAll('nav[aria-label=Panel] a')).map(a => getComputedStyle(a).color)"""
    )
    assert "rgb(255, 255, 255)" not in colours  # white on the white page, as before
    assert looks_problems(page) == []
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_public_ledger_reads_on_a_phone_and_never_breaks_words(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    context, page, _ = _open(browser, site, "anonymous", size)
    page.goto(f"{site.url}/ledger")
    assert looks_problems(page) == []
    assert not scrolls_sideways(page)
    rows = page.locator("table.table-stack tbody tr").count()
    height = page.locator("table.table-stack").bounding_box()["height"]
    # The page was 9,604 px tall at 390 px (one letter per line); a row is now a few short lines.
    assert rows and height / rows < 330, f"{height} px for {rows} rows"
    assert [v for v in axe_violations(page) if "scrollable-region-focusable" in v] == []
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_where_the_money_went_keeps_the_table_column_readable(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    context, page, _ = _open(browser, site, "anonymous", size)
    page.goto(f"{site.url}/funders/{site.world.funder}")
    table = page.locator("table", has_text="Where the money from")
    assert table.count() == 1
    # The Table column is at least as wide as the longest word of a table's name.
    fits = page.evaluate(
        """() => {
            const cells = Array.from(document.querySelectorAll('table')).find(t => t.caption && /Where the money from/.test(t.caption.textContent))
                .querySelectorAll('tbody td:first-child');
            return Array.from(cells).every(td => td.getBoundingClientRect().width > 60);
        }"""
    )
    assert fits
    assert looks_problems(page) == []
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
@pytest.mark.parametrize("where", ["/", "/tables/peer-support-table-2026"])
def test_charts_are_readable_with_their_figures(browser, site: LiveSite, size, where: str) -> None:  # noqa: ANN001
    context, page, errors = _open(browser, site, "anonymous", size)
    page.goto(site.url + where)
    shown = page.evaluate(
        "() => Array.from(document.querySelectorAll('svg.chart')).filter(s => s.getBoundingClientRect().width > 0).length"
    )
    assert shown >= 1
    assert looks_problems(page) == []
    if where != "/":
        figures = page.locator("svg.chart-result text.chart-running-figure")
        visible = [t for t in figures.all() if t.is_visible()]
        assert visible and all(t.text_content().startswith("£") for t in visible)
    assert errors == []  # no 404 for the icon, nothing refused by the CSP
    context.close()


def test_a_result_and_its_figures_fit_a_phone_without_scrolling_inside(browser, site: LiveSite) -> None:  # noqa: ANN001
    """At 390 px the result table and each chart's figures scrolled sideways inside their regions, the
    caption "How each proposal did in …" cut off at the edge and "Outcome and why" one word a line;
    each row now stacks, every figure under its column's name, the sentence the row's whole width."""
    context, page, _ = _open(browser, site, "anonymous", PHONE_390)
    page.goto(f"{site.url}/tables/peer-support-table-2026")
    regions = page.evaluate(
        """() => Array.from(document.querySelectorAll('.table-wrap'))
            .filter(r => r.getBoundingClientRect().width > 0)
            .map(r => [r.getAttribute('aria-label'), r.scrollWidth - r.clientWidth])"""
    )
    assert len(regions) >= 2, regions
    assert [r for r in regions if r[1] > 1] == []
    outcome = page.locator("#how-each-did td.cell-long").first
    table = page.locator("#how-each-did table")
    assert outcome.bounding_box()["width"] > 0.9 * table.bounding_box()["width"]
    assert outcome.evaluate("td => getComputedStyle(td, '::before').content") == '"Outcome and why"'
    # Each caption as wide as its table, not one word a line.
    captions = page.evaluate(
        """() => Array.from(document.querySelectorAll('.table-wrap table.table-stack'))
            .filter(t => t.getBoundingClientRect().width > 0)
            .map(t => t.caption.getBoundingClientRect().width / t.getBoundingClientRect().width)"""
    )
    assert captions and min(captions) > 0.9, captions
    # In Welsh the label "Cyfanswm cronnus yr hyn a ariannwyd" did not wrap (a figure's cell is nowrap)
    # and pushed its figure out of sight: every figure stays inside its cell.
    page.goto(f"{site.url}/language/cy?next=/tables/peer-support-table-2026")
    hidden = page.evaluate(
        """() => Array.from(document.querySelectorAll('.table-stack td.num'))
            .filter(td => td.getBoundingClientRect().width > 0)
            .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                            return r.getBoundingClientRect().right > td.getBoundingClientRect().right + 1; })
            .map(td => td.getAttribute('data-label'))"""
    )
    assert hidden == [], hidden
    assert looks_problems(page) == []
    context.close()


def test_the_convenor_previews_a_draft_table(browser, site: LiveSite) -> None:  # noqa: ANN001
    context, page, _ = _open(browser, site, "convenor", DESKTOP)
    page.goto(f"{site.url}/manage/tables/{site.world.draw_round}")
    page.get_by_role("link", name="Preview the public page").click()
    assert page.locator("h1").count() == 1
    assert "Preview." in page.locator("main").inner_text()
    assert looks_problems(page) == []
    context.close()


def test_the_checks_see_what_axe_let_through(browser) -> None:  # noqa: ANN001
    """The sweep's own checks catch each thing issue 17 saw, on a page made to show them."""
    page = browser.new_page(viewport=PHONE_390)
    page.set_content(
        "<html><body><nav><ul><li><a href='#' style='color:#fff'>Ground rules</a></li></ul></nav>"
        "<table style='width:60px'><tr><td style='overflow-wrap:anywhere'>December Payment</td></tr></table>"
        "<svg class='chart' viewBox='0 0 760 50' width='300'><title>T</title>"
        "<text x='700' y='30' font-size='14'>Hearing Voices Leeds £3,000</text></svg></body></html>"
    )
    found = looks_problems(page)
    assert '"Ground rules" (a) is the colour of what is behind it' in found
    assert 'the word "December" is broken across lines in a table' in found
    assert any("is 5." in p and "px tall on screen" in p for p in found)
    assert 'chart "T" label "Hearing Voices Leeds £3,000" is cut off at the edge of the picture' in found
    page.close()


def test_axe_names_where_a_violation_is(browser) -> None:  # noqa: ANN001
    """axe_violations runs axe without selectors first; a violation is still found, and placed.
    The experimental WCAG rules run too (a button whose name is not its visible words, 2.5.3)."""
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.set_content(
        "<html lang='en'><head><title>T</title></head><body><main><h1>T</h1><img src='data:,'>"
        "<button aria-label='Keep my bid'>Delete my bid</button></main></body></html>"
    )
    assert axe_violations(page) == [
        "image-alt (critical): Images must have alternative text at img",
        "label-content-name-mismatch (serious): Elements must have their visible text as part of their accessible"
        " name at button",
    ]
    page.set_content("<html lang='en'><head><title>T</title></head><body><main><h1>T</h1></main></body></html>")
    assert axe_violations(page) == []
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_sites_style_sheets_do_not_lock_the_orientation(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    """WCAG 1.3.4, which axe's run by tags leaves out (css-orientation-lock is experimental in axe
    4.10). The rule reads style sheets, not content, and every page has the site's one style
    sheet and no other (the sweep checks that on every page: `extra_problems`), so one page
    answers for all. The check finds a lock when there is one."""
    context, page, _errors = _open(browser, site, "anonymous", size)
    page.goto(site.url + "/")
    assert extra_problems(page) == []
    assert style_sheets_lock_orientation(page) == []
    page.close()
    page = context.new_page()  # a blank page: the site's CSP refuses a <style> element
    page.set_content(
        "<html lang='en'><head><title>T</title><style>@media screen and (min-width: 1px) and (orientation: landscape)"
        " { html { transform: rotate(90deg); } } @media screen and (min-width: 1px) and (orientation: portrait)"
        " { html { transform: rotate(90deg); } }</style></head><body><main><h1>T</h1></main></body></html>"
    )
    assert style_sheets_lock_orientation(page) == [
        "css-orientation-lock (serious): CSS Media queries must not lock display orientation"
    ]
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_the_new_table_task_list_reads_right(browser, fresh_site: LiveSite, size) -> None:  # noqa: ANN001
    """A convenor starts a table, answers a part, and checks the answers: each page short, nothing hidden."""
    from tests.browser.conftest import SCREENSHOTS
    from tests.browser.helpers import shot

    context, page, errors = _open(browser, fresh_site, "convenor", size)
    width = size["width"]
    folder = SCREENSHOTS / "convenor"
    page.goto(f"{fresh_site.url}/manage/tables/new")
    shot(page, folder, f"new-table-start-{width}")
    page.get_by_label("Name of the table", exact=True).fill("Walking Table")
    page.get_by_label("What is the money for?", exact=True).fill("Money for walking groups.")
    page.get_by_role("button", name="Save and start the table").click()
    assert page.locator("h1").inner_text() == "Set up Walking Table"
    assert page.locator(".task-list-item").count() == 9
    shot(page, folder, f"new-table-task-list-{width}")
    page.get_by_role("link", name="Ballot").click()
    page.get_by_label("Scores: score each proposal").check()
    page.get_by_role("button", name="Save and continue").click()
    assert page.get_by_label("Highest score on each criterion").is_visible()
    assert page.get_by_label("Points each panel member spreads").count() == 0
    page.get_by_role("button", name="Save and continue").click()  # nothing filled in: every problem at once
    assert page.locator(".error-summary li").count() == 2
    shot(page, folder, f"new-table-ballot-settings-error-{width}")
    page.goto(f"{fresh_site.url}/manage/tables/walking-table/setup/check")
    assert page.locator(".summary-action a").count() >= 18
    shot(page, folder, f"new-table-check-{width}")
    for where in ("new", "walking-table/setup", "walking-table/setup/counting", "walking-table/setup/check"):
        page.goto(f"{fresh_site.url}/manage/tables/{where}")
        assert axe_violations(page) == [], where
        assert looks_problems(page) == [], where
        assert not scrolls_sideways(page), where
    assert [e for e in errors if "(BAD REQUEST)" not in e] == []  # the refused page is a 400, nothing else
    context.close()


@pytest.mark.parametrize("size", WIDTHS)
def test_check_pages_have_a_change_link_on_each_row(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    """The paper batch and the consensus record: each row its own Change, which lands on its own question."""
    from tests.browser.conftest import SCREENSHOTS
    from tests.browser.helpers import shot

    width = size["width"]
    journeys = [
        ("convenor", f"/vote/{site.world.voting_round}/paper", "paper-check", "#paper-ballots"),
        ("panel", f"/vote/{site.world.consensus_round}/consensus", "consensus-check", "#consensus-aside"),
    ]
    for role, path, name, last_anchor in journeys:
        context, page, _errors = _open(browser, site, role, size)
        page.goto(f"{site.url}{path}")
        if "paper" in path:
            page.locator("input[name=voter]").first.check()
            page.locator("#paper-ballots").fill("1")
        else:
            page.locator("input[name=present]").first.check()
        # The click does not wait for the answer: wait for the check page's own Change buttons before counting.
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        changes = page.locator(".summary-action button")
        changes.first.wait_for()
        assert changes.count() >= 2, name
        assert looks_problems(page) == [] and not scrolls_sideways(page), name
        assert axe_violations(page) == [], name
        shot(page, SCREENSHOTS / role, f"{name}-{width}")
        changes.last.click()
        page.wait_for_load_state()
        assert page.url.endswith(last_anchor), (name, page.url)
        context.close()


# Each budget line as drawn: its title, whether the title shows, where the line starts and ends, and its rule.
BUDGET_LINES = """() => Array.from(document.querySelectorAll('.budget-line')).map(line => {
    const title = line.querySelector('h3'), box = line.getBoundingClientRect(), look = getComputedStyle(line);
    return {title: title.textContent.trim(), shown: title.offsetWidth > 1 && title.offsetHeight > 1,
            top: box.top, bottom: box.bottom, rule: parseFloat(look.borderLeftWidth), colour: look.borderLeftColor};
})"""


@pytest.mark.parametrize("size", WIDTHS)
def test_each_budget_line_on_the_bid_form_is_set_apart_and_numbered(browser, site: LiveSite, size) -> None:  # noqa: ANN001
    """The bid form's budget read as one column of "Item, Cost, Item, Cost" at 390 px, the same gap
    everywhere, so a cost could be read with the next line's item. Each line now shows its number,
    a rule down its side, and a clear gap before the next."""
    context, page, _ = _open(browser, site, "member", size)
    page.goto(f"{site.url}/proposals/new/{site.world.open_round}?group={site.world.member_group}")
    lines = page.evaluate(BUDGET_LINES)
    assert len(lines) >= 3
    assert [line["title"] for line in lines] == [f"Line {n}" for n in range(1, len(lines) + 1)]
    assert all(line["shown"] for line in lines), lines
    assert all(line["rule"] >= 3 and line["colour"] not in ("transparent", "rgba(0, 0, 0, 0)") for line in lines), lines
    for line, after in zip(lines, lines[1:], strict=False):
        assert after["top"] - line["bottom"] >= 16, (line, after)
    assert looks_problems(page) == []
    assert not scrolls_sideways(page)
    context.close()
