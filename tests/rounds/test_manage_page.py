"""The convenor's page for a table stays light (issue 17): its proposals are shown 50 a page, like
the public page's long lists, with where you are and the way to the rest."""

from __future__ import annotations

from grants.paging import PER_PAGE
from tests import factories
from tests.conftest import login, text_of


def test_the_manage_page_shows_proposals_fifty_a_page(client, app):
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    lead = factories.person("Gus Lead")
    grp = factories.group(lead, name="Allotment Minds")
    total = PER_PAGE + 2
    for i in range(1, total + 1):
        factories.proposal(lead, rnd.id, grp, 10_000, title=f"Bid number {i:03}")
    login(client, convenor.email)
    url = f"/manage/tables/{rnd.slug}"

    first = client.get(url)
    assert first.status_code == 200
    page = text_of(first)
    assert "Bid number 001" in page and f"Bid number {PER_PAGE:03}" in page
    assert f"Bid number {PER_PAGE + 1:03}" not in page
    assert f"Showing 1 to {PER_PAGE} of {total} proposals. Page 1 of 2" in page
    html = first.get_data(as_text=True)
    assert f'href="{url}?page=2#proposals" rel="next"' in html and 'rel="prev"' not in html
    assert html.count("Allotment Minds") == PER_PAGE  # one row per proposal on this page, no more

    second = client.get(f"{url}?page=2")
    words = text_of(second)
    assert f"Bid number {PER_PAGE + 1:03}" in words and f"Bid number {total:03}" in words
    assert "Bid number 001" not in words
    assert f"Showing {PER_PAGE + 1} to {total} of {total} proposals. Previous proposals Page 2 of 2" in words
    assert f'href="{url}?page=1#proposals" rel="prev"' in second.get_data(as_text=True)
    # A page that does not exist is the first page, not an error or an empty list.
    assert "Bid number 001" in text_of(client.get(f"{url}?page=99"))


def test_a_short_list_has_no_pager(client, app):
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    lead = factories.person("Gus Lead")
    grp = factories.group(lead)
    factories.proposal(lead, rnd.id, grp, 10_000, title="Only bid")
    login(client, convenor.email)
    page = text_of(client.get(f"/manage/tables/{rnd.slug}"))
    assert "Only bid" in page and "Showing" not in page and "Page 1 of" not in page
