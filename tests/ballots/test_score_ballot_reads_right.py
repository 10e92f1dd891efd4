"""Issue 17: the score ballot says what each score means, and lets a panel member skip a proposal
they have too little information to score when the table's rules allow it (through the web, CSRF on)."""

from __future__ import annotations

import pytest

from grants.core import DomainError
from grants.models import BallotType, CountingRule
from grants.rounds.services import check_ballot_rules
from tests import factories as f
from tests.ballots.test_ballot_types import setup_round
from tests.conftest import login, post_form, text_of
from tests.sealed import sealed_ballots

SCORE = dict(ballot_type=BallotType.SCORE, counting_rule=CountingRule.SCORE_AVERAGE, score_max=4,
             score_criteria=["Led by lived experience"])  # fmt: skip


def _scores(*scored, skipped=()) -> dict:  # noqa: ANN002
    data = {}
    for p, n in scored:
        data[f"score-{p.id}-0"], data[f"comment-{p.id}-0"] = str(n), f"Because {n}."
    for p in skipped:
        data[f"skip-{p.id}"] = "1"
    return data


def test_every_score_has_a_meaning_on_the_ballot_and_in_the_rules(client, app):
    _convenor, rnd, _proposals, members = setup_round(**SCORE)
    login(client, members[0].email, f.PASSWORD)
    paper = text_of(client.get(f"/vote/{rnd.slug}"))
    for line in ("0: Does not meet it", "1: Meets a little of it", "2: Meets some of it", "3: Meets most of it",
                 "4: Meets all of it"):  # fmt: skip
        assert line in paper
    assert "Not enough information" not in paper  # these rules do not allow skipping
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "What the scores mean: 0 “Does not meet it”" in public


def test_a_table_writes_its_own_meanings_one_for_each_score():
    values = f.rules(**SCORE, score_meanings=["No", "Yes"])
    with pytest.raises(DomainError, match="Write one meaning for each score from 0 to 4: 5 lines. There are 2."):
        check_ballot_rules(values)
    check_ballot_rules({**values, "score_meanings": ["None", "Little", "Some", "Most", "All"]})


def test_skipping_for_lack_of_information_leaves_the_proposal_off_the_ballot(client, app):
    meanings = ["None", "Little", "Some", "Most", "All"]
    _convenor, rnd, (a, b, c), members = setup_round(**SCORE, score_skip_allowed=True, score_meanings=meanings)
    login(client, members[0].email, f.PASSWORD)
    url = f"/vote/{rnd.slug}"
    paper = text_of(client.get(url))
    assert f"Not enough information: skip “{a.title}”" in paper and "4: All" in paper
    check = post_form(client, url, _scores((b, 3), (c, 0), skipped=[a]), page=url)
    assert check.status_code == 200
    words = text_of(check)
    assert "Skipped: not enough information to score it" in words and "Led by lived experience: 3 (Most)" in words
    cast = post_form(client, f"/vote/{rnd.slug}/cast", _scores((b, 3), (c, 0), skipped=[a]), page=url)
    assert cast.status_code == 302, text_of(cast)
    (ballot,) = sealed_ballots(rnd.id)  # sealed until the count (issue 15)
    assert ballot["marks"] == {str(b.id): 3, str(c.id): 0}  # a is not on it: its average is over those who scored it


def test_skipping_everything_or_skipping_when_the_rules_do_not_allow_it_is_refused(client, app):
    _convenor, rnd, (a, b, c), members = setup_round(**SCORE, score_skip_allowed=True)
    login(client, members[0].email, f.PASSWORD)
    url = f"/vote/{rnd.slug}"
    refused = post_form(client, url, _scores(skipped=[a, b, c]), page=url)
    assert refused.status_code == 400 and "Score at least one proposal" in text_of(refused)

    _convenor, strict, (a2, b2, c2), others = setup_round(**SCORE)
    client.delete_cookie("session")
    login(client, others[0].email, f.PASSWORD)
    url = f"/vote/{strict.slug}"
    refused = post_form(client, url, _scores((b2, 1), (c2, 1), skipped=[a2]), page=url)
    assert refused.status_code == 400 and f"Choose a score for “{a2.title}”" in text_of(refused)
