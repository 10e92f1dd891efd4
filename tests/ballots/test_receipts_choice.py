"""Receipts are the panel's choice (issue 16): on, a voter can find their ballot in the file (and
could show it to someone pressing them); off, no receipt is shown or stored and the ballot
file numbers its voters 1, 2, 3. The choice is a rule: set on the new-table form, frozen when
voting opens. Through the web with CSRF on."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from grants.extensions import db
from grants.models import Ballot, Round, RoundStatus
from grants.rounds.services import advance
from tests import factories as f
from tests.ballots.test_decision_ballots import as_person, close
from tests.conftest import post_form, text_of
from tests.rounds import journey
from tests.sealed import sealed_ballots

TODAY = date.today()


def _new_table(client, receipts: str | None) -> Round:  # noqa: ANN001
    form = {
        "title": "Quiet Table",
        "purpose": "Money for peer support.",
        "who_may_apply": "Groups led by people with lived experience.",
        "max_grant": "5000",
        "bids_open_on": TODAY.isoformat(),
        "bids_close_on": (TODAY + timedelta(days=14)).isoformat(),
        "deliberation_opens_on": (TODAY + timedelta(days=15)).isoformat(),
        "voting_opens_on": (TODAY + timedelta(days=20)).isoformat(),
        "voting_closes_on": (TODAY + timedelta(days=27)).isoformat(),
        "ballot_type": "approval",
        "counting_rule": "greedy",
        "tie_break": "cheaper_first",
    }
    if receipts is not None:
        form["receipts"] = receipts
    # Asked with the ballot's settings on the new table's task list (issue 17).
    slug = journey.start(client, form)
    page = text_of(client.get(f"/manage/tables/{slug}/setup/ballot-settings"))
    assert "Receipts for voters" in page and "to prove how they voted" in page  # the trade-off, said plainly
    for part in journey.PAGE_FIELDS:
        response = journey.send_page(client, slug, part, form)
        assert response.status_code == 302, text_of(response)
    return db.session.execute(select(Round).order_by(Round.id.desc()).limit(1)).scalar_one()


def _cast(client, person, slug: str, proposal_id: int) -> str:  # noqa: ANN001
    """Check and cast an approval ballot; the page shown after casting."""
    as_person(client, person)
    post_form(client, f"/vote/{slug}", {"proposal": str(proposal_id)}, page=f"/vote/{slug}")
    cast = post_form(client, f"/vote/{slug}/cast", {"proposal": str(proposal_id)}, page=f"/vote/{slug}")
    assert cast.status_code == 302, text_of(cast)
    return client.get(cast.headers["Location"]).get_data(as_text=True)


def test_with_receipts_off_no_receipt_is_shown_or_stored_and_the_file_numbers_the_voters(client, app):
    convenor = f.person("Cara Convenor")
    as_person(client, convenor)
    rnd = _new_table(client, "off")
    assert rnd.receipts_on is False
    advance(person=convenor, round_id=rnd.id, to=RoundStatus.OPEN_FOR_BIDS)
    f.funded(rnd.id, 50_000)
    lead = f.person("Gus Lead")
    grp = f.group(lead)
    proposals = [f.proposal(lead, rnd.id, grp, c) for c in (10_000, 20_000)]
    members = [f.person(f"Pat{i} Panel") for i in range(5)]
    for m in members:
        f.seat(convenor, rnd.id, m)
    f.to_voting(convenor, rnd.id)
    as_person(client, convenor)
    assert "No receipts, so nobody can prove" in text_of(client.get(f"/tables/{rnd.slug}"))
    for i, m in enumerate(members):
        page = _cast(client, m, rnd.slug, proposals[i % 2].id)
        assert 'class="receipt"' not in page and "This table gives no receipts" in page
    assert [b["receipt"] for b in sealed_ballots(rnd.id)] == [None] * 5
    assert "proposals funded" in close(client, convenor, rnd.slug)
    assert set(db.session.execute(select(Ballot.receipt).where(Ballot.round_id == rnd.id)).scalars()) == {None}
    ballot_file = client.get(f"/tables/{rnd.slug}/decision.pb").get_data(as_text=True)
    votes = ballot_file.split("VOTES")[1].splitlines()[2:]
    assert sorted(line.split(";")[0] for line in votes if line.strip()) == ["1", "2", "3", "4", "5"]


def test_receipts_are_on_unless_chosen_off_and_the_choice_is_frozen_when_voting_opens(client, app):
    convenor = f.person("Cara Convenor")
    as_person(client, convenor)
    rnd = _new_table(client, None)
    assert rnd.receipts_on is True
    slug = rnd.slug
    advance(person=convenor, round_id=rnd.id, to=RoundStatus.OPEN_FOR_BIDS)
    edit = client.get(f"/manage/tables/{slug}/rules")
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200 and re.search(r'<input checked[^>]*name="receipts"[^>]*value="on"', html)
    lead = f.person("Gus Lead")
    f.proposal(lead, rnd.id, f.group(lead), 10_000)
    f.seat(convenor, rnd.id, f.person("Pat Panel"))
    f.to_voting(convenor, rnd.id)
    as_person(client, convenor)
    refused = post_form(client, f"/manage/tables/{slug}/rules", {"receipts": "off", "reason": "Pressure."},
                        page=f"/manage/tables/{slug}")  # fmt: skip
    assert refused.status_code in (302, 400, 403, 409)
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).receipts_on is True
