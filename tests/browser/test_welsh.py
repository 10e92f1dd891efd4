"""Every page shape, for every role, read in Welsh (issue 19): a browser that asks for Welsh gets
`<html lang="cy">`, no English sentence from the catalogue left untranslated on the page, every
other `lang` on the page Welsh or English (what axe's language rules html-has-lang,
html-lang-valid, html-xml-lang-mismatch and valid-lang check, narrowed to the two languages the
site speaks, read from the page itself: the English walk, test_accessibility, runs all of axe)
and nothing scrolling sideways at 390 px, where Welsh's longer words would show it first.
Screenshots go in OT_SCREENSHOTS/welsh/<role>/."""

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


# The languages a page may name: Welsh and English, alone or as spoken in Britain.
SITE_LANGUAGE = re.compile(r"(cy|en)(-GB)?")

# What the walk reads of a page, in one trip: <html>'s lang and xml:lang, every other lang on the
# page, and the visible text without what is marked as English (a sealed record, shown as
# written: English by design, and it says so).
READ_PAGE = """() => {
    const html = document.documentElement;
    const body = document.body.cloneNode(true);
    body.querySelectorAll('[lang="en"]').forEach(e => e.remove());
    return {lang: html.getAttribute('lang'), xmlLang: html.getAttribute('xml:lang'),
            langs: Array.from(document.querySelectorAll('body [lang], head [lang]'), e => e.getAttribute('lang')),
            text: body.innerText};
}"""


def _lang_problems(read: dict) -> list[str]:
    """<html lang> is cy (with any xml:lang the same), and every other lang is Welsh or English."""
    problems = []
    if read["lang"] != "cy":
        problems.append(f"<html lang> is {read['lang'] or 'missing'}, not cy")
    if read["xmlLang"] is not None and read["xmlLang"] != read["lang"]:
        problems.append(f"<html xml:lang> is {read['xmlLang']}, not its lang {read['lang']}")
    problems += [f"lang={lang!r} is not Welsh or English" for lang in read["langs"] if not SITE_LANGUAGE.fullmatch(lang)]
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_welsh_for_role(browser, site: LiveSite, role: str) -> None:  # noqa: ANN001
    context = new_context(browser, viewport=PHONE_390, locale="cy-GB", axe=False)
    page = context.new_page()
    _sign_in(page, site, role)
    problems: list[str] = []
    checked = 0
    for name, url, _has_form in _pages_for(site, role):
        response = page.goto(site.url + url)
        if "@" in name and (response is None or response.status != 200):
            continue
        where = f"{role} {name} {url}"
        read = page.evaluate(READ_PAGE)
        problems += [f"{where}: {p}" for p in _lang_problems(read)]
        text = " ".join(read["text"].split())
        problems += [
            f"{where}: English left untranslated: {s!r}" for s in SENTENCES if s in text and s not in STILL_ENGLISH
        ]
        if scrolls_sideways(page):
            problems.append(f"{where}: scrolls sideways at 390 px in Welsh")
        shot(page, SCREENSHOTS / "welsh" / role, name.replace(".", "-").replace("@", "-") + "-390")
        checked += 1
    context.close()
    assert problems == []
    assert checked >= 3


def test_the_language_check_refuses_what_axes_language_rules_refuse() -> None:
    """The page read fails as axe's four language rules would (and more narrowly: Welsh or English only)."""
    good = {"lang": "cy", "xmlLang": None, "langs": ["en", "cy", "en-GB"]}
    assert _lang_problems(good) == []
    assert _lang_problems({**good, "lang": None}) == ["<html lang> is missing, not cy"]  # html-has-lang
    assert _lang_problems({**good, "lang": "xx-yy"}) == ["<html lang> is xx-yy, not cy"]  # html-lang-valid
    assert _lang_problems({**good, "xmlLang": "en"}) == ["<html xml:lang> is en, not its lang cy"]  # mismatch
    assert _lang_problems({**good, "langs": ["en", "english"]}) == ["lang='english' is not Welsh or English"]
    assert _lang_problems({**good, "langs": ["fr"]}) == ["lang='fr' is not Welsh or English"]  # narrower than axe
