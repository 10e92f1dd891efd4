"""Every ballot type cast through the web UI, with recusal, quorum failure and consensus, on each database.

Rounds are set up through the services (the spine journey covers that through the web);
everything a panel member, facilitator or convenor does to decide is done through pages.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Ballot, BallotType, CountingRule, PanelRole, ScoreComment
from grants.panels.services import accept_invitation, invite
from tests import factories as f
from tests.conftest import login, post_form, text_of
from tests.rounds import journey

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
RECEIPT = re.compile(r'<p class="receipt">([A-Z0-9-]+)</p>')
TODAY = date.today()


def as_person(client, person) -> None:  # noqa: ANN001
    client.delete_cookie("session")
    assert login(client, person.email).status_code == 302


def vote(client, person, slug: str, data: dict) -> str:  # noqa: ANN001
    """Fill in the ballot, check it, cast it; return the receipt shown once."""
    as_person(client, person)
    paper = client.get(f"/vote/{slug}")
    assert paper.status_code == 200, text_of(paper)
    check = post_form(client, f"/vote/{slug}", data, page=f"/vote/{slug}")
    assert check.status_code == 200, text_of(check)
    html = check.get_data(as_text=True)
    assert "Check your ballot" in html
    cast_form = html[html.index('action="/vote/' + slug + '/cast"') :].split("</form>")[0]
    carried: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(cast_form):
        carried.setdefault(name, []).append(unescape(value))
    response = post_form(client, f"/vote/{slug}/cast", carried, page=f"/vote/{slug}")
    assert response.status_code == 302, text_of(response)
    receipt_page = client.get(response.headers["Location"])
    found = RECEIPT.search(receipt_page.get_data(as_text=True))
    assert found, text_of(receipt_page)
    # Shown once only.
    assert RECEIPT.search(client.get(response.headers["Location"]).get_data(as_text=True)) is None
    return found.group(1)


def close(client, convenor, slug: str) -> str:  # noqa: ANN001
    as_person(client, convenor)
    # Before the published close, so the convenor says why (issue 15).
    data = {"reason": "Everyone who will vote has voted."}
    url = f"/manage/tables/{slug}/close-voting"
    response = post_form(client, url, data, page=f"/manage/tables/{slug}", follow=True)
    assert response.status_code == 200
    return text_of(response)


def declare(client, member, slug: str, proposal_id: int) -> None:  # noqa: ANN001
    as_person(client, member)
    page = f"/panel/{slug}/proposals/{proposal_id}"
    response = post_form(client, f"{page}/interest", {"nature": "I help run this group."}, page=page, follow=True)
    assert "You stand aside from this proposal" in text_of(response)


def build(n_members: int, costs=(30_000, 20_000, 10_000), pot=50_000, **rules):  # noqa: ANN001, ANN003, ANN201
    """A table with its panel seated and its vote not yet open (see factories.voting_table)."""
    return f.voting_table(n_members, costs, pot, voting=False, **rules)


def test_rules_form_offers_every_ballot_and_refuses_a_rule_that_does_not_fit(client, app):
    convenor = f.person("Cara Convenor")
    as_person(client, convenor)
    form = {
        "title": "Scored Table",
        "purpose": "Money for peer support.",
        "who_may_apply": "Groups led by people with lived experience.",
        "max_grant": "5000",
        "bids_open_on": TODAY.isoformat(),
        "bids_close_on": (TODAY + timedelta(days=14)).isoformat(),
        "deliberation_opens_on": (TODAY + timedelta(days=15)).isoformat(),
        "voting_opens_on": (TODAY + timedelta(days=20)).isoformat(),
        "voting_closes_on": (TODAY + timedelta(days=27)).isoformat(),
        "ballot_type": "score",
        "score_max": "4",
        "score_criteria": "Led by lived experience\nGood value for money\n",
        "counting_rule": "greedy",
        "quorum_min_ballots": "3",
        "quorum_lived_experience_percent": "50",
        "quorum_min_scorers": "2",
        "quorum_policy": "extend",
        "quorum_extend_days": "7",
        "tie_break": "cheaper_first",
    }
    # The task list (issue 17): the ballot page offers every ballot; then only the chosen one's settings.
    slug = journey.start(client, form)
    assert slug == "scored-table"
    page = client.get(f"/manage/tables/{slug}/setup/ballot")
    for label in ("Points: spread", "Scores: score each proposal", "Ranking: put", "Consensus:"):
        assert label in text_of(page)
    for part in ("who", "money", "timetable", "ballot"):
        assert journey.send_page(client, slug, part, form).status_code == 302, part
    settings = client.get(f"/manage/tables/{slug}/setup/ballot-settings")
    assert "Highest score on each criterion" in text_of(settings)
    assert "Points each panel member spreads" not in text_of(settings) and "Most proposals" not in text_of(settings)
    # Refused with every problem at once, and what was typed is kept.
    bad = journey.send_page(client, slug, "ballot-settings", form | {"score_meanings": "Poor\nGood"})
    assert bad.status_code == 400 and "There is a problem" in text_of(bad)
    assert "Write one meaning for each score from 0 to 4: 5 lines. There are 2." in text_of(bad)
    assert "Led by lived experience" in unescape(bad.get_data(as_text=True))
    assert journey.send_page(client, slug, "ballot-settings", form).status_code == 302
    counting = text_of(client.get(f"/manage/tables/{slug}/setup/counting"))
    assert "highest average score first" in counting.lower() and "Equal shares" not in counting
    # A rule that does not fit the ballot, sent anyway, is refused in plain words and not saved.
    bad = journey.send_page(client, slug, "counting", form)
    assert bad.status_code == 400
    assert "There is a problem" in text_of(bad) and "does not fit a score ballot" in text_of(bad)
    assert "Counting Not started" in text_of(client.get(f"/manage/tables/{slug}/setup"))
    for part in ("counting", "quorum", "conflicts", "tie-break"):
        sent = form | {"counting_rule": "score-average"}
        assert journey.send_page(client, slug, part, sent).status_code == 302, part
    check = f"/manage/tables/{slug}/setup/check"
    assert post_form(client, check, {}, page=check).status_code == 302
    public = text_of(client.get(f"/tables/{slug}"))
    assert "scores every proposal from 0 to 4" in public
    assert "“Led by lived experience”, “Good value for money”" in public
    assert "At least 50% of those who vote have lived experience" in public
    assert "At least 2 voters free to vote on each proposal" in public
    assert "voting is extended once by 7 days" in public


def test_points_ballot_through_the_web_with_a_recusal(client, app):
    convenor, rnd, (a, b, c), members = build(5, ballot_type=BallotType.CUMULATIVE, points_total=10, points_cap=7)
    declare(client, members[0], rnd.slug, a.id)
    f.to_voting(convenor, rnd.id)
    # The conflicted member does not even see that proposal on their ballot; the service refuses it anyway.
    as_person(client, members[0])
    paper = client.get(f"/vote/{rnd.slug}").get_data(as_text=True)
    assert f'name="points-{a.id}"' not in paper and f'name="points-{b.id}"' in paper
    sneaky = post_form(client, f"/vote/{rnd.slug}/cast", {f"points-{a.id}": "7"}, page=f"/vote/{rnd.slug}", follow=True)
    assert "declared an interest" in text_of(sneaky)
    over = post_form(client, f"/vote/{rnd.slug}", {f"points-{b.id}": "8"}, page=f"/vote/{rnd.slug}")
    assert over.status_code == 400 and "no more than 7 points" in text_of(over)
    assert 'value="8"' in over.get_data(as_text=True)  # what they typed is kept
    receipts = [vote(client, members[0], rnd.slug, {f"points-{b.id}": "7", f"points-{c.id}": "3"})]
    for m in members[1:]:
        receipts.append(vote(client, m, rnd.slug, {f"points-{a.id}": "6", f"points-{c.id}": "4"}))
    # A second ballot is refused.
    as_person(client, members[1])
    again = client.get(f"/vote/{rnd.slug}", follow_redirects=True)
    assert "already voted" in text_of(again)
    assert "proposals funded" in close(client, convenor, rnd.slug)
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "fewer than 5 panel members stood aside" in public  # 1 is under 5: suppressed (issue 15)
    ballot_file = client.get(f"/tables/{rnd.slug}/decision.pb").get_data(as_text=True)
    assert all(r in ballot_file for r in receipts)
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 5


def test_score_ballot_through_the_web_averages_over_those_free_to_score(client, app):
    convenor, rnd, (a, b, c), members = build(
        3,
        ballot_type=BallotType.SCORE,
        counting_rule=CountingRule.SCORE_AVERAGE,
        score_max=3,
        score_criteria=["Led by lived experience"],
    )
    declare(client, members[0], rnd.slug, a.id)
    f.to_voting(convenor, rnd.id)

    def scores(values: dict[int, int]) -> dict:
        data = {}
        for pid, s in values.items():
            data[f"score-{pid}-0"] = str(s)
            data[f"comment-{pid}-0"] = f"Scored {s} because of the plan."
        return data

    as_person(client, members[0])
    paper = client.get(f"/vote/{rnd.slug}").get_data(as_text=True)
    assert f'name="score-{a.id}-0"' not in paper and "<legend" in paper
    missing = scores({b.id: 2, c.id: 1})
    missing[f"comment-{c.id}-0"] = ""
    refused = post_form(client, f"/vote/{rnd.slug}", missing, page=f"/vote/{rnd.slug}")
    assert refused.status_code == 400 and "Write a short comment" in text_of(refused)
    vote(client, members[0], rnd.slug, scores({b.id: 2, c.id: 1}))
    vote(client, members[1], rnd.slug, scores({a.id: 3, b.id: 1, c.id: 1}))
    vote(client, members[2], rnd.slug, scores({a.id: 3, b.id: 0, c.id: 1}))
    close(client, convenor, rnd.slug)
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    # a: 6 / 2 members free to score it = 3; b: 3 / 3 = 1.
    assert f"{a.title} ({a.group.name}) 3 " in public
    assert f"{b.title} ({b.group.name}) 1 " in public
    assert db.session.execute(select(func.count(ScoreComment.id))).scalar_one() == 8


def test_ranked_ballot_through_the_web(client, app):
    convenor, rnd, (a, b, c), members = build(3, ballot_type=BallotType.RANKED, rank_depth=2)
    f.to_voting(convenor, rnd.id)
    as_person(client, members[0])
    gap = post_form(client, f"/vote/{rnd.slug}", {f"rank-{a.id}": "2"}, page=f"/vote/{rnd.slug}")
    assert gap.status_code == 400 and "Nothing is in place 1" in text_of(gap)
    vote(client, members[0], rnd.slug, {f"rank-{c.id}": "1", f"rank-{b.id}": "2"})
    vote(client, members[1], rnd.slug, {f"rank-{c.id}": "1"})
    vote(client, members[2], rnd.slug, {f"rank-{b.id}": "1", f"rank-{a.id}": "2"})
    assert "proposals funded" in close(client, convenor, rnd.slug)
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert f"{c.title} ({c.group.name}) 4 " in public and f"{b.title} ({b.group.name}) 3 " in public


@pytest.mark.parametrize("policy", ["no_decision", "extend"])
def test_quorum_failure_is_said_out_loud(client, app, policy):
    from grants.models import QuorumPolicy

    extra = {"quorum_policy": QuorumPolicy(policy), "quorum_extend_days": 3 if policy == "extend" else None}
    convenor, rnd, (a, _b, _c), members = build(4, quorum_min_share_percent=75, **extra)
    f.to_voting(convenor, rnd.id)
    vote(client, members[0], rnd.slug, {"proposal": str(a.id)})
    message = close(client, convenor, rnd.slug)
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    if policy == "extend":
        assert "voting is extended once" in message
        assert "Quorum was not met when voting first closed" in public
        assert "Panel voting" in public
        vote(client, members[1], rnd.slug, {"proposal": str(a.id)})
        message = close(client, convenor, rnd.slug)
        public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "No decision" in message
    assert "No decision (quorum not met)" in public
    assert "No decision was made, because quorum was not met" in public
    assert client.get(f"/tables/{rnd.slug}/decision.pb").status_code == 404


def test_consensus_record_confirmed_by_each_member_present(client, app):
    convenor, rnd, (a, b, c), members = build(
        3, ballot_type=BallotType.CONSENSUS, counting_rule=CountingRule.CONSENSUS, quorum_min_ballots=2
    )
    facilitator = f.person("Fran Facilitator")
    _inv, token = invite(person=convenor, round_id=rnd.id, email=facilitator.email, role=PanelRole.FACILITATOR)
    accept_invitation(person=facilitator, token=token)
    f.to_voting(convenor, rnd.id)
    # A member cannot write the record.
    as_person(client, members[0])
    assert client.get(f"/vote/{rnd.slug}/consensus").status_code == 403
    as_person(client, facilitator)
    too_much = {"funded": [str(a.id), str(b.id), str(c.id)], "present": [str(m.id) for m in members]}
    refused = post_form(client, f"/vote/{rnd.slug}/consensus", too_much, page=f"/vote/{rnd.slug}/consensus")
    assert refused.status_code == 400 and "more than the pot" in text_of(refused)
    record = {
        "funded": [str(a.id), str(b.id)],
        "present": [str(m.id) for m in members],
        "aside": [str(members[2].id)],
    }
    check = post_form(client, f"/vote/{rnd.slug}/consensus", record, page=f"/vote/{rnd.slug}/consensus")
    assert "Check the record" in text_of(check) and "Stood aside Pat2 Panel" in text_of(check)
    # Each row of the check page has its own Change button, to its own question (issue 17).
    url = f"/vote/{rnd.slug}/consensus"
    rows = re.findall(
        r'formaction="([^"]+)" class="link-button">Change<span class="visually-hidden"> ([^<]+)</span>',
        check.get_data(as_text=True),
    )
    assert rows == [
        (f"{url}#consensus-funded", "the proposals to fund"),
        (f"{url}#consensus-present", "who was present"),
        (f"{url}#consensus-aside", "who stood aside"),
    ]
    back = post_form(client, url, record | {"change": "1"}, page=url).get_data(as_text=True)
    assert all(f'id="{anchor.split("#")[1]}"' in back for anchor, _ in rows)
    assert f'id="aside-{members[2].id}" checked' in back
    saved = post_form(client, f"/vote/{rnd.slug}/consensus/save", record, page=f"/vote/{rnd.slug}/consensus")
    assert saved.status_code == 302
    # Changing the record starts from what was written.
    again = client.get(f"/vote/{rnd.slug}/consensus").get_data(as_text=True)
    ticked = set(re.findall(r'id="((?:funded|present|aside)-\d+)" checked', again))
    assert ticked == (
        {f"funded-{a.id}", f"funded-{b.id}"} | {f"present-{m.id}" for m in members} | {f"aside-{members[2].id}"}
    )
    # Only one member has confirmed: closing finds quorum not met.
    as_person(client, members[0])
    confirm = post_form(client, f"/vote/{rnd.slug}/consensus/confirm", {}, page=f"/panel/{rnd.slug}", follow=True)
    assert "You have confirmed" in text_of(confirm)
    as_person(client, members[1])
    post_form(client, f"/vote/{rnd.slug}/consensus/confirm", {}, page=f"/panel/{rnd.slug}")
    as_person(client, facilitator)
    nope = post_form(client, f"/vote/{rnd.slug}/consensus/confirm", {}, page=f"/panel/{rnd.slug}", follow=True)
    assert "Only panel members recorded as present" in text_of(nope)
    # Every member present confirms, the one who stood aside too (issue 15): until then closing is refused.
    refused = close(client, convenor, rnd.slug)
    assert "Not every member present has confirmed the record: Pat2 Panel" in refused
    as_person(client, members[2])
    post_form(client, f"/vote/{rnd.slug}/consensus/confirm", {}, page=f"/panel/{rnd.slug}")
    message = close(client, convenor, rnd.slug)
    assert "Decided by consensus: 2 of 3 proposals funded" in message
    # The summary is the table's public record: its counts of people go through the one suppression rule.
    assert "fewer than 5 panel members were present, fewer than 5 stood aside, and fewer than 5 confirmed" in message
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "3 panel members were present" not in public and "1 stood aside" not in public
    assert "The panel decided by consensus to fund this proposal" in public
    decision = client.get(f"/tables/{rnd.slug}/decision.pb")
    assert decision.status_code == 200 and "selected" in decision.get_data(as_text=True)


@pytest.mark.parametrize("how_many", [1, 2])
def test_the_ballot_says_how_many_proposals_its_voter_stands_aside_from(client, app, how_many: int) -> None:  # noqa: ANN001
    """"It is not on your ballot" for one, "They are not" for more (it said "They" for one)."""
    convenor, rnd, proposals, members = build(2)
    slug, member = rnd.slug, members[0]
    for proposal in proposals[:how_many]:
        declare(client, member, slug, proposal.id)
    f.to_voting(convenor, rnd.id)
    as_person(client, member)
    page = text_of(client.get(f"/vote/{slug}"))
    said = "It is not on your ballot." if how_many == 1 else "They are not on your ballot."
    assert f"You stand aside from {how_many} proposal" in page and said in page
