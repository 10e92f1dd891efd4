"""A count of nobody is published as 0 (it says nothing of anyone); 1 to 4 stay 'fewer than 5' (grants/privacy.py).

These pages said "fewer than 5" for nobody: no declared interest, no ballot, no one on the panel."""

from __future__ import annotations

from grants.ballots.closing import close_voting
from grants.ballots.services import cast_ballot
from tests import factories as f
from tests.conftest import text_of


def _welsh(client, url: str) -> str:  # noqa: ANN001
    client.get(f"/language/cy?next={url}")
    return text_of(client.get(url))


def test_a_table_where_nobody_stood_aside_says_0(client, app):
    convenor, rnd, proposals, members = f.voting_table(5)
    for member in members:
        cast_ballot(person=member, round_id=rnd.id, chosen_ids=[proposals[0].id])
    assert close_voting(person=convenor, round_id=rnd.id).quorum_met
    url = f"/tables/{rnd.slug}"
    page = text_of(client.get(url))
    assert "Ballots cast: 5." in page
    assert "Declared interests (recusals): 0." in page
    assert f"{proposals[0].title}: 0 panel members stood aside; 5 of those who voted were free to vote on it." in page
    assert "fewer than 5" not in page
    welsh = _welsh(client, url)
    assert "Buddiannau a ddatganwyd (ymneilltuo): 0." in welsh
    assert "camodd 0 aelod o'r panel o'r neilltu; roedd 5 o'r rhai a bleidleisiodd yn rhydd" in welsh
    assert "llai na 5" not in welsh


def test_a_vote_nobody_cast_says_0_ballots(client, app):
    convenor, rnd, _proposals, _members = f.voting_table(5, quorum_min_ballots=3)
    assert not close_voting(person=convenor, round_id=rnd.id).quorum_met
    url = f"/tables/{rnd.slug}"
    page = text_of(client.get(url))
    assert "Ballots: 0 cast; the quorum needed 3 – not met." in page
    assert "Voting closed with 0 ballots." in page
    assert "fewer than 5" not in page
    welsh = _welsh(client, url)
    assert "Pleidleisiau: 0 wedi'u bwrw; roedd y cworwm angen 3" in welsh
    assert "llai na 5" not in welsh


def test_a_table_with_nobody_on_its_panel_says_0(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    url = f"/tables/{rnd.slug}"
    page = text_of(client.get(url))
    assert "The panel has fewer than 5 members" not in page
    assert "Panel members 0" in page
    welsh = _welsh(client, url)
    assert "lai na 5 aelod" not in welsh
    assert "Aelodau'r panel 0" in welsh


def test_a_proposal_nobody_who_voted_was_free_to_vote_on_says_0(client, app):
    from grants.models import RoundStatus
    from grants.panels.deliberation import declare_interest
    from grants.rounds.services import advance

    convenor, rnd, (a, b, _c), members = f.voting_table(5, voting=False, quorum_min_scorers=1)
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    for member in members:
        declare_interest(person=member, proposal_id=a.id, nature="We all run it.")
    advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)
    for member in members:
        cast_ballot(person=member, round_id=rnd.id, chosen_ids=[b.id])
    assert not close_voting(person=convenor, round_id=rnd.id).quorum_met
    url = f"/tables/{rnd.slug}"
    page = text_of(client.get(url))
    assert f"“{a.title}” (0 free to vote)" in page  # the quorum report
    assert f"fewer voted on “{a.title}” (0)" in page  # the record
    assert "fewer than 5" not in page
    welsh = _welsh(client, url)
    assert "(0 yn rhydd i bleidleisio)" in welsh
    assert "llai na 5" not in welsh
