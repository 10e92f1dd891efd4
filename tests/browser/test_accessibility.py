"""Every page type, for every role, in its normal state and its error state (a form sent
empty), checked in a real browser: axe-core's WCAG 2.2 A and AA rules, choice groups in
fieldsets with legends, no placeholder-only labels, no sideways scrolling at 320 px, and a
visible focus on every element Tab reaches. Screenshots of the main pages are saved."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.browser.conftest import SCREENSHOTS, LiveSite
from tests.browser.helpers import (
    axe_violations,
    extra_problems,
    new_context,
    screenshot,
    scrolls_sideways_at_320,
    sign_in,
    tab_through_checking_focus,
)
from tests.security.test_authorisation_matrix import MATRIX
from tests.security.world import ROLES

# Not HTML pages: a ballot file and an image.
NOT_HTML = {
    "public.ballot_file_download", "public.upload", "decisions.decision_download", "ops.healthz",
    "opendata.download", "opendata.feed", "opendata.threesixty_json", "opendata.threesixty_csv",
    "opendata.threesixty_transactions_csv", "money.panel_pay_csv", "money.receipt",
}  # fmt: skip
NOT_HTML |= {
    "api.awards", "api.ledger_entries", "api.not_found", "api.openapi_document", "api.proposals", "api.results",
    "api.round_detail", "api.rounds", "api.totals",
}  # fmt: skip
# Screenshots of the main pages (endpoint, role) -> file name.
SCREENSHOT = {
    ("public.home", "anonymous"): "home",
    ("public.rounds", "anonymous"): "tables",
    ("public.round", "anonymous"): "table",
    ("public.ledger", "anonymous"): "ledger",
    ("public.group", "anonymous"): "group",
    ("auth.login", "anonymous"): "sign-in",
    ("auth.dashboard", "member"): "your-page",
    ("proposals.new", "member"): "bid-form",
    ("panels.home", "panel"): "panel",
    ("ballots.vote", "panel"): "ballot",
    ("rounds.manage", "convenor"): "manage-table",
    ("money.pay", "treasurer"): "record-payment",
}
# The error state: a form on the page sent empty (inputs cleared, browser validation off).
FORMS = """Array.from(document.querySelectorAll('main form[method=post], main form[method=POST]'))
        .filter(f => f.querySelector('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, select'))"""
HAS_FORM = "() => " + FORMS + ".length > 0"
SUBMIT_EMPTY = """() => {
    const forms = Array.from(document.querySelectorAll('main form[method=post], main form[method=POST]'))
        .filter(f => f.querySelector('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, select'));
    if (!forms.length) return false;
    const form = forms[0];
    for (const el of form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), textarea')) el.value = '';
    form.noValidate = true;
    form.requestSubmit();
    return true;
}"""

# Without any script, a page that shows what went wrong starts with the focus on that summary.
SUMMARY_HAS_FOCUS = "() => !!document.activeElement && document.activeElement.classList.contains('error-summary')"


def _pages_for(site: LiveSite, role: str) -> list[tuple[str, str, bool]]:
    """(endpoint, url, has a form to send empty) for every HTML page this role may open."""
    world = site.world
    world.extra_token = "not-a-real-token"  # type: ignore[attr-defined]
    world.reset_token = "not-a-real-token"  # type: ignore[attr-defined]
    pages = []
    with site.app.test_request_context():
        for endpoint, cases in MATRIX.items():
            if endpoint in NOT_HTML:
                continue
            posts = [c for c in cases if c.method == "POST" and role in c.allow]
            for item in cases:
                if item.method != "GET" or role not in item.allow:
                    continue
                args = item.args(world)
                has_form = any(p.args(world) == args for p in posts)
                pages.append((endpoint, url_for(endpoint, **args), has_form))
    pages.append(("errors.not_found", "/no-such-page", False))
    return pages


def _check(page, where: str, problems: list[str], errors: list[str]) -> None:  # noqa: ANN001
    problems += [f"{where}: {v}" for v in axe_violations(page)]
    problems += [f"{where}: {p}" for p in extra_problems(page)]
    if scrolls_sideways_at_320(page):
        problems.append(f"{where}: scrolls sideways at 320 px")
    problems += [f"{where}: {e}" for e in errors]
    errors.clear()


_focus_checked: set[str] = set()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_for_role(browser, site: LiveSite, role: str) -> None:  # noqa: ANN001
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    # A CSP refusal (an inline style or script) shows here: it would mean something on the page is broken.
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, role)
    problems: list[str] = []
    checked = 0
    for endpoint, url, has_form in _pages_for(site, role):
        page.goto(site.url + url)
        where = f"{role} {endpoint} {url}"
        _check(page, where, problems, [e for e in console_errors if "status of 40" not in e])
        console_errors.clear()
        if endpoint not in _focus_checked:
            _focus_checked.add(endpoint)
            problems += [f"{where}: {p}" for p in tab_through_checking_focus(page)]
        name = SCREENSHOT.get((endpoint, role))
        if name:
            screenshot(page, name, SCREENSHOTS)
        checked += 1
        if has_form and page.evaluate(HAS_FORM):
            with page.expect_navigation():
                page.evaluate(SUBMIT_EMPTY)
            _check(page, where + " (sent empty)", problems, [e for e in console_errors if "status of 40" not in e])
            console_errors.clear()
            if page.locator(".error-summary").count() and not page.evaluate(SUMMARY_HAS_FOCUS):
                problems.append(f"{where} (sent empty): the error summary does not take the focus")
            if name:
                screenshot(page, name + "-error", SCREENSHOTS)
            checked += 1
    context.close()
    assert checked >= 5
    assert not problems, "\n".join(problems)
