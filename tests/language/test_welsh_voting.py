"""The voting journey in Welsh: the ballot paper, a refusal from the service, the check page and the cast."""

from __future__ import annotations

from tests import factories
from tests.conftest import login, post_form


def test_a_panel_member_votes_in_welsh_from_paper_to_receipt(app, client):
    _convenor, rnd, proposals, members = factories.voting_table(n_members=1)
    login(client, members[0].email)
    client.get(f"/language/cy?next=/vote/{rnd.slug}")
    url = f"/vote/{rnd.slug}"

    paper = client.get(url).get_data(as_text=True)
    assert "Pa gynigion ydych chi" in paper
    assert "Mae eich pleidlais yn gudd." in paper
    assert "Which proposals do you support?" not in paper

    # A refusal raised in the service (grants/ballots/services.py) reads in Welsh too.
    refused = post_form(client, url, {"proposal": "999999"}, page=url).get_data(as_text=True)
    assert "Roedd eich pleidlais yn enwi cynnig" in refused

    check = post_form(client, url, {"proposal": str(proposals[2].id)}, page=url).get_data(as_text=True)
    assert "Gwiriwch eich pleidlais" in check
    assert "Bwrw fy mhleidlais" in check

    cast = post_form(client, f"{url}/cast", {"proposal": str(proposals[2].id)}, page=url, follow=True)
    assert "Mae eich pleidlais wedi" in cast.get_data(as_text=True)
