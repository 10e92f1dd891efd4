"""Money out: a group connects Stripe or gives bank details; tranches, holds, reversals, reconcile."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from grants.core import transaction
from grants.extensions import db
from grants.ledger import books
from grants.models import AccountKind, AuditEntry, EntryGroup, EntryKind, Payee, PayoutMethod, Tranche, TrancheStatus
from grants.money.gateway import get_gateway
from grants.money.payouts import send_tranche
from grants.roles import may_release_money
from tests.conftest import login, post_form, text_of
from tests.fakes.fake_stripe import build_event
from tests.money.conftest import awarded_round, deliver


@pytest.fixture
def app(stripe_app):  # noqa: ANN001, ANN201
    return stripe_app


def _connect(client, fake, s, grp) -> str:  # noqa: ANN001
    """The group's lead connects Stripe through the UI and finishes onboarding."""
    login(client, s.lead.email)
    page = client.get(f"/money/groups/{grp.slug}/payee")
    assert "Connect a Stripe account" in text_of(page)
    response = post_form(client, f"/money/groups/{grp.slug}/payee/connect", {}, page=f"/money/groups/{grp.slug}/payee")
    assert response.status_code == 303
    payee = db.session.execute(select(Payee).where(Payee.group_id == grp.id)).scalar_one()
    assert payee.method is PayoutMethod.STRIPE and payee.stripe_transfers != "active"
    sent = fake.requests_to("POST", "/v1/accounts")[-1]
    assert sent.params["controller"]["fees"]["payer"] == "application"
    # A second click makes a fresh onboarding link but no second account.
    post_form(client, f"/money/groups/{grp.slug}/payee/connect", {}, page=f"/money/groups/{grp.slug}/payee")
    assert len(fake.objects_of("account")) == 1
    assert len(fake.requests_to("POST", "/v1/account_links")) == 2
    fake.complete_onboarding(payee.stripe_account_id)
    assert deliver(client, fake.event("account.updated", payee.stripe_account_id)).status_code == 200
    db.session.refresh(payee)
    assert payee.stripe_ready
    client.delete_cookie("session")
    return payee.stripe_account_id


def test_release_through_stripe_pays_once_with_a_stored_key(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    award, grp = s.awards[0], s.groups[0]
    account = _connect(client, fake, s, grp)
    login(client, s.funder_person.email)
    page = f"/money/tables/{s.rnd.slug}/payments"
    response = post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "250"}, page=page)
    assert response.status_code == 302
    tranche = db.session.execute(select(Tranche)).scalar_one()
    assert tranche.status is TrancheStatus.PAID
    assert tranche.idempotency_key == f"grant-{award.reference}-tranche-1"
    sent = fake.requests_to("POST", "/v1/transfers")
    assert len(sent) == 1
    assert sent[0].idempotency_key == tranche.idempotency_key
    assert sent[0].params["destination"] == account and sent[0].params["amount"] == "25000"
    money = books.round_summary(s.rnd.id)
    assert (money.paid_pence, money.committed_pence) == (25_000, 35_000)
    assert "Paid" in text_of(client.get(page))


def test_a_dropped_response_is_retried_with_the_same_key_and_pays_once(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    award, grp = s.awards[0], s.groups[0]
    _connect(client, fake, s, grp)
    login(client, s.funder_person.email)
    # Stripe makes the transfer but the answer never arrives.
    fake.drop_next_response("/v1/transfers")
    page = f"/money/tables/{s.rnd.slug}/payments"
    response = post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "600"}, page=page)
    assert response.status_code == 302
    tranche = db.session.execute(select(Tranche)).scalar_one()
    assert tranche.status is TrancheStatus.PROCESSING
    assert books.round_summary(s.rnd.id).paid_pence == 0
    # Nothing more can be released while it is on its way.
    assert post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "1"}, page=page)
    assert db.session.execute(select(func.count(Tranche.id))).scalar_one() == 1
    # The worker retries (twice, even): same key, so Stripe replays the first transfer.
    assert send_tranche(tranche.id) is TrancheStatus.PAID
    assert send_tranche(tranche.id) is TrancheStatus.PAID
    keys = {r.idempotency_key for r in fake.requests_to("POST", "/v1/transfers")}
    assert keys == {tranche.idempotency_key}
    assert len(fake.objects_of("transfer")) == 1
    assert books.round_summary(s.rnd.id).paid_pence == 60_000
    assert db.session.execute(select(func.count()).where(EntryGroup.kind == EntryKind.PAYMENT)).scalar_one() == 1


def test_library_retries_after_a_dropped_response_also_pay_once(app, client, fake) -> None:
    app.config["STRIPE_MAX_NETWORK_RETRIES"] = 2
    app.extensions.pop("stripe_gateway", None)
    s = awarded_round(100_000, [60_000])
    _connect(client, fake, s, s.groups[0])
    fake.drop_next_response("/v1/transfers")
    from grants.money.payouts import release_tranche

    tranche = release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=10_000)
    assert tranche.status is TrancheStatus.PAID
    assert len(fake.objects_of("transfer")) == 1
    assert len(fake.requests_to("POST", "/v1/transfers")) == 2


def test_a_definite_failure_fails_the_tranche_and_frees_the_money(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    _connect(client, fake, s, s.groups[0])
    fake.fail_next("/v1/transfers", status=400, code="balance_insufficient", message="Not enough on Stripe")
    from grants.money.payouts import releasable_pence, release_tranche

    tranche = release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=10_000)
    assert tranche.status is TrancheStatus.FAILED and "Not enough" in tranche.failure_reason
    assert releasable_pence(s.awards[0]) == 60_000
    again = release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=10_000)
    assert again.status is TrancheStatus.PAID
    assert again.idempotency_key.endswith("-tranche-2")


def test_reversed_transfer_returns_money_to_the_award(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    _connect(client, fake, s, s.groups[0])
    from grants.money.payouts import release_tranche

    tranche = release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=20_000)
    transfer = fake.reverse_transfer(tranche.stripe_transfer_id, 5_000)
    event = build_event("transfer.reversed", fake.get(tranche.stripe_transfer_id))
    for _ in range(3):
        assert deliver(client, event).status_code == 200
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.REVERSED and tranche.reversed_pence == 5_000
    money = books.round_summary(s.rnd.id)
    assert (money.paid_pence, money.committed_pence) == (15_000, 45_000)
    assert transfer


def test_bank_payee_host_organisation_hold_and_lift(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    award, grp = s.awards[0], s.groups[0]
    login(client, s.lead.email)
    response = post_form(
        client,
        f"/money/groups/{grp.slug}/payee",
        {
            "bank-account_name": "Hillside Community Trust",
            "bank-sort_code": "12-34-56",
            "bank-account_number": "12345678",
            "bank-host_name": "Hillside Community Trust",
        },
        page=f"/money/groups/{grp.slug}/payee",
    )
    assert response.status_code == 302
    bad = post_form(
        client,
        f"/money/groups/{grp.slug}/payee",
        {"bank-account_name": "X", "bank-sort_code": "12", "bank-account_number": "1"},
        page=f"/money/groups/{grp.slug}/payee",
    )
    assert bad.status_code == 400 and "6 digits" in text_of(bad)
    client.delete_cookie("session")

    login(client, s.funder_person.email)
    page = f"/money/tables/{s.rnd.slug}/payments"
    post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "300"}, page=page)
    tranche = db.session.execute(select(Tranche)).scalar_one()
    assert tranche.status is TrancheStatus.SCHEDULED and tranche.method is PayoutMethod.BANK
    assert tranche.payee_name == "Hillside Community Trust"  # the payee differs from the recipient
    assert not fake.requests_to("POST", "/v1/transfers")

    # A hold needs a reason; the reason is published and audited.
    short = post_form(client, f"/money/tranches/{tranche.id}/hold", {f"hold-{tranche.id}-reason": "no"}, page=page)
    assert short.status_code == 400 and "Write the reason in a sentence" in text_of(short)
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.SCHEDULED
    reason = "The group's report on the first part is overdue; we will release once it arrives."
    post_form(client, f"/money/tranches/{tranche.id}/hold", {f"hold-{tranche.id}-reason": reason}, page=page)
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.HELD
    public = text_of(client.get(f"/tables/{s.rnd.slug}"))
    assert reason in public and "Payments on hold" in public
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "payment_held")).scalar_one().is_public
    confirm = {
        f"confirm-{tranche.id}-paid_on": date.today().isoformat(),
        f"confirm-{tranche.id}-bank_reference": "BACS1",
    }
    post_form(client, f"/money/tranches/{tranche.id}/confirm", confirm, page=page)
    assert books.round_summary(s.rnd.id).paid_pence == 0

    post_form(client, f"/money/tranches/{tranche.id}/lift", {}, page=page)
    post_form(client, f"/money/tranches/{tranche.id}/confirm", confirm, page=page)
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.PAID
    assert books.round_summary(s.rnd.id).paid_pence == 30_000


def test_people_who_decided_cannot_release_or_hold(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    assert not may_release_money(s.convenor, s.rnd.id)
    login(client, s.convenor.email)
    page = f"/money/tables/{s.rnd.slug}/payments"
    response = post_form(
        client, f"/money/awards/{s.awards[0].id}/release", {f"release-{s.awards[0].id}-amount": "1"}, page=page
    )
    assert response.status_code == 403
    assert db.session.execute(select(func.count(Tranche.id))).scalar_one() == 0


def test_reconcile_agrees_then_lists_every_mismatch(app, client, fake, runner) -> None:
    s = awarded_round(100_000, [60_000])
    _connect(client, fake, s, s.groups[0])
    from grants.money.payouts import release_tranche

    release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=20_000)
    # The fake's platform balance is only what our own flows put there; start it from a card payment.
    from grants.money.services import pledge
    from tests.money.test_money_in import _checkout_through_ui

    item = pledge(person=s.funder_person, funder_id=s.funder.id, round_id=s.rnd.id, amount_pence=30_000)
    client.delete_cookie("session")
    checkout = _checkout_through_ui(client, fake, s.funder_person, item, amount="300")
    fake.complete_checkout_session(checkout.session_id, fee_pence=450)
    deliver(client, fake.event("checkout.session.completed", checkout.session_id))
    payout = fake.add_payout()
    result = runner.invoke(args=["reconcile", "--now"])
    assert result.exit_code != 0 and f"payout: {payout['id']}" in result.output  # not yet told
    for _ in range(2):
        assert deliver(client, fake.event("payout.paid", payout["id"])).status_code == 200
    # The pot was paid in by bank transfer; the payout brought Stripe's takings to the bank too.
    assert books.balance_of(AccountKind.BANK) == 100_000 + payout["amount"]
    assert books.balance_of(AccountKind.STRIPE_BALANCE) == 0
    result = runner.invoke(args=["reconcile", "--now"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output

    # Things go wrong behind our back: a transfer nobody recorded, a reversal not yet told.
    gateway = get_gateway()
    paid = db.session.execute(select(Tranche)).scalar_one()
    gateway.create_transfer(
        amount_pence=1_000,
        destination=paid.stripe_destination,
        idempotency_key="manual-1",
        transfer_group=None,
        metadata={},
    )
    fake.reverse_transfer(paid.stripe_transfer_id, 2_000)
    result = runner.invoke(args=["reconcile", "--now"])
    assert result.exit_code != 0
    assert "no tranche" in result.output
    assert "reversal" in result.output and "Stripe reversed 2000p, ledger 0p" in result.output
    assert "2 mismatch" in result.output or "3 mismatch" in result.output
    assert "ledger: running balance" not in result.output

    # A running balance that no longer adds up to its entries (changed by hand, say) is found too.
    from grants.models import Balance

    with transaction():
        kept = db.session.execute(select(Balance).order_by(Balance.account_id)).scalars().first()
        kept.amount_pence += 1
    result = runner.invoke(args=["reconcile", "--now"])
    assert result.exit_code != 0
    assert f"ledger: running balance: account {kept.account_id}, {kept.entry_kind.value}: kept" in result.output


def test_a_group_that_has_not_finished_onboarding_cannot_be_paid_yet(app, client, fake) -> None:
    s = awarded_round(100_000, [60_000])
    grp = s.groups[0]
    login(client, s.lead.email)
    post_form(client, f"/money/groups/{grp.slug}/payee/connect", {}, page=f"/money/groups/{grp.slug}/payee")
    client.delete_cookie("session")
    login(client, s.funder_person.email)
    page = f"/money/tables/{s.rnd.slug}/payments"
    response = post_form(
        client,
        f"/money/awards/{s.awards[0].id}/release",
        {f"release-{s.awards[0].id}-amount": "10"},
        page=page,
        follow=True,
    )
    assert "has not finished connecting its Stripe account" in text_of(response)
    assert not fake.requests_to("POST", "/v1/transfers")
    assert db.session.execute(select(func.count(Tranche.id))).scalar_one() == 0


def test_stripe_onboarding_links_point_at_the_site_address_whichever_host_was_named(app, client, fake) -> None:
    # Issue 16: the refresh and return URLs Stripe sends the group back to come from SITE_URL.
    from tests.conftest import CSRF_RE

    s = awarded_round(100_000, [25_000])
    grp = s.groups[0]
    other = "http://localhost:5999"
    page = client.get("/login", base_url=other).get_data(as_text=True)
    client.post(
        "/login",
        data={"email": s.lead.email, "password": "correct horse battery", "csrf_token": CSRF_RE.search(page).group(1)},
        base_url=other,
    )
    payee_page = client.get(f"/money/groups/{grp.slug}/payee", base_url=other).get_data(as_text=True)
    response = client.post(
        f"/money/groups/{grp.slug}/payee/connect",
        data={"csrf_token": CSRF_RE.search(payee_page).group(1)},
        base_url=other,
    )
    assert response.status_code == 303
    sent = fake.requests_to("POST", "/v1/account_links")[-1]
    for name in ("refresh_url", "return_url"):
        assert sent.params[name].startswith("http://127.0.0.1:5000/money/groups/"), sent.params[name]
