"""The result page and the group's feedback explain each outcome in plain words (issue 17).

Through the web with CSRF on, on SQLite and PostgreSQL: the convenor closes the vote, and a
member of the public reads the table's page.
"""

from __future__ import annotations

from sqlalchemy import select

from grants.ballots.services import cast_ballot
from grants.extensions import db
from grants.models import CountingRule, Result
from grants.panels.deliberation import declare_interest
from grants.panels.wellbeing import draft_feedback
from tests import factories as f
from tests.conftest import login, post_form, text_of

Z_WORDS = (
    "Its 3 supporters had £200 left between them, less than its £600 cost, because most of their share had gone "
    "to “Xylophones” and “Yoga”, which they also backed."
)


def _close_on_the_web(client, convenor, rnd) -> Result:  # noqa: ANN001
    login(client, convenor.email)
    response = post_form(
        client,
        f"/manage/tables/{rnd.slug}/close-voting",
        {"reason": "Every panel member has voted."},
        page=f"/manage/tables/{rnd.slug}",
    )
    assert response.status_code == 302, text_of(response)
    post_form(client, "/logout")  # then read as a member of the public
    return db.session.execute(select(Result).where(Result.round_id == rnd.id)).scalar_one()


def _equal_shares_round():  # noqa: ANN202
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, counting_rule=CountingRule.EQUAL_SHARES)
    f.funded(rnd.id, 100_000)
    lead = f.person("Gus Lead")
    grp = f.group(lead)
    x = f.proposal(lead, rnd.id, grp, 40_000, title="Xylophones")
    y = f.proposal(lead, rnd.id, grp, 40_000, title="Yoga")
    z = f.proposal(lead, rnd.id, grp, 60_000, title="Zines")
    voters = [f.person(f"Pat{i} Panel") for i in range(5)]
    for v in voters:
        f.seat(convenor, rnd.id, v)
    f.to_voting(convenor, rnd.id)
    return convenor, rnd, (x, y, z), voters


def test_equal_shares_result_says_what_the_shares_mean_against_who_could_vote(client, app):
    convenor, rnd, (x, y, z), voters = _equal_shares_round()
    # One panel member stands aside from Zines: 4 people could vote on it, not 5.
    declare_interest(person=voters[4], proposal_id=z.id, nature="I volunteer with this group.")
    picks = [[x, z], [x, z], [x, y], [y, z], [x, y]]
    for v, chosen in zip(voters, picks, strict=True):
        cast_ballot(person=v, round_id=rnd.id, chosen_ids=[p.id for p in chosen])
    result = _close_on_the_web(client, convenor, rnd)
    assert {line.proposal_id for line in result.lines if line.is_funded} == {x.id, y.id}
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "3 of 4 who could vote on it backed it." in page
    assert Z_WORDS in page
    assert "It would have needed 2 more supporters with a full share each, if nothing else had changed." in page
    assert "paid at most" not in page and "equal shares of" not in page
    assert "It was funded in round 1" in page
    # How fair it is, as counted and kept with the result.
    assert "How fair the result is" in page
    assert "100% of voters backed at least one funded proposal." in page
    assert "On average, a voter backed 1.4 of the funded proposals." in page
    assert "got their fair share, up to one proposal (the EJR and PJR checks)." in page
    assert result.fairness["proportionality"]["ejr_up_to_one"] is True
    # The decision file says the same in META, and still matches its published fingerprint.
    import hashlib

    download = client.get(f"/tables/{rnd.slug}/decision.pb")
    assert download.status_code == 200
    meta = download.get_data(as_text=True).split("PROJECTS")[0]
    assert "ejr_up_to_one;yes" in meta and "pjr;yes" in meta
    assert "satisfaction_share_with_a_funded_project;1.000000" in meta
    assert hashlib.sha256(download.get_data()).hexdigest() == result.ballot_fingerprint
    # The group's feedback draft gives the same reason.
    feedback = draft_feedback(z)
    assert "Why: 3 of 4 who could vote on it backed it." in feedback and Z_WORDS in feedback


def test_a_tie_break_loser_reads_that_it_tied_with_whom_and_how_it_was_settled(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor, ballot_within_budget=False)
    f.funded(rnd.id, 50_000)
    lead = f.person("Gus Lead")
    grp = f.group(lead)
    a = f.proposal(lead, rnd.id, grp, 30_000, title="Allotment")
    b = f.proposal(lead, rnd.id, grp, 30_000, title="Bus")
    voters = [f.person(f"Pat{i} Panel") for i in range(5)]
    for v in voters:
        f.seat(convenor, rnd.id, v)
    f.to_voting(convenor, rnd.id)
    for v in voters:
        cast_ballot(person=v, round_id=rnd.id, chosen_ids=[a.id, b.id])
    result = _close_on_the_web(client, convenor, rnd)
    loser = next(line.proposal for line in result.lines if not line.is_funded)
    winner = next(line.proposal for line in result.lines if line.is_funded)
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    said = (
        f"When its turn came, after one proposal was funded, £200 was left, less than its £300 cost. It tied with "
        f"“{winner.title}”; the tie was settled by the published tie-break (the cheaper proposal first), and not "
        "in its favour."
    )
    assert said in page
    assert said in draft_feedback(loser)
    assert "How fair the result is" in page


def test_fairness_is_not_shown_when_fewer_than_five_voted(client, app):
    convenor, rnd, (x, y, z), voters = _equal_shares_round()
    for v in voters[:4]:
        cast_ballot(person=v, round_id=rnd.id, chosen_ids=[x.id])
    _close_on_the_web(client, convenor, rnd)
    assert "How fair the result is" not in text_of(client.get(f"/tables/{rnd.slug}"))
