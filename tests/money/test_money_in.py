"""Money in through Stripe, end to end: a funder pays on Checkout, Stripe's webhook records it.

The real stripe library talks to the local fake; webhook bodies are signed with the
test secret. Each event is stored once with its ledger entries, so replays and
out-of-order deliveries end in the same state.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.ledger import books
from grants.models import (
    CheckoutStatus,
    Contribution,
    EntryGroup,
    EntryKind,
    Notification,
    StripeCheckout,
    StripeEvent,
)
from grants.money.services import pledge
from tests import factories
from tests.conftest import login, post_form, text_of
from tests.fakes.fake_stripe import build_event
from tests.money.conftest import deliver


@pytest.fixture
def app(stripe_app):  # noqa: ANN001, ANN201
    return stripe_app


def _pledged(amount: int = 50_000):  # noqa: ANN202
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    funder_person = factories.person("Fay Funder")
    from grants.funders.services import register_funder

    funder = register_funder(person=funder_person, name="Northern Trust")
    factories.accept_funder(rnd.id, funder.id)
    item = pledge(person=funder_person, funder_id=funder.id, round_id=rnd.id, amount_pence=amount)
    return rnd, funder_person, item


def _checkout_through_ui(client, fake, funder_person, item, amount: str = "500") -> StripeCheckout:  # noqa: ANN001
    login(client, funder_person.email)
    page = client.get(f"/money/pledges/{item.id}/pay-online")
    assert page.status_code == 200
    assert "Bacs Direct Debit" in text_of(page)
    response = post_form(
        client, f"/money/pledges/{item.id}/pay-online", {"amount": amount}, page=f"/money/pledges/{item.id}/pay-online"
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(fake.base_url + "/checkout/pay/")
    checkout = db.session.execute(select(StripeCheckout)).scalar_one()
    sent = fake.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.idempotency_key == f"checkout-session-{checkout.reference}"
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == str(int(float(amount) * 100))
    assert sent.params["payment_method_types"] == ["card", "bacs_debit"]
    return checkout


def _count(model, *where) -> int:  # noqa: ANN001
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_card_payment_is_recorded_once_with_its_fee_despite_100_replays(app, client, fake) -> None:
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, payment_method="card", fee_pence=745)
    event = fake.event("checkout.session.completed", checkout.session_id)
    for _ in range(100):
        response = deliver(client, event)
        assert response.status_code == 200
    money = books.round_summary(rnd.id)
    assert money.received_pence == 50_000
    assert money.fees_pence == 745
    assert money.available_pence == 50_000 - 745
    assert _count(Contribution) == 1
    assert _count(EntryGroup, EntryGroup.kind == EntryKind.FEE) == 1
    assert _count(StripeEvent) == 1
    db.session.refresh(checkout)
    assert checkout.status is CheckoutStatus.PAID and checkout.fee_pence == 745
    # Who bears the fee is said in public.
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Processing fees on card and Direct Debit payments come out of the pot: £7.45" in page
    # The funder's own page shows raised, committed, paid, fees and available for its tables.
    funder_page = text_of(client.get(f"/funders/{item.funder.slug}/manage"))
    assert "Where the money from Northern Trust went" in funder_page  # no "Minds's"-style possessives (issue 17)
    assert f"{rnd.title} £500 £500 £0 £0 £7.45 £492.55" in funder_page


def test_fee_borne_by_platform_leaves_the_pot_whole(app, client, fake) -> None:
    app.config["STRIPE_FEES_BORNE_BY"] = "platform"
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, fee_pence=500)
    assert deliver(client, fake.event("checkout.session.completed", checkout.session_id)).status_code == 200
    money = books.round_summary(rnd.id)
    assert (money.received_pence, money.fees_pence, money.available_pence) == (50_000, 0, 50_000)
    assert books.platform_fees() == 500
    assert "paid by Our Tables, not from the pot" in text_of(client.get(f"/tables/{rnd.slug}"))


def test_bacs_waits_for_clearing_and_out_of_order_delivery_ends_the_same(app, client, fake) -> None:
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, payment_method="bacs_debit", settled=False)
    completed = fake.event("checkout.session.completed", checkout.session_id)
    assert deliver(client, completed).status_code == 200
    assert books.round_summary(rnd.id).received_pence == 0
    db.session.refresh(checkout)
    assert checkout.status is CheckoutStatus.PENDING
    fake.settle_checkout_session(checkout.session_id, fee_pence=120)
    succeeded = fake.event("checkout.session.async_payment_succeeded", checkout.session_id)
    assert deliver(client, succeeded).status_code == 200
    assert deliver(client, completed).status_code == 200  # a late replay changes nothing
    money = books.round_summary(rnd.id)
    assert (money.received_pence, money.fees_pence) == (50_000, 120)


def test_bacs_success_arriving_before_completed(app, client, fake) -> None:
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, payment_method="bacs_debit", settled=False)
    completed = fake.event("checkout.session.completed", checkout.session_id)
    fake.settle_checkout_session(checkout.session_id, fee_pence=120)
    succeeded = fake.event("checkout.session.async_payment_succeeded", checkout.session_id)
    assert deliver(client, succeeded).status_code == 200
    assert deliver(client, completed).status_code == 200
    money = books.round_summary(rnd.id)
    assert (money.received_pence, money.fees_pence) == (50_000, 120)
    assert _count(Contribution) == 1


def test_failed_direct_debit_adds_nothing_and_tells_the_funder(app, client, fake) -> None:
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, payment_method="bacs_debit", settled=False)
    assert deliver(client, fake.event("checkout.session.async_payment_failed", checkout.session_id)).status_code == 200
    db.session.refresh(checkout)
    assert checkout.status is CheckoutStatus.FAILED
    assert books.round_summary(rnd.id).received_pence == 0
    alert = db.session.execute(select(Notification).where(Notification.event == "money_alert")).scalar_one()
    assert alert.person_id == funder_person.id


def test_bad_stale_and_wrong_mode_signatures_are_refused(app, client, fake) -> None:
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id)
    event = fake.event("checkout.session.completed", checkout.session_id)
    assert deliver(client, event, secret="whsec_wrong").status_code == 400
    assert deliver(client, event, timestamp=int(time.time()) - 3600).status_code == 400
    live = fake.event("checkout.session.completed", checkout.session_id, livemode=True)
    assert deliver(client, live).status_code == 400
    assert client.post("/stripe/webhook", data=b"{}").status_code == 400  # no signature at all
    assert books.round_summary(rnd.id).received_pence == 0
    assert _count(StripeEvent) == 0


def test_refunds_and_disputes_take_money_back_once_and_alert_people(app, client, fake) -> None:
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, fee_pence=700)
    deliver(client, fake.event("checkout.session.completed", checkout.session_id))
    db.session.refresh(checkout)

    # A refund made through the site is recorded at once; Stripe's webhook for it changes nothing.
    response = post_form(
        client,
        f"/money/checkouts/{checkout.id}/refund",
        {"amount": "100"},
        page=f"/money/checkouts/{checkout.id}/refund",
    )
    assert response.status_code == 302, text_of(response)
    charge = fake.get(checkout.charge_id)
    assert charge["amount_refunded"] == 10_000
    for _ in range(3):
        assert deliver(client, build_event("charge.refunded", charge)).status_code == 200
    assert books.round_summary(rnd.id).received_pence == 40_000
    assert _count(EntryGroup, EntryGroup.kind == EntryKind.REFUND) == 1

    # A dispute holds the money back; winning it returns it. Replays change nothing.
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 5_000,
        "charge": checkout.charge_id,
        "status": "needs_response",
    }
    for _ in range(3):
        deliver(client, build_event("charge.dispute.created", dispute))
    assert books.round_summary(rnd.id).received_pence == 35_000
    won = {**dispute, "status": "won"}
    for _ in range(2):
        deliver(client, build_event("charge.dispute.closed", won))
    assert books.round_summary(rnd.id).received_pence == 40_000
    reversals = db.session.execute(select(EntryGroup).where(EntryGroup.kind == EntryKind.REVERSAL)).scalars().all()
    assert len(reversals) == 1 and reversals[0].reverses_id is not None
    alerts = db.session.execute(select(Notification).where(Notification.event == "money_alert")).scalars().all()
    assert {a.person_id for a in alerts} >= {funder_person.id}
    assert len(alerts) >= 2


def test_refund_cannot_take_back_money_already_awarded(app, client, fake) -> None:
    rnd, funder_person, item = _pledged(10_000)
    checkout = _checkout_through_ui(client, fake, funder_person, item, amount="100")
    fake.complete_checkout_session(checkout.session_id, fee_pence=0)
    deliver(client, fake.event("checkout.session.completed", checkout.session_id))
    from grants.core import transaction
    from grants.models import Proposal, Round
    from grants.money.services import commit_awards

    lead = factories.person("Lee Lead")
    p = factories.proposal(lead, rnd.id, factories.group(lead), 8_000)
    with transaction():
        commit_awards(db.session.get(Round, rnd.id), [db.session.get(Proposal, p.id)], rnd.bids_open_at.date())
    response = post_form(
        client,
        f"/money/checkouts/{checkout.id}/refund",
        {"amount": "50"},
        page=f"/money/checkouts/{checkout.id}/refund",
    )
    assert response.status_code == 400
    assert "You can refund up to £20:" in text_of(response)
    assert not fake.requests_to("POST", "/v1/refunds")


def test_without_stripe_keys_the_site_takes_bank_transfers_and_says_so(database_url, tmp_path) -> None:  # noqa: ANN001
    """As in the demo: no keys, so bank transfers only, and the pages say so."""
    from tests.conftest import Client, make_app

    plain = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "u"))
    plain.test_client_class = Client
    with plain.app_context():
        rnd, funder_person, item = _pledged()
        client = plain.test_client()
        login(client, funder_person.email)
        page = text_of(client.get(f"/funders/{item.funder.slug}/manage"))
        assert "Card and Direct Debit payments are not set up on this site" in page
        assert client.get(f"/money/pledges/{item.id}/pay-online").status_code == 302
        assert client.post("/stripe/webhook", data=b"{}").status_code == 404
        assert "Funders pay into this table by bank transfer" in text_of(client.get(f"/tables/{rnd.slug}"))
        db.session.remove()
        db.engine.dispose()


def test_stripe_return_urls_point_at_the_site_address_whichever_host_was_named(app, client, fake) -> None:
    # Issue 16: a request naming another (trusted) host name still gets SITE_URL links from Stripe.
    from tests.conftest import CSRF_RE

    _rnd, funder_person, item = _pledged()
    other = "http://localhost:5999"
    page = client.get("/login", base_url=other).get_data(as_text=True)
    client.post(
        "/login",
        data={
            "email": funder_person.email,
            "password": "correct horse battery",
            "csrf_token": CSRF_RE.search(page).group(1),
        },
        base_url=other,
    )
    url = f"/money/pledges/{item.id}/pay-online"
    token = CSRF_RE.search(client.get(url, base_url=other).get_data(as_text=True)).group(1)
    response = client.post(url, data={"amount": "500", "csrf_token": token}, base_url=other)
    assert response.status_code == 303
    sent = fake.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.params["success_url"].startswith("http://127.0.0.1:5000/"), sent.params["success_url"]
    assert sent.params["cancel_url"].startswith("http://127.0.0.1:5000/"), sent.params["cancel_url"]
