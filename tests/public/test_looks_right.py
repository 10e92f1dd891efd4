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


def test_tables_that_may_scroll_are_focusable_labelled_regions(client, app):
    from grants.demo import load_demo
    from grants.extensions import db

    load_demo()
    db.session.commit()
    for url in ("/ledger", "/tables", "/tables/peer-support-table-2026", "/"):
        html = client.get(url).get_data(as_text=True)
        wraps = re.findall(r'<div class="table-wrap"[^>]*>', html)
        assert wraps, url
        for wrap in wraps:
            assert 'tabindex="0"' in wrap and 'role="region"' in wrap and re.search(r'aria-label="[^"]+"', wrap), wrap
