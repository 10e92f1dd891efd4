"""Reading a refused form as a person would (issue 17): the error summary's links, and the message
shown beside each box."""

from __future__ import annotations

import re
from html import unescape


def summary_links(html: str) -> dict[str, str]:
    """The error summary's links: the id each goes to, and what it says."""
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</div>", start)]
    found = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    return {href: unescape(re.sub(r"\s+", " ", text).strip()) for href, text in found}


def said_beside(html: str, box: str) -> str:
    """The message(s) shown beside the box with this id (its own error message)."""
    found = re.findall(rf'<p class="error-message" id="{re.escape(box)}-error">(.*?)</p>', html, re.S)
    assert found, f"no message beside {box}"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", one).replace("Error:", "").strip()) for one in found)


def every_problem_linked(html: str, expected: dict[str, str]) -> None:
    """The summary links to exactly these boxes, each on the page with the same message beside it."""
    links = summary_links(html)
    assert links == expected, f"{links} != {expected}"
    for box, message in links.items():
        assert f'id="{box}"' in html, box
        assert said_beside(html, box) == message, box
