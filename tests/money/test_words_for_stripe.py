"""Issue 17: a release through Stripe is described as going through Stripe, never as a bank transfer,
and the payments page says "through Stripe" in words, not "by stripe"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.models import PayoutMethod, Tranche, TrancheStatus
from grants.money.views import _tranche_message
from tests.conftest import login, text_of
from tests.money.conftest import awarded_round
from tests.money.test_money_out import _connect


@pytest.fixture
def app(stripe_app):  # noqa: ANN001, ANN201
    return stripe_app


def test_a_stripe_release_waiting_to_be_sent_is_not_called_a_bank_transfer(app) -> None:
    later = date.today() + timedelta(days=3)
    stripe = Tranche(amount_pence=25_000, status=TrancheStatus.SCHEDULED, method=PayoutMethod.STRIPE,
                     payee_name="Allotment Minds", due_on=later)  # fmt: skip
    words = _tranche_message(stripe)
    assert "bank transfer" not in words
    assert words == (
        f"Released £250 to Allotment Minds. Stripe sends it on {later:%-d %B %Y} to the group's connected account; "
        "this page shows when it has arrived."
    )
    stripe.due_on = date.today()
    assert "Stripe sends it now" in _tranche_message(stripe)
    bank = Tranche(amount_pence=25_000, status=TrancheStatus.SCHEDULED, method=PayoutMethod.BANK,
                   payee_name="Allotment Minds", due_on=later)  # fmt: skip
    assert _tranche_message(bank) == (
        "Scheduled £250 for Allotment Minds by bank transfer: send it from the table's bank account, "
        "then record the bank reference here."
    )


def test_the_payments_page_says_through_stripe_in_words(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    _connect(client, fake, s, s.groups[0])
    login(client, s.funder_person.email)
    page = text_of(client.get(f"/money/tables/{s.rnd.slug}/payments"))
    assert "through Stripe, straight to the group’s connected account" in page
    assert "by stripe" not in page.lower()
