"""The demo shows a table run in English and Welsh and a bid written in Welsh (issue 19), so the
walk through the site meets them."""

from __future__ import annotations

from sqlalchemy import select

from grants.demo import DEMO_PASSWORD
from grants.extensions import db
from grants.models import Proposal, Round, RoundStatus
from tests.conftest import login


def test_the_demo_has_a_table_in_both_languages_and_a_bid_in_welsh(app, demo):  # noqa: ANN001
    open_table = next(r for r in demo.values() if r.status is RoundStatus.OPEN_FOR_BIDS)
    assert open_table.languages == ["en", "cy"] and open_table.version("cy")["title"] == "Bwrdd Lles y Gaeaf"
    welsh_bids = [p for p in db.session.execute(select(Proposal)).scalars() if p.languages == ["cy"]]
    assert welsh_bids and {p.title for p in welsh_bids} == {"Gweithdai barddoniaeth"}
    both = [p for p in db.session.execute(select(Proposal)).scalars() if p.languages == ["en", "cy"]]
    assert both
    reader = app.test_client()
    reader.get("/language/cy")
    assert "Bwrdd Lles y Gaeaf" in reader.get(f"/tables/{open_table.slug}").get_data(as_text=True)
    # The panel member reading in English meets the Welsh bid marked as Welsh.
    voting = next(r for r in demo.values() if r.status is RoundStatus.VOTING)
    panel = app.test_client()
    login(panel, "panel@example.org", DEMO_PASSWORD)
    bid = next(p for p in welsh_bids if p.round_id == voting.id)
    page = panel.get(f"/panel/{voting.slug}/proposals/{bid.id}").get_data(as_text=True)
    assert '<span lang="cy">Gweithdai barddoniaeth</span>' in page
    assert db.session.get(Round, voting.id).languages == ["en"]
