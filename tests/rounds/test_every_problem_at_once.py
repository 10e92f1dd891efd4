"""Issue 17, forms that trip people: changing a published table's rules says every problem at once,
the ones the use case finds (the ballot's settings, the quorum, the missing reason) together, each
beside its setting, with what was typed kept, and changes nothing (through the web, CSRF on)."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Round, RuleChange
from tests import factories
from tests.conftest import login, post_form
from tests.e2e.test_spine_journey import rules_form
from tests.problems import every_problem_linked


def test_changing_the_rules_says_every_problem_at_once(client, app):
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    for name in ("Pat One", "Pat Two"):
        factories.seat(convenor, rnd.id, factories.person(name))
    login(client, convenor.email)
    page = f"/manage/tables/{rnd.slug}/rules"
    # A score ballot with no criteria, counted by a rule that does not fit it, a quorum of more ballots
    # than the panel has seats, and no reason for changing published rules.
    sent = rules_form(ballot_type="score", score_max="4", score_criteria="", counting_rule="greedy",
                      quorum_min_ballots="9", reason="")  # fmt: skip
    response = post_form(client, page, sent, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        "score_criteria": "A score ballot needs at least one published criterion, one on each line.",
        "counting_rule": "“Most support first” does not fit a score ballot. Choose “highest average score first”.",
        "quorum_min_ballots": "The fewest ballots (9) is more than the panel's 2 seats, so it can never be met. "
                              "Choose at most 2, or make the panel larger first.",
        "reason": "Say why you are changing the rules. The reason is published with the change.",
    })  # fmt: skip
    assert 'value="9"' in html
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).ballot_type.value == "approval"
    assert db.session.execute(select(func.count(RuleChange.id))).scalar_one() == 0


def test_a_box_the_form_refuses_does_not_hide_what_the_settings_get_wrong(client, app):
    """A date out of order is found by the form, an unfitting counting rule and an impossible quorum by the
    table's rules: all three are said on the first try."""
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    for name in ("Pat One", "Pat Two"):
        factories.seat(convenor, rnd.id, factories.person(name))
    login(client, convenor.email)
    page = f"/manage/tables/{rnd.slug}/rules"
    sent = rules_form(voting_closes_on="2000-01-01", ballot_type="score", score_max="4", score_criteria="Led by us",
                      counting_rule="greedy", quorum_min_ballots="9", reason="Trying.")  # fmt: skip
    response = post_form(client, page, sent, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {
        "voting_closes_on": "This date must be on or after “voting opens on”",
        "counting_rule": "“Most support first” does not fit a score ballot. Choose “highest average score first”.",
        "quorum_min_ballots": "The fewest ballots (9) is more than the panel's 2 seats, so it can never be met. "
                              "Choose at most 2, or make the panel larger first.",
    })  # fmt: skip
    assert db.session.execute(select(func.count(RuleChange.id))).scalar_one() == 0
