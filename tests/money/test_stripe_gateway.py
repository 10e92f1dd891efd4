"""The Stripe gateway against a local fake of the Stripe API.

Every test drives the real ``stripe`` library over HTTP to ``FakeStripe`` and checks
what the fake received, so none of them can pass without the fake. DNS for anything
but loopback is refused for the whole test, and a test fails if anything tried.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
import stripe

from grants.money import stripe_gateway
from grants.money.stripe_gateway import (
    CheckoutPayment,
    GatewayError,
    StripeGateway,
    WebhookRejected,
)
from tests.fakes.fake_stripe import (
    FAKE_WEBHOOK_SECRET,
    FakeStripe,
    build_event,
    forbid_non_loopback_connections,
    sign_event,
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch):
    """No telemetry id file, no DNS beyond loopback; fail if anything tried."""
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    attempted = forbid_non_loopback_connections(monkeypatch)
    yield attempted
    assert attempted == [], f"tried to reach {attempted}"


@pytest.fixture
def fake():
    with FakeStripe() as server:
        yield server


def make_gateway(fake: FakeStripe, **overrides) -> StripeGateway:
    kwargs = dict(
        api_key=fake.api_key,
        webhook_secret=FAKE_WEBHOOK_SECRET,
        expected_livemode=False,
        base_url=fake.base_url,
        max_network_retries=0,
    )
    kwargs.update(overrides)
    return StripeGateway(**kwargs)


@pytest.fixture
def gateway(fake: FakeStripe):
    with make_gateway(fake) as gw:
        yield gw


def onboarded_account(gateway: StripeGateway, fake: FakeStripe, reference: str = "group-1") -> str:
    account = gateway.create_connected_account(
        reference=reference, email=f"{reference}@example.org", business_name="Tea & Talk"
    )
    fake.complete_onboarding(account.id)
    return account.id


def checkout(
    gateway: StripeGateway,
    *,
    reference: str = "pledge-7",
    allow_bacs: bool = False,
    amount_pence: int = 250_000,
):
    return gateway.create_checkout_session(
        reference=reference,
        amount_pence=amount_pence,
        description="Pledge to the Food Table",
        success_url="https://ourtables.test/pledges/7/thanks",
        cancel_url="https://ourtables.test/pledges/7",
        allow_bacs=allow_bacs,
        metadata={"pledge_id": "7", "round_id": "3"},
    )


# ------------------------------------------------------------------------- checkout


def test_checkout_session_sends_one_gbp_line_item_and_our_reference(gateway, fake):
    session = checkout(gateway)

    [request] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert request.header("Authorization") == f"Bearer {fake.api_key}"
    assert request.idempotency_key == "checkout-session-pledge-7"
    assert request.params == {
        "mode": "payment",
        "payment_method_types": ["card"],
        "line_items": [
            {
                "quantity": "1",
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": "250000",
                    "product_data": {"name": "Pledge to the Food Table"},
                },
            }
        ],
        "client_reference_id": "pledge-7",
        "metadata": {"pledge_id": "7", "round_id": "3"},
        "payment_intent_data": {"metadata": {"pledge_id": "7", "round_id": "3"}},
        "success_url": "https://ourtables.test/pledges/7/thanks",
        "cancel_url": "https://ourtables.test/pledges/7",
    }
    stored = fake.get(session.id)
    assert session.url == stored["url"]
    assert stored["amount_total"] == 250_000


def test_checkout_session_offers_bacs_only_when_allowed(gateway, fake):
    checkout(gateway, reference="pledge-8", allow_bacs=True)

    [request] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert request.params["payment_method_types"] == ["card", "bacs_debit"]


def test_checkout_session_for_the_same_reference_is_created_once(gateway, fake):
    first = checkout(gateway)
    again = checkout(gateway)

    assert again == first
    assert len(fake.requests_to("POST", "/v1/checkout/sessions")) == 2
    assert len(fake.objects_of("checkout.session")) == 1


@pytest.mark.parametrize("amount", [0, -100, 10.5, True, "100"])
def test_checkout_session_refuses_amounts_that_are_not_positive_pence(gateway, fake, amount):
    with pytest.raises(ValueError, match="pence"):
        checkout(gateway, amount_pence=amount)
    assert fake.requests == []


def test_card_payment_fee_comes_from_the_charge_balance_transaction(gateway, fake):
    session = checkout(gateway, amount_pence=10_000)
    fake.complete_checkout_session(session.id)  # card: 1.5% + 20p

    payment = gateway.retrieve_checkout_payment(session.id)

    assert payment.payment_status == "paid"
    assert payment.reference == "pledge-7"
    assert payment.amount_pence == 10_000
    assert payment.fee_pence == 170
    assert payment.net_pence == 9_830
    assert payment.balance_transaction.source == payment.charge_id
    [request] = fake.requests_to("GET", f"/v1/checkout/sessions/{session.id}")
    assert request.params == {"expand": ["payment_intent.latest_charge.balance_transaction"]}


def test_bacs_payment_has_no_fee_until_it_settles(gateway, fake):
    session = checkout(gateway, allow_bacs=True, amount_pence=50_000)
    fake.complete_checkout_session(session.id, payment_method="bacs_debit", settled=False)

    pending = gateway.retrieve_checkout_payment(session.id)
    assert pending.payment_status == "unpaid"
    assert pending.payment_intent_id is not None
    assert pending.fee_pence is None

    fake.settle_checkout_session(session.id, fee_pence=123)
    settled = gateway.retrieve_checkout_payment(session.id)
    assert (settled.payment_status, settled.fee_pence, settled.net_pence) == ("paid", 123, 49_877)


def test_checkout_payment_for_a_verified_event_refetches_the_session(gateway, fake):
    session = checkout(gateway)
    fake.complete_checkout_session(session.id, fee_pence=99)
    body, header = sign_event(
        fake.event("checkout.session.completed", session.id), FAKE_WEBHOOK_SECRET
    )

    event = gateway.construct_event(body, header)
    payment = gateway.checkout_payment_for_event(event)

    assert isinstance(payment, CheckoutPayment)
    assert (payment.session_id, payment.fee_pence) == (session.id, 99)
    assert fake.requests_to("GET", f"/v1/checkout/sessions/{session.id}")


def test_balance_transaction_fee_is_read_as_integer_pence(fake):
    fake.fee_policy = lambda amount, method: 42
    with make_gateway(fake) as gateway:
        session = checkout(gateway, amount_pence=1_000)
        fake.complete_checkout_session(session.id)
        txn_id = fake.get(fake.get(session.id)["payment_intent"])["latest_charge"]
        txn_id = fake.get(txn_id)["balance_transaction"]

        txn = gateway.retrieve_balance_transaction(txn_id)

    assert (txn.amount_pence, txn.fee_pence, txn.net_pence, txn.type) == (1_000, 42, 958, "charge")
    assert fake.requests_to("GET", f"/v1/balance_transactions/{txn_id}")


def test_refund_carries_our_idempotency_key(gateway, fake):
    session = checkout(gateway, amount_pence=2_000)
    fake.complete_checkout_session(session.id)
    intent = fake.get(session.id)["payment_intent"]

    refund = gateway.create_refund(
        payment_intent_id=intent,
        amount_pence=500,
        idempotency_key="pledge-7-refund-1",
        metadata={"why": "over"},
    )

    [request] = fake.requests_to("POST", "/v1/refunds")
    assert request.idempotency_key == "pledge-7-refund-1"
    assert request.params == {
        "payment_intent": intent,
        "amount": "500",
        "metadata": {"why": "over"},
    }
    assert (refund.amount_pence, refund.status, refund.payment_intent_id) == (
        500,
        "succeeded",
        intent,
    )


# ---------------------------------------------------------------- connected accounts


def test_connected_account_uses_controller_settings_for_a_grant_platform(gateway, fake):
    account = gateway.create_connected_account(
        reference="group-12", email="treasurer@teaandtalk.org", business_name="Tea & Talk"
    )

    [request] = fake.requests_to("POST", "/v1/accounts")
    assert request.idempotency_key == "connected-account-group-12"
    assert "type" not in request.params
    assert request.params == {
        "country": "GB",
        "email": "treasurer@teaandtalk.org",
        "business_profile": {"name": "Tea & Talk"},
        "controller": {
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
        },
        "capabilities": {"transfers": {"requested": "true"}},
        "metadata": {"reference": "group-12"},
    }
    assert account.id == fake.objects_of("account")[0]["id"]
    assert not account.details_submitted
    assert not account.payouts_enabled
    assert "external_account" in account.requirements_due
    assert account.transfers_capability == "inactive"
    assert not account.can_receive_transfers


def test_account_link_is_made_for_onboarding(gateway, fake):
    account = gateway.create_connected_account(
        reference="group-1", email="a@example.org", business_name="Allotment Friends"
    )

    url = gateway.create_account_link(
        account_id=account.id,
        refresh_url="https://ourtables.test/stripe/refresh",
        return_url="https://ourtables.test/stripe/return",
    )

    [request] = fake.requests_to("POST", "/v1/account_links")
    assert request.params == {
        "account": account.id,
        "type": "account_onboarding",
        "refresh_url": "https://ourtables.test/stripe/refresh",
        "return_url": "https://ourtables.test/stripe/return",
    }
    assert url.startswith(fake.base_url + "/connect/setup/" + account.id)


def test_retrieve_account_reports_onboarding_progress(gateway, fake):
    account_id = onboarded_account(gateway, fake)

    account = gateway.retrieve_account(account_id)

    assert account.details_submitted and account.payouts_enabled
    assert account.requirements_due == []
    assert account.can_receive_transfers
    assert fake.requests_to("GET", f"/v1/accounts/{account_id}")


# ------------------------------------------------------------------------ transfers


def pay_tranche(
    gateway: StripeGateway,
    account_id: str,
    *,
    key: str = "grant-G7-tranche-1",
    amount_pence: int = 150_000,
):
    return gateway.create_transfer(
        amount_pence=amount_pence,
        destination=account_id,
        idempotency_key=key,
        transfer_group="grant-G7",
        metadata={"award": "G7", "tranche": "1"},
    )


def test_transfer_sends_our_idempotency_key_and_pence(gateway, fake):
    account_id = onboarded_account(gateway, fake)

    transfer = pay_tranche(gateway, account_id)

    [request] = fake.requests_to("POST", "/v1/transfers")
    assert request.idempotency_key == "grant-G7-tranche-1"
    assert request.params == {
        "amount": "150000",
        "currency": "gbp",
        "destination": account_id,
        "transfer_group": "grant-G7",
        "metadata": {"award": "G7", "tranche": "1"},
    }
    assert transfer.id == fake.objects_of("transfer")[0]["id"]
    assert (
        transfer.amount_pence,
        transfer.destination,
        transfer.reversed,
        transfer.amount_reversed_pence,
    ) == (150_000, account_id, False, 0)


def test_retry_after_a_dropped_response_pays_exactly_once(gateway, fake):
    account_id = onboarded_account(gateway, fake)
    fake.drop_next_response("/v1/transfers")

    with pytest.raises(GatewayError) as lost:
        pay_tranche(gateway, account_id)
    assert lost.value.retryable
    assert len(fake.objects_of("transfer")) == 1  # Stripe did pay; we did not hear

    transfer = pay_tranche(gateway, account_id)  # the caller retries with the stored key

    assert len(fake.objects_of("transfer")) == 1
    assert transfer.id == fake.objects_of("transfer")[0]["id"]
    keys = [r.idempotency_key for r in fake.requests_to("POST", "/v1/transfers")]
    assert keys == ["grant-G7-tranche-1", "grant-G7-tranche-1"]


def test_library_retry_after_a_dropped_response_reuses_our_key(fake):
    with make_gateway(fake, max_network_retries=1) as gateway:
        account_id = onboarded_account(gateway, fake)
        fake.drop_next_response("/v1/transfers")

        transfer = pay_tranche(gateway, account_id)

    posts = fake.requests_to("POST", "/v1/transfers")
    assert [r.idempotency_key for r in posts] == ["grant-G7-tranche-1"] * 2
    assert [t["id"] for t in fake.objects_of("transfer")] == [transfer.id]


def test_retry_after_a_timeout_pays_exactly_once(gateway, fake):
    account_id = onboarded_account(gateway, fake)
    impatient = stripe.RequestsClient(timeout=0.5)
    fake.stall_next_response("/v1/transfers", 2.0)

    with make_gateway(fake, http_client=impatient) as slow_gateway:
        with pytest.raises(GatewayError) as timed_out:
            pay_tranche(slow_gateway, account_id)
        assert timed_out.value.retryable
        assert len(fake.objects_of("transfer")) == 1  # paid while we waited

        transfer = pay_tranche(slow_gateway, account_id)
    impatient.close()

    assert [t["id"] for t in fake.objects_of("transfer")] == [transfer.id]


def test_reusing_a_key_for_a_different_transfer_is_refused(gateway, fake):
    account_id = onboarded_account(gateway, fake)
    pay_tranche(gateway, account_id)

    with pytest.raises(GatewayError) as refused:
        pay_tranche(gateway, account_id, amount_pence=999)

    assert not refused.value.retryable
    assert len(fake.objects_of("transfer")) == 1


def test_transfer_to_an_account_not_yet_onboarded_is_not_retryable(gateway, fake):
    account = gateway.create_connected_account(
        reference="group-2", email="b@example.org", business_name="Walkers"
    )

    with pytest.raises(GatewayError) as refused:
        pay_tranche(gateway, account.id)

    assert not refused.value.retryable
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    assert fake.objects_of("transfer") == []


def test_reverse_transfer(gateway, fake):
    account_id = onboarded_account(gateway, fake)
    transfer = pay_tranche(gateway, account_id, amount_pence=1_000)

    reversal = gateway.reverse_transfer(
        transfer_id=transfer.id,
        amount_pence=1_000,
        idempotency_key="grant-G7-tranche-1-reversal",
        metadata={},
    )

    [request] = fake.requests_to("POST", f"/v1/transfers/{transfer.id}/reversals")
    assert request.idempotency_key == "grant-G7-tranche-1-reversal"
    assert (reversal.transfer_id, reversal.amount_pence) == (transfer.id, 1_000)
    after = gateway.retrieve_transfer(transfer.id)
    assert (after.reversed, after.amount_reversed_pence) == (True, 1_000)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (503, True),
        (429, True),
        (409, True),
        (400, False),
        (401, False),
        (402, False),
        (403, False),
        (404, False),
    ],
)
def test_stripe_errors_map_to_gateway_errors(gateway, fake, status, retryable):
    account_id = onboarded_account(gateway, fake)
    fake.fail_next("/v1/transfers", status=status)

    with pytest.raises(GatewayError) as failed:
        pay_tranche(gateway, account_id)

    assert failed.value.retryable is retryable
    assert failed.value.http_status == status
    assert fake.objects_of("transfer") == []
    assert len(fake.requests_to("POST", "/v1/transfers")) == 1


def test_stripe_should_retry_header_is_respected(gateway, fake):
    account_id = onboarded_account(gateway, fake)
    fake.fail_next("/v1/transfers", status=500, should_retry=False)

    with pytest.raises(GatewayError) as failed:
        pay_tranche(gateway, account_id)

    assert not failed.value.retryable


def test_unknown_id_is_a_non_retryable_gateway_error(gateway, fake):
    with pytest.raises(GatewayError) as missing:
        gateway.retrieve_account("acct_nope")

    assert (missing.value.retryable, missing.value.code, missing.value.http_status) == (
        False,
        "resource_missing",
        404,
    )
    assert fake.requests_to("GET", "/v1/accounts/acct_nope")


def test_library_retries_a_500_with_the_same_key(fake):
    with make_gateway(fake, max_network_retries=1) as gateway:
        account_id = onboarded_account(gateway, fake)
        fake.fail_next("/v1/transfers", status=500)

        transfer = pay_tranche(gateway, account_id)

    keys = [r.idempotency_key for r in fake.requests_to("POST", "/v1/transfers")]
    assert keys == ["grant-G7-tranche-1"] * 2
    assert [t["id"] for t in fake.objects_of("transfer")] == [transfer.id]


# ------------------------------------------------------------------- reconciliation


def test_list_transfers_follows_every_page(gateway, fake, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "_PAGE_SIZE", 2)
    account_id = onboarded_account(gateway, fake)
    made = [
        pay_tranche(gateway, account_id, key=f"grant-G7-tranche-{n}", amount_pence=100 * n)
        for n in range(1, 6)
    ]

    listed = list(gateway.list_transfers())

    assert [t.id for t in listed] == [t.id for t in reversed(made)]  # newest first
    pages = fake.requests_to("GET", "/v1/transfers")
    assert len(pages) == 3
    assert "starting_after" not in pages[0].params
    assert pages[1].params["starting_after"] == made[3].id
    assert pages[2].params["starting_after"] == made[1].id
    assert all(p.params["limit"] == "2" for p in pages)


def test_list_transfers_since_a_time(gateway, fake):
    account_id = onboarded_account(gateway, fake)
    pay_tranche(gateway, account_id, key="grant-G7-tranche-1")
    since = fake.now()
    later = pay_tranche(gateway, account_id, key="grant-G7-tranche-2")

    listed = list(gateway.list_transfers(created_gte=datetime.fromtimestamp(since, UTC)))

    assert [t.id for t in listed] == [later.id]
    assert fake.requests_to("GET", "/v1/transfers")[0].params["created"] == {"gte": str(since)}


def test_payouts_and_the_balance_transactions_they_swept(gateway, fake):
    session = checkout(gateway, amount_pence=10_000)
    fake.complete_checkout_session(session.id, fee_pence=170)
    account_id = onboarded_account(gateway, fake)
    pay_tranche(gateway, account_id, amount_pence=4_000)
    payout = fake.add_payout()

    [listed_payout] = list(gateway.list_payouts())
    swept = list(gateway.list_balance_transactions(payout=listed_payout.id))

    assert (listed_payout.id, listed_payout.amount_pence) == (payout["id"], 10_000 - 170 - 4_000)
    assert sorted(t.type for t in swept) == ["charge", "payout", "transfer"]
    assert sum(t.net_pence for t in swept) == 0
    [request] = fake.requests_to("GET", "/v1/balance_transactions")
    assert request.params["payout"] == payout["id"]


# ------------------------------------------------------------------------- webhooks


def event_body(livemode: bool = False, **changes) -> dict:
    event = build_event(
        "checkout.session.completed",
        {"id": "cs_test_1", "object": "checkout.session"},
        livemode=livemode,
    )
    event.update(changes)
    return event


def test_construct_event_accepts_a_good_signature(gateway):
    body, header = sign_event(event_body(), FAKE_WEBHOOK_SECRET)

    event = gateway.construct_event(body, header)

    assert event.type == "checkout.session.completed"
    assert event.data.object["id"] == "cs_test_1"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: sign_event(event_body(), "whsec_someone_else"), WebhookRejected.BAD_SIGNATURE),
        (
            lambda: (b'{"tampered": true}', sign_event(event_body(), FAKE_WEBHOOK_SECRET)[1]),
            WebhookRejected.BAD_SIGNATURE,
        ),
        (
            lambda: (sign_event(event_body(), FAKE_WEBHOOK_SECRET)[0], "t=1,v1=deadbeef"),
            WebhookRejected.BAD_SIGNATURE,
        ),
        (lambda: (b"{}", "garbage"), WebhookRejected.BAD_SIGNATURE),
        (lambda: (b"{}", ""), WebhookRejected.MISSING_SIGNATURE),
        (
            lambda: sign_event(event_body(), FAKE_WEBHOOK_SECRET, timestamp=int(time.time()) - 301),
            WebhookRejected.STALE_TIMESTAMP,
        ),
        (
            lambda: sign_event(
                event_body(), FAKE_WEBHOOK_SECRET, timestamp=int(time.time()) + 3600
            ),
            WebhookRejected.STALE_TIMESTAMP,
        ),
        (lambda: sign_event(b"not json", FAKE_WEBHOOK_SECRET), WebhookRejected.MALFORMED_PAYLOAD),
        (
            lambda: sign_event(json.dumps({"hello": 1}), FAKE_WEBHOOK_SECRET),
            WebhookRejected.MALFORMED_PAYLOAD,
        ),
        (
            lambda: sign_event(event_body(livemode=True), FAKE_WEBHOOK_SECRET),
            WebhookRejected.LIVEMODE_MISMATCH,
        ),
    ],
    ids=[
        "wrong-secret",
        "tampered-body",
        "wrong-signature",
        "garbage-header",
        "no-header",
        "stale",
        "future",
        "not-json",
        "not-an-event",
        "livemode-mismatch",
    ],
)
def test_construct_event_rejects(gateway, fake, make, reason):
    body, header = make()

    with pytest.raises(WebhookRejected) as rejected:
        gateway.construct_event(body, header)

    assert rejected.value.reason == reason
    assert fake.requests == []  # verification is local


def test_live_gateway_rejects_test_events(fake):
    with make_gateway(fake, api_key="sk_live_fake", expected_livemode=True) as live:
        body, header = sign_event(event_body(livemode=False), FAKE_WEBHOOK_SECRET)
        with pytest.raises(WebhookRejected) as rejected:
            live.construct_event(body, header)
    assert rejected.value.reason == WebhookRejected.LIVEMODE_MISMATCH


# -------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("key", "live"), [("sk_live_x", False), ("sk_test_x", True), ("rk_live_x", False)]
)
def test_a_key_from_the_other_mode_is_refused(key, live):
    with pytest.raises(ValueError, match="mode"):
        StripeGateway(api_key=key, webhook_secret=FAKE_WEBHOOK_SECRET, expected_livemode=live)


def test_every_base_address_points_at_the_fake(gateway, fake):
    addresses = gateway._client._requestor._options.base_addresses  # noqa: SLF001
    assert set(addresses) >= {"api", "connect", "files", "meter_events"}
    assert set(addresses.values()) == {fake.base_url}


def test_without_a_base_url_the_guard_stops_the_real_stripe(isolated):
    gateway = StripeGateway(
        api_key="sk_test_x",
        webhook_secret=FAKE_WEBHOOK_SECRET,
        expected_livemode=False,
        max_network_retries=0,
    )
    with gateway, pytest.raises(GatewayError) as unreachable:
        gateway.retrieve_account("acct_1")
    assert unreachable.value.retryable
    assert isolated == ["api.stripe.com"]
    isolated.clear()  # the guard worked; nothing left the machine


def test_the_fake_refuses_money_movement_without_our_own_key(fake):
    account_id = fake.complete_onboarding(
        stripe.StripeClient(
            fake.api_key, base_addresses={"api": fake.base_url}, max_network_retries=0
        ).v1.accounts.create(
            {
                "controller": {
                    "stripe_dashboard": {"type": "none"},
                    "fees": {"payer": "application"},
                    "losses": {"payments": "application"},
                },
                "capabilities": {"transfers": {"requested": True}},
            }
        )["id"]
    )["id"]
    client = stripe.StripeClient(
        fake.api_key, base_addresses={"api": fake.base_url}, max_network_retries=0
    )

    with pytest.raises(stripe.InvalidRequestError, match="explicit Idempotency-Key"):
        client.v1.transfers.create({"amount": 100, "currency": "gbp", "destination": account_id})
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: amout"):
        client.v1.transfers.create(
            {"amout": 100, "currency": "gbp", "destination": account_id},
            options={"idempotency_key": "k1"},
        )
    with pytest.raises(stripe.InvalidRequestError, match="only moves gbp"):
        client.v1.transfers.create(
            {"amount": 100, "currency": "eur", "destination": account_id},
            options={"idempotency_key": "k2"},
        )
    assert fake.objects_of("transfer") == []
