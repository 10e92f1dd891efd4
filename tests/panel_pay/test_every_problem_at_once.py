"""Issue 17, forms that trip people: a panel member's pay choices, time and expenses say every
problem at once, in an error summary whose links go to each box, each box with its own message and
what was typed kept, and write nothing (through the web, CSRF on, on each database)."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Expense, PayPreference, TimeLog
from tests import factories
from tests.conftest import login, post_form
from tests.problems import every_problem_linked


def _member_page(client):  # noqa: ANN001, ANN202
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    member = factories.person("Mo Member")
    factories.seat(convenor, rnd.id, member)
    login(client, member.email)
    return f"/money/tables/{rnd.slug}/my-pay"


def _count(model) -> int:  # noqa: ANN001
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_pay_choice_says_every_problem_at_once(client, app):
    mine = _member_page(client)
    # A smaller amount, by bank: the note not ticked, no amount, and bank details that are not real.
    sent = {"pref-choice": "reduced", "pref-cap": "", "pref-account_name": "M Member",
            "pref-sort_code": "12-34", "pref-account_number": "1234"}  # fmt: skip
    response = post_form(client, f"{mine}/choice", sent, page=mine)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        "pref-read_benefits_note": "Please read the note about welfare benefits and tick the box before accepting payment.",  # noqa: E501
        "pref-cap": "Enter the most you want to be paid for this table.",
        "pref-sort_code": "Enter your sort code as 6 digits, like 12-34-56.",
        "pref-account_number": "Enter your account number as 8 digits.",
    })  # fmt: skip
    assert 'value="M Member"' in html and 'value="12-34"' in html  # what was typed is kept
    assert _count(PayPreference) == 0


def test_an_expense_claim_says_every_problem_at_once(client, app):
    mine = _member_page(client)
    sent = {"expense-kind": "travel", "expense-spent_on": "", "expense-amount": "£12,50", "expense-description": ""}
    response = post_form(client, f"{mine}/expenses", sent, page=mine)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        "expense-spent_on": "Enter the date",
        "expense-amount": (
            "“£12,50” could mean more than one amount. Use a full stop for pence and commas only between "
            "thousands, like 12.50 or 1,250"
        ),
        "expense-description": "Say what it was",
    })  # fmt: skip
    assert _count(Expense) == 0 and _count(TimeLog) == 0
