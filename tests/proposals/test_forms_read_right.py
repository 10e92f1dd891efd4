"""Forms that used to trip people (issue 17), through the web with CSRF on, on each database:
the bid's error summary in plain words, money typed the UK way, and a budget over the largest
grant refused on the budget itself."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import BudgetLine, Proposal
from grants.money_format import parse_pounds
from tests import factories
from tests.conftest import login, post_form, text_of


@pytest.fixture
def bidder(app):  # noqa: ANN001, ANN201
    """A group lead signed in, and a table open for bids whose largest grant is £5,000."""
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor, max_grant_pence=500_000)
    lead = factories.person("Gus Lead")
    factories.group(lead, name="Allotment Minds")
    return lead, rnd


def _bid(client, rnd, lines: list[tuple[str, str]]):  # noqa: ANN001, ANN202
    data = {"title": "Peer walks", "summary": "Walks.", "activities": "We walk.", "beneficiaries": "Parents."}
    for i, (item, amount) in enumerate(lines):
        data[f"lines-{i}-item"] = item
        data[f"lines-{i}-amount"] = amount
    url = f"/proposals/new/{rnd.slug}"
    return post_form(client, url, data, page=url)


def _saved_amounts() -> list[int]:
    return list(db.session.execute(select(BudgetLine.amount_pence).order_by(BudgetLine.id)).scalars())


def test_the_bid_error_summary_is_plain_words_linked_to_each_box(client, bidder):
    lead, rnd = bidder
    login(client, lead.email)
    response = _bid(client, rnd, [("Room hire", ""), ("", "40")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))]
    assert "{" not in summary and "[" not in summary  # no Python dicts or lists
    assert 'href="#lines-0-amount">Line 1 of the budget: Enter the cost of “Room hire”</a>' in summary
    assert 'href="#lines-1-item">Line 2 of the budget: Say what this cost is for</a>' in summary
    assert db.session.execute(select(Proposal)).first() is None


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("12.50", 1_250), ("£1,250", 125_000), ("1250", 125_000), ("£ 7.5", 750), ("1,250.05", 125_005)],
)
def test_money_typed_the_uk_way_is_read_as_meant(typed: str, pence: int):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["£12,50", "12,5", "1,2345", "12.505", "1e3", "-5", "12 50", "five", "1.250,00"])
def test_money_that_could_mean_two_things_or_is_not_money_is_refused(typed: str):
    with pytest.raises(ValueError, match="(could mean more than one amount|Enter|no more than 2)"):
        parse_pounds(typed)


def test_twelve_pounds_comma_fifty_is_refused_with_a_reason_not_saved_as_1250(client, bidder):
    lead, rnd = bidder
    login(client, lead.email)
    response = _bid(client, rnd, [("Tea", "£12,50")])
    assert response.status_code == 400
    assert "“£12,50” could mean more than one amount" in text_of(response)
    assert _saved_amounts() == []
    response = _bid(client, rnd, [("Tea", "12.50"), ("Room", "£1,250")])
    assert response.status_code == 302
    assert _saved_amounts() == [1_250, 125_000]


def test_a_budget_over_the_largest_grant_is_refused_on_the_budget(client, bidder):
    lead, rnd = bidder
    login(client, lead.email)
    response = _bid(client, rnd, [("Room", "3,000"), ("Trips", "2,500")])
    assert response.status_code == 400
    page = text_of(response)
    assert "Your budget adds up to £5,500, more than this table's largest grant of £5,000" in page
    html = response.get_data(as_text=True)
    assert 'href="#lines">Your budget adds up to £5,500' in html
    assert db.session.execute(select(Proposal)).first() is None
    assert _bid(client, rnd, [("Room", "3,000"), ("Trips", "2,000")]).status_code == 302


def test_check_your_answers_has_a_change_link_on_every_row(client, bidder):
    lead, rnd = bidder
    login(client, lead.email)
    response = _bid(client, rnd, [("Tea", "12.50"), ("Room hire", "40")])
    check = client.get(response.headers["Location"]).get_data(as_text=True)
    edit = re.search(r'href="(/proposals/\d+/edit)#title"', check).group(1)
    # Every budget line is a row too, with its own Change link to its own box.
    rows = [("languages", "the languages"), ("title", "title"), ("summary", "summary"),
            ("activities", "what you will do"), ("beneficiaries", "who will benefit"),
            ("agreed_to_be_named", "whether to name you in public"),
            ("lines-0-item", "the budget line Tea"), ("lines-1-item", "the budget line Room hire")]  # fmt: skip
    for anchor, words in rows:
        assert f'<a href="{edit}#{anchor}">Change<span class="visually-hidden"> {words}</span></a>' in check
    assert check.count(">Change<span") == len(rows)
    # Each anchor is a box on the form it leads to.
    form = client.get(edit).get_data(as_text=True)
    for anchor, _words in rows:
        assert f'id="{anchor}"' in form


def test_the_ballot_check_page_changes_one_answer_at_a_time(client, app):
    from tests.panels.care_world import as_person, make_world

    w = make_world()
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.members[0])
    slug, first, second = w.rnd.slug, w.proposals[0], w.proposals[1]
    check = post_form(client, f"/vote/{slug}", {"proposal": [str(first.id)]}, page=f"/vote/{slug}")
    html = check.get_data(as_text=True)
    for p in [first]:  # an approval ballot's check page lists what was picked
        assert (
            f'<button type="submit" form="ballot-change" name="change" value="{p.id}" class="link-button">'
            f'Change<span class="visually-hidden"> your answer on {p.title}</span></button>'
        ) in html
    sent = {"proposal": [str(first.id)], "change": str(second.id)}
    back = post_form(client, f"/vote/{slug}", sent, page=f"/vote/{slug}")
    paper = back.get_data(as_text=True)
    assert back.status_code == 200
    assert re.search(rf'id="proposal-{second.id}"[^>]*autofocus', paper)
    assert re.search(rf'value="{first.id}" id="proposal-{first.id}" checked', paper)  # the answer is kept


def test_an_applicant_can_choose_the_easy_read_bid(client, bidder):
    lead, rnd = bidder
    login(client, lead.email)
    url = f"/proposals/new/{rnd.slug}"
    standard = client.get(url).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Read this form in Easy Read</a>', standard)
    assert link and "read=easy" in link.group(1)
    easy_url = link.group(1).replace("&amp;", "&")
    easy = client.get(easy_url)
    words = text_of(easy)
    lines = (
        "What is your idea called?", "Tell us about your idea.", "What will you do?", "Who will it help?",
        "What do you need money for?", "Write one thing on each line.", "You can ask for up to £5,000.",
    )  # fmt: skip
    for line in lines:
        assert line in words
    html = easy.get_data(as_text=True)
    assert html.count('class="er-picture"') >= 5 and 'alt=""' in html  # pictures beside the questions, decorative
    assert "Read the standard version" in words
    # The same answers are saved from the Easy Read form, and its refusals are in its own words.
    data = {"title": "Walks", "summary": "Walks.", "activities": "We walk.", "beneficiaries": "Parents.",
            "lines-0-item": "Tea", "lines-0-amount": "£12,50"}  # fmt: skip
    refused = post_form(client, easy_url, data, page=easy_url)
    assert refused.status_code == 400 and "What is your idea called?" in text_of(refused)
    data["lines-0-amount"] = "12.50"
    assert post_form(client, easy_url, data, page=easy_url).status_code == 302
    assert _saved_amounts() == [1_250]


def test_the_new_table_form_shows_every_problem_at_once_in_plain_words(client, app):
    from tests.e2e.test_spine_journey import rules_form
    from tests.rounds import journey

    convenor = factories.person("Cara Convenor")
    login(client, convenor.email)
    sent = rules_form(ballot_type="score", counting_rule="greedy-no-skip", score_max="", score_criteria="",
                      quorum_policy="extend", quorum_extend_days="")  # fmt: skip
    # The task list asks a part on each page: each page shows every problem it has at once, in plain words.
    slug, responses = journey.walk(client, sent)
    expected = {
        "ballot-settings": (
            "A score ballot needs the highest score on each criterion.",
            "A score ballot needs at least one published criterion, one on each line.",
        ),
        "counting": (
            "“Most support first, stopping at the first that does not fit” does not fit a score ballot. "
            "Choose “highest average score first”.",
        ),
        "quorum": ("Say by how many days voting is extended if quorum is not met.",),
    }
    for page, problems in expected.items():
        response = responses[page]
        assert response.status_code == 400, page
        text = text_of(response)
        summary = text[text.index("There is a problem") : text.index("There is a problem") + 2000]
        for problem in problems:
            assert problem in summary, problem
        for internal in ("score-average", "greedy-no-skip", "greedy,"):
            assert internal not in text
    assert {page for page, r in responses.items() if r.status_code != 302} == set(expected)
    # Publishing is refused until every part is done, naming the parts.
    check = f"/manage/tables/{slug}/setup/check"
    refused = post_form(client, check, {}, page=check)
    assert refused.status_code == 400
    assert "Finish these parts before publishing: Ballot, Counting, Quorum." in text_of(refused)


def _summary(response) -> str:  # noqa: ANN001
    """The error summary's text (what a person reads first)."""
    text = text_of(response)
    start = text.index("There is a problem")
    return text[start : start + 3000]


def test_the_bid_shows_every_problem_at_once_over_budget_included(client, bidder):
    lead, rnd = bidder
    login(client, lead.email)
    url = f"/proposals/new/{rnd.slug}"
    data = {"title": "", "summary": "", "activities": "We walk.", "beneficiaries": "",
            "lines-0-item": "Coach hire", "lines-0-amount": "£4,800", "lines-1-item": "Tea", "lines-1-amount": "300",
            "lines-2-item": "", "lines-2-amount": "12"}  # fmt: skip
    response = post_form(client, url, data, page=url)
    assert response.status_code == 400
    summary = _summary(response)
    for problem in ("Enter a title", "Write a short summary", "Say who will benefit",
                    "Line 3 of the budget: Say what this cost is for",
                    "Your budget adds up to £5,112, more than this table's largest grant of £5,000."):  # fmt: skip
        assert problem in summary, problem
    for internal in ("lines-", "{", "max_grant", "None"):
        assert internal not in summary
    assert db.session.execute(select(Proposal)).first() is None


def test_group_registration_shows_every_problem_at_once(client, app):
    person = factories.person("Gus Lead")
    login(client, person.email)
    response = post_form(client, "/groups/new", {"name": "", "description": "", "contact_email": "not an address"},
                         page="/groups/new")  # fmt: skip
    assert response.status_code == 400
    summary = _summary(response)
    for problem in ("Enter the group's name", "Say what the group does", "Enter a real e-mail address"):
        assert problem in summary, problem
    assert "contact_email" not in text_of(response)


def test_volunteering_for_a_panel_shows_every_problem_at_once(client, app):
    from grants.panels.formation import open_call, save_settings

    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    save_settings(person=convenor, round_id=rnd.id, values={"panel_size": 5})
    open_call(person=convenor, round_id=rnd.id, is_open=True)
    volunteer = factories.person("Val One")
    login(client, volunteer.email)
    url = f"/panel/{rnd.slug}/volunteer"
    response = post_form(client, url, {"contact_by": "phone", "contact_details": ""}, page=url)
    assert response.status_code == 400
    summary = _summary(response)
    assert "Say whether you have lived experience of what this table is about" in summary
    assert "Give a phone number, so we can contact you as you chose" in summary
    ok = post_form(client, url, {"lived_experience": "no", "contact_by": "phone", "contact_details": "0113 000"},
                   page=url)  # fmt: skip
    assert ok.status_code == 302
