"""The panel's own rules are kept: quorum possible when published, reported as applied, worded in one place."""

from __future__ import annotations

import pytest

from grants.ballots.closing import close_voting
from grants.ballots.services import cast_ballot
from grants.core import DomainError
from grants.models import QuorumPolicy, RoundStatus
from grants.panels.deliberation import declare_interest
from grants.panels.formation import save_settings
from grants.rounds.services import advance
from tests import factories as f
from tests.conftest import login, post_form, text_of
from tests.e2e.test_spine_journey import rules_form


@pytest.fixture
def garden_club_short(app):
    """A table whose quorum needs 5 voters free to vote on each proposal: all 5 panel members voted, and
    one had declared an interest in “Garden club”, so 4 were free to vote on it and quorum is not met."""
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, quorum_min_scorers=5)
    f.funded(rnd.id, 50_000)
    lead = f.person("Gus Lead")
    grp = f.group(lead)
    a = f.proposal(lead, rnd.id, grp, 20_000, title="Garden club")
    b = f.proposal(lead, rnd.id, grp, 10_000, title="Walking group")
    members = [f.person(f"Pat{i} Panel") for i in range(5)]
    for m in members:
        f.seat(convenor, rnd.id, m)
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    declare_interest(person=members[0], proposal_id=a.id, nature="I run it.")
    advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)
    for m in members:
        cast_ballot(person=m, round_id=rnd.id, chosen_ids=[b.id])
    assert not close_voting(person=convenor, round_id=rnd.id).quorum_met
    return rnd


def test_the_public_result_reports_every_part_of_quorum_as_applied(client, garden_club_short):
    rnd = garden_club_short
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Quorum needed: 1 ballots" not in page
    assert "Ballots: 5 cast; the quorum needed 1 – met." in page
    assert (
        "Voters free to vote on each proposal: the quorum needed 5 – not met on “Garden club” "
        "(fewer than 5 free to vote)." in page
    )
    assert "Share of those who voted with lived experience: 0%." in page


def test_a_quorum_one_declared_interest_would_break_is_refused_on_the_form(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    save_settings(person=convenor, round_id=rnd.id, values={"panel_size": 5})
    login(client, convenor.email)
    url = f"/manage/tables/{rnd.slug}/rules"
    response = post_form(
        client, url, rules_form(quorum_min_scorers="5", reason="Every voice on every bid."), page=url
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "a single declared interest (or one member pausing) would make a decision impossible" in page
    assert "Choose at most 4" in page
    ok = post_form(client, url, rules_form(quorum_min_scorers="4", reason="Every voice on every bid."), page=url)
    assert ok.status_code == 302, text_of(ok)


def test_a_panel_smaller_than_the_quorum_is_refused_too(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, quorum_min_ballots=6)
    with pytest.raises(DomainError, match="more than the panel's 5 seats"):
        save_settings(person=convenor, round_id=rnd.id, values={"panel_size": 5})


def test_how_we_work_and_the_public_page_word_the_quorum_from_one_place(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(
        convenor,
        quorum_min_ballots=3,
        quorum_min_share_percent=60,
        quorum_lived_experience_percent=50,
        quorum_min_scorers=3,
        quorum_policy=QuorumPolicy.EXTEND,
        quorum_extend_days=3,
    )
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    how = text_of(client.get(f"/panel/{rnd.slug}/how-we-work"))
    for sentence in (
        "At least 3 ballots.",
        "At least 60% of the panel, not counting members who have paused "
        "(for example, with a panel of 9 that would be 6).",
        "At least 50% of those who vote have lived experience (only the overall share is published).",
        "At least 3 voters free to vote on each proposal, after people stand aside.",
        "If quorum is not met, voting is extended once by 3 days; if it is still not met, no decision is made.",
    ):
        assert sentence in public, sentence
        assert sentence in how, sentence


def test_a_quorum_failure_in_the_public_record_gives_no_count_of_people_under_five(client, garden_club_short):
    """The table's public record said the vote failed because fewer voted on “Garden club” (4):
    a count under 5 that tells who stood aside, beside the quorum report that suppressed it. And the
    suppressed figure read "fewer than 5" in English on the Welsh page."""
    rnd = garden_club_short
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "“Garden club” (4)" not in page
    assert "fewer voted on “Garden club” (fewer than 5)" in page  # the record, as the quorum report says it
    client.get(f"/language/cy?next=/tables/{rnd.slug}")
    welsh = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "llai na 5" in welsh and "(fewer than 5 free to vote)" not in welsh
