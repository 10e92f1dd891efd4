"""People-first words: nothing a person reads, in English or Welsh, calls them "service users"."""

from __future__ import annotations

import re

from tests.language.untranslated import PACKAGE, ROOT, TEMPLATES

# "service user(s)", and the Welsh "defnyddiwr/defnyddwyr gwasanaeth(au)", with any mutation of the first letter.
NOT_SAID = re.compile(r"service[\s-]+users?\b|\b(?:d|dd|n)efnydd(?:iwr|wyr)\s+(?:g|ng)?wasanaeth", re.I)


def test_no_page_message_or_catalogue_calls_people_service_users():
    files = [
        *TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt"), *PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.po"),
        *PACKAGE.rglob("*.md"), ROOT / "README.md",
    ]  # fmt: skip
    said = [str(f.relative_to(ROOT)) for f in files if NOT_SAID.search(f.read_text(encoding="utf-8"))]
    assert said == []


def test_the_check_finds_the_words_it_forbids():
    assert NOT_SAID.search("Our service users decide") and NOT_SAID.search("ein defnyddwyr gwasanaeth")
    assert not NOT_SAID.search("people who use our pages")
