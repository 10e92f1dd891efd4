"""Every page shape, for every role, read in Welsh (issue 19): a browser that asks for Welsh gets
`<html lang="cy">`, no English sentence from the catalogue left untranslated on the page, no axe
language violation (html-lang-valid, valid-lang) and nothing scrolling sideways at 390 px,
where Welsh's longer words would show it first. Screenshots go in OT_SCREENSHOTS/welsh/<role>/."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from tests.browser.conftest import SCREENSHOTS, LiveSite
from tests.browser.helpers import PASSWORD, PHONE_390, new_context, scrolls_sideways, shot
from tests.browser.test_accessibility import _pages_for
from tests.language.untranslated import ROOT, modules_with_words, templates_with_words
from tests.security.world import EMAILS, ROLES


def _english_sentences() -> list[str]:
    """Sentences of the catalogue (three words or more, no values) whose Welsh differs from the English."""
    with (ROOT / "grants/translations/cy/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if not msgid or "%" in msgid or "<" in msgid or len(msgid.split()) < 3 or msgid in strings:
                continue
            found.append(msgid)
    return found


SENTENCES = _english_sentences()


def _still_to_translate() -> str:
    """The bare words of the files not yet translated (tests/language/not_yet_translated.txt): an
    English sentence on a Welsh page is a failure unless it still stands bare in one of them."""
    templates = templates_with_words()
    modules = modules_with_words()
    return "\n".join(" ".join(templates.get(name, [])) for name in templates) + "\n".join(
        " ".join(words) for words in modules.values()
    )


STILL_ENGLISH = _still_to_translate()


def _sign_in(page, site: LiveSite, role: str) -> None:  # noqa: ANN001
    """Sign in through the form by its field names (the labels are in Welsh)."""
    if role == "anonymous":
        return
    page.goto(site.url + "/login")
    page.fill("input[name=email]", EMAILS[role])
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/me")


def _lang_violations(page) -> list[str]:  # noqa: ANN001
    """axe-core's language rules only: the English walk (test_accessibility) runs all of them."""
    return list(
        page.evaluate(
            """async () => {
                const result = await axe.run(document, {runOnly: {type: 'rule',
                    values: ['html-has-lang', 'html-lang-valid', 'html-xml-lang-mismatch', 'valid-lang']}});
                return result.violations.map(v => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
            }"""
        )
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_welsh_for_role(browser, site: LiveSite, role: str) -> None:  # noqa: ANN001
    context = new_context(browser, viewport=PHONE_390, locale="cy-GB")
    page = context.new_page()
    _sign_in(page, site, role)
    problems: list[str] = []
    checked = 0
    for name, url, _has_form in _pages_for(site, role):
        response = page.goto(site.url + url)
        if "@" in name and (response is None or response.status != 200):
            continue
        where = f"{role} {name} {url}"
        html = page.content()
        lang = re.search(r'<html lang="([^"]+)"', html)
        if not lang or lang.group(1) != "cy":
            problems.append(f"{where}: <html lang> is {lang.group(1) if lang else 'missing'}, not cy")
        # Text marked as English (a sealed record, shown as written) is English by design, and says so.
        text = " ".join(
            page.evaluate(
                """() => { const body = document.body.cloneNode(true);
                    body.querySelectorAll('[lang="en"]').forEach(e => e.remove()); return body.innerText; }"""
            ).split()
        )
        problems += [
            f"{where}: English left untranslated: {s!r}" for s in SENTENCES if s in text and s not in STILL_ENGLISH
        ]
        problems += [f"{where}: {v}" for v in _lang_violations(page)]
        if scrolls_sideways(page):
            problems.append(f"{where}: scrolls sideways at 390 px in Welsh")
        shot(page, SCREENSHOTS / "welsh" / role, name.replace(".", "-").replace("@", "-") + "-390")
        checked += 1
    context.close()
    assert problems == []
    assert checked >= 3
