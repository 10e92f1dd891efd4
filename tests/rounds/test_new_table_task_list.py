"""A new table is set up as a task list (issue 17): short pages, each with its status, only the chosen
ballot's settings, the draft saved after each page, and a check-your-answers page before publishing."""

from __future__ import annotations

import re

import pytest

from grants.core import DomainError
from grants.extensions import db
from grants.models import BallotType, CountingRule, Round, RoundStatus
from grants.panels.formation import save_settings
from grants.rounds.services import move_on
from tests import factories as f
from tests.conftest import login, post_form, text_of
from tests.e2e.test_spine_journey import rules_form
from tests.rounds import journey


def _round(slug: str) -> Round:
    db.session.expire_all()
    return db.session.execute(db.select(Round).where(Round.slug == slug)).scalar_one()


def _status(client, slug: str) -> dict[str, str]:  # noqa: ANN001
    html = client.get(f"/manage/tables/{slug}/setup").get_data(as_text=True)
    found = re.findall(r'class="task-name"[^>]*>([^<]+)</a>\s*<strong[^>]*>([^<]+)</strong>', html)
    return {name.replace("&#39;", "'"): status for name, status in found}


def test_each_part_is_saved_to_the_draft_and_has_its_status(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    slug = journey.start(client, rules_form())
    status = _status(client, slug)
    assert status["Name and purpose"] == "Completed"
    assert set(list(status.values())[1:]) == {"Not started"} and len(status) == 9
    # Each page is saved to the draft as it is sent.
    assert journey.send_page(client, slug, "money", rules_form(max_grant="£4,500")).status_code == 302
    assert _round(slug).max_grant_pence == 450_000
    assert _status(client, slug)["Money"] == "Completed"
    # The ballot is two short pages: which ballot, then only its settings. Half done is "In progress".
    sent = rules_form(ballot_type="cumulative", points_total="10")
    assert journey.send_page(client, slug, "ballot", sent).headers["Location"].endswith("/setup/ballot-settings")
    assert _status(client, slug)["Ballot"] == "In progress"
    settings = text_of(client.get(f"/manage/tables/{slug}/setup/ballot-settings"))
    assert "Points each panel member spreads" in settings
    for other in ("Highest score on each criterion", "Most proposals a panel member may pick", "put in order"):
        assert other not in settings
    assert journey.send_page(client, slug, "ballot-settings", sent).status_code == 302
    assert _status(client, slug)["Ballot"] == "Completed" and _round(slug).points_total == 10
    # Counting offers only the rules that fit the ballot.
    counting = client.get(f"/manage/tables/{slug}/setup/counting").get_data(as_text=True)
    assert 'value="phragmen"' not in counting and 'value="score-average"' not in counting
    assert 'value="equalshares"' in counting
    assert journey.send_page(client, slug, "counting", sent | {"counting_rule": "equalshares"}).status_code == 302
    # A later answer that no longer fits an earlier one puts that part back "In progress": a score
    # ballot does not fit equal shares, and its settings are asked again.
    score = rules_form(ballot_type="score")
    assert journey.send_page(client, slug, "ballot", score).status_code == 302
    status = _status(client, slug)
    assert status["Counting"] == "In progress" and status["Ballot"] == "In progress"
    check = text_of(client.get(f"/manage/tables/{slug}/setup/check"))
    assert "Not ready to publish" in check and "Publish and open for bids" not in check


def test_every_rule_is_still_checked_and_nothing_is_saved_when_a_page_is_refused(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    slug = journey.start(client, rules_form())
    save_settings(person=convenor, round_id=_round(slug).id, values={"panel_size": 5})
    refused = journey.send_page(client, slug, "quorum", rules_form(quorum_min_ballots="6"))
    assert refused.status_code == 400 and "more than the panel's 5 seats" in text_of(refused)
    refused = journey.send_page(client, slug, "quorum", rules_form(quorum_min_scorers="5"))
    assert refused.status_code == 400 and "Choose at most 4" in text_of(refused)
    assert _round(slug).quorum_min_scorers is None and _status(client, slug)["Quorum"] == "Not started"
    refused = journey.send_page(client, slug, "money", rules_form(max_grant="0"))
    assert refused.status_code == 400 and "Not started" == _status(client, slug)["Money"]
    community = rules_form(electorate="community", community_name="", ballot_type="score")
    refused = journey.send_page(client, slug, "ballot", community)
    assert refused.status_code == 400
    assert "Name the community whose members vote." in text_of(refused)
    assert "A community-wide vote uses an approval, points or ranking ballot" in text_of(refused)
    assert _round(slug).ballot_type is BallotType.APPROVAL
    refused = journey.send_page(client, slug, "counting", rules_form(counting_rule="greedy-threshold"))
    assert refused.status_code == 400 and "The threshold rule needs the least support" in text_of(refused)
    # Publishing from the table's page is refused too until the list is done.
    with pytest.raises(DomainError, match="Finish setting the table up"):
        move_on(person=convenor, round_id=_round(slug).id, to=RoundStatus.OPEN_FOR_BIDS)
    assert "Go to the task list" in text_of(client.get(f"/manage/tables/{slug}"))


def test_the_check_page_has_a_change_link_for_each_answer_then_publishes(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    slug = journey.new_table(client, rules_form(counting_rule="greedy-threshold", min_support="2"))
    html = client.get(f"/manage/tables/{slug}/setup/check").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)">Change<span class="visually-hidden"> ([^<]+)</span></a>', html)
    by_name = {name: href for href, name in links}
    assert by_name["largest grant"] == f"/manage/tables/{slug}/setup/money#max_grant"
    assert by_name["voting closes"] == f"/manage/tables/{slug}/setup/timetable#voting_closes_on"
    assert by_name["least support to take part"] == f"/manage/tables/{slug}/setup/counting#min_support"
    assert by_name["tie-break"] == f"/manage/tables/{slug}/setup/tie-break#tie_break"
    assert len(links) == len(set(href for href, _ in links)) >= 18  # one per row, each to its own field
    # Only the chosen ballot's settings are listed.
    assert "points to spread" not in by_name and "highest score" not in by_name
    for href, _name in links:
        page, anchor = href.split("#")
        assert f'id="{anchor}"' in client.get(page).get_data(as_text=True), href
    check = f"/manage/tables/{slug}/setup/check"
    published = post_form(client, check, {}, page=check)
    assert published.headers["Location"].endswith(f"/manage/tables/{slug}")
    rnd = _round(slug)
    assert rnd.status is RoundStatus.OPEN_FOR_BIDS and rnd.counting_rule is CountingRule.GREEDY_THRESHOLD
    # Once published, the rules change on the rules page (with a reason); once voting opens, never.
    assert client.get(f"/manage/tables/{slug}/setup/money").headers["Location"].endswith(f"/{slug}/rules")
    assert post_form(client, check, {}, page=f"/manage/tables/{slug}").status_code == 409


def test_the_rules_stay_frozen_once_voting_opens(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    lead = f.person("Gus Lead")
    f.proposal(lead, rnd.id, f.group(lead), 10_000)
    f.seat(convenor, rnd.id, f.person("Pat Panel"))
    f.to_voting(convenor, rnd.id)
    login(client, convenor.email)
    url = f"/manage/tables/{rnd.slug}/setup/money"
    assert client.get(url).status_code == 409
    refused = post_form(client, url, {"max_grant": "1"}, page=f"/manage/tables/{rnd.slug}")
    assert refused.status_code == 409 and _round(rnd.slug).max_grant_pence == 500_000


def test_only_its_convenors_set_a_draft_up(client, app):
    convenor = f.person("Cara Convenor")
    login(client, convenor.email)
    slug = journey.start(client, rules_form())
    client.get("/logout")
    other = f.person("Olu Other")
    login(client, other.email)
    assert client.get(f"/manage/tables/{slug}/setup").status_code in (403, 404)
    url = f"/manage/tables/{slug}/setup/money"
    assert post_form(client, url, {"max_grant": "9"}, page="/me").status_code in (403, 404)
    assert _round(slug).max_grant_pence == 0
