"""Issue 17, the parts a test client can see: no 404 for the browser's icon, a convenor's preview of a
draft table instead of a 404, and scrolling tables a keyboard can reach (the browser tests check the rest)."""

from __future__ import annotations

import re

from tests import factories
from tests.conftest import login, text_of


def test_favicon_is_the_site_icon_not_a_404(client, app):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_a_convenor_previews_a_draft_table_instead_of_a_404(client, app):
    from grants.rounds.services import create_round

    convenor = factories.person("Cara Convenor")
    rnd = create_round(person=convenor, values=factories.rules(title="Spring Table"))
    login(client, convenor.email)
    manage = client.get(f"/manage/tables/{rnd.slug}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Preview the public page</a>', manage)
    assert link, "the manage page of a draft links to a preview"
    assert f'href="/tables/{rnd.slug}"' not in manage  # the public address is a 404 until published
    assert client.get(f"/tables/{rnd.slug}").status_code == 404
    preview = client.get(link.group(1))
    assert preview.status_code == 200
    words = text_of(preview)
    assert "Preview." in words and "Spring Table" in words and "Nobody else can see it until you publish" in words
    # Nobody else may preview it.
    client.delete_cookie("session")
    other = factories.person("Olu Other")
    login(client, other.email)
    assert client.get(link.group(1)).status_code == 403


def test_tables_that_may_scroll_are_focusable_labelled_regions(client, app, demo):
    for url in ("/ledger", "/tables", "/tables/peer-support-table-2026", "/"):
        html = client.get(url).get_data(as_text=True)
        wraps = re.findall(r'<div class="table-wrap"[^>]*>', html)
        assert wraps, url
        for wrap in wraps:
            assert 'tabindex="0"' in wrap and 'role="region"' in wrap and re.search(r'aria-label="[^"]+"', wrap), wrap


def test_a_table_with_many_proposals_shows_them_a_page_at_a_time(client, app, monkeypatch):
    """Light pages (issue 17): long lists are paged, so a table with 10,000 bids is not a 3 MB page."""
    from grants import paging

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    lead = factories.person("Gus Lead")
    grp = factories.group(lead)
    for i in range(1, 6):
        factories.proposal(lead, rnd.id, grp, 10_000, title=f"Bid number {i}")
    first = client.get(f"/tables/{rnd.slug}")
    page = text_of(first)
    assert "Bid number 1" in page and "Bid number 2" in page and "Bid number 3" not in page
    assert "Showing 1 to 2 of 5 proposals. Page 1 of 3" in page
    html = first.get_data(as_text=True)
    assert f'href="/tables/{rnd.slug}?page=2#proposals" rel="next"' in html and 'rel="prev"' not in html
    last = text_of(client.get(f"/tables/{rnd.slug}?page=3"))
    assert "Bid number 5" in last and "Bid number 1" not in last and "Showing 5 to 5 of 5 proposals" in last
    # A page that does not exist is the first page, not an error or an empty list.
    assert "Bid number 1" in text_of(client.get(f"/tables/{rnd.slug}?page=99"))
