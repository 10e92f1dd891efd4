"""Every page shape, for every role, in its normal state and its error state (a form sent
empty), checked in a real browser at 1280 and 390 px: HTML under 100 KB, axe-core's WCAG 2.2 A and AA rules,
choice groups in fieldsets with legends, no placeholder-only labels, no link or button the
colour of what is behind it, no word broken mid-word in a table, charts readable (labels at
least 12 px, inside the picture and their boxes), no sideways scrolling at 390 or 320 px, and
a visible focus on every element Tab reaches.

The pages come from the URL map (the authorisation matrix has every route) and, for the pages
whose look changes with a table's stage, from every stage the demo has. The same run saves a
screenshot of every page shape per role and width in OT_SCREENSHOTS (test-artifacts/screenshots),
as <role>/<page>-<width>.png, for a person to look at."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.browser.conftest import SCREENSHOTS, LiveSite
from tests.browser.helpers import (
    DESKTOP,
    PHONE_390,
    axe_violations,
    extra_problems,
    looks_problems,
    new_context,
    screenshot,
    scrolls_sideways,
    scrolls_sideways_at_320,
    shot,
    sign_in,
    tab_through_checking_focus,
)
from tests.security.test_authorisation_matrix import MATRIX
from tests.security.world import ROLES

# Not HTML pages: a ballot file and an image.
NOT_HTML = {
    "public.ballot_file_download", "public.upload", "decisions.decision_download", "ops.healthz",
    "opendata.download", "opendata.feed", "opendata.threesixty_json", "opendata.threesixty_csv",
    "opendata.threesixty_transactions_csv", "panel_pay.schedule_csv", "panel_pay.receipt", "public.favicon",
    "opendata.audit_head", "opendata.audit_head_at",
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


# A light page (issue 17): every page's HTML at the demo's size, for a phone on a slow connection.
PAGE_LIMIT = 100_000
# Other shapes of a page, chosen by the person through its address.
QUERY_SHAPES = {"proposals.new": {"easy-read": {"read": "easy"}}, "proposals.edit": {"easy-read": {"read": "easy"}}}
# Pages whose look depends on the table's stage: each is also visited for every stage in the demo.
STAGED = {"public.round", "rounds.manage", "rounds.preview", "panels.home"}


def _stages(site: LiveSite) -> dict[str, str]:
    """One table's slug for each stage the demo world has (stage name -> slug)."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Round

    with site.app.app_context():
        found: dict[str, str] = {}
        for rnd in db.session.execute(select(Round).order_by(Round.id)).scalars():
            found.setdefault(rnd.status.value, rnd.slug)
        return found


def _pages_for(site: LiveSite, role: str) -> list[tuple[str, str, bool]]:
    """(page name, url, has a form to send empty) for every HTML page shape this role may open."""
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
                for shape, query in QUERY_SHAPES.get(endpoint, {}).items():
                    pages.append((f"{endpoint}@{shape}", url_for(endpoint, **args, **query), False))
                if endpoint in STAGED and set(args) == {"slug"}:
                    for stage, slug in _stages(site).items():
                        if slug != args["slug"]:
                            pages.append((f"{endpoint}@{stage}", url_for(endpoint, slug=slug), False))
    pages.append(("errors.not_found", "/no-such-page", False))
    return list(dict.fromkeys(pages))


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
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    console_errors: list[str] = []
    # A CSP refusal (an inline style or script) or a missing file shows here.
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, site, role)
    problems: list[str] = []
    checked = 0
    folder = SCREENSHOTS / role
    for name, url, has_form in _pages_for(site, role):
        endpoint = name.split("@")[0]
        response = page.goto(site.url + url)
        if "@" in name and (response is None or response.status != 200):
            console_errors.clear()
            continue  # a stage this role may not see this page in
        where = f"{role} {name} {url}"
        if response is not None and len(response.body()) > PAGE_LIMIT:
            problems.append(f"{where}: {len(response.body()):,} bytes of HTML, more than {PAGE_LIMIT:,} at demo size")
        expected_404 = endpoint == "errors.not_found"
        _check(page, where, problems, [e for e in console_errors if not (expected_404 and "status of 404" in e)])
        console_errors.clear()
        problems += [f"{where} at 1280 px: {p}" for p in looks_problems(page)]
        if endpoint not in _focus_checked:
            _focus_checked.add(endpoint)
            problems += [f"{where}: {p}" for p in tab_through_checking_focus(page)]
        file = name.replace(".", "-").replace("@", "-")
        shot(page, folder, f"{file}-1280")
        page.set_viewport_size(PHONE_390)
        problems += [f"{where} at 390 px: {v}" for v in axe_violations(page)]
        problems += [f"{where} at 390 px: {p}" for p in looks_problems(page)]
        if scrolls_sideways(page):
            problems.append(f"{where}: scrolls sideways at 390 px")
        shot(page, folder, f"{file}-390")
        page.set_viewport_size(DESKTOP)
        legacy = SCREENSHOT.get((endpoint, role))
        if legacy and "@" not in name:
            screenshot(page, legacy, SCREENSHOTS)
        checked += 1
        if has_form and page.evaluate(HAS_FORM):
            with page.expect_navigation():
                page.evaluate(SUBMIT_EMPTY)
            _check(page, where + " (sent empty)", problems, [e for e in console_errors if "status of 40" not in e])
            console_errors.clear()
            problems += [f"{where} (sent empty): {p}" for p in looks_problems(page)]
            if page.locator(".error-summary").count() and not page.evaluate(SUMMARY_HAS_FOCUS):
                problems.append(f"{where} (sent empty): the error summary does not take the focus")
            shot(page, folder, f"{file}-error-1280")
            page.set_viewport_size(PHONE_390)
            if scrolls_sideways(page):
                problems.append(f"{where} (sent empty): scrolls sideways at 390 px")
            shot(page, folder, f"{file}-error-390")
            page.set_viewport_size(DESKTOP)
            if legacy:
                screenshot(page, legacy + "-error", SCREENSHOTS)
            checked += 1
    context.close()
    assert checked >= 5
    assert not problems, "\n".join(problems)
