"""Money in through Stripe: Checkout for pledges, and the webhook events that follow.

The webhook only stores each verified event (by its Stripe id, unique) and records a
background job for it, in one transaction, and answers at once. The job acts on the event
and marks it processed in the same transaction as the ledger entries it causes, so a
replay, a retry or a second worker changes nothing. Handlers read Stripe's *current*
state of the object rather than trusting the order events arrive in, and every ledger
effect is keyed on something Stripe cannot repeat (a checkout session, a dispute id, a
cumulative refunded amount), so out-of-order delivery ends in the same state.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants import audit, jobs
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.jobs import enqueue_job
from grants.language.records import Money, Named, Words
from grants.ledger import books
from grants.models import (
    N_,
    AccountKind,
    CheckoutStatus,
    Contribution,
    ContributionMethod,
    EntryGroup,
    EntryKind,
    FunderMembership,
    Payee,
    Person,
    Pledge,
    Round,
    RoundStaff,
    StripeCheckout,
    StripeDispute,
    StripeEvent,
    Tranche,
    TrancheStatus,
)
from grants.models._base import utcnow
from grants.money import power
from grants.money.gateway import fees_borne_by_platform, require_gateway
from grants.money.payouts import apply_account_state, record_transfer_reversal
from grants.money.postings import post_contribution, post_fee, post_payout, post_withdrawal
from grants.money.stripe_gateway import (
    CHECKOUT_EVENTS,
    CheckoutPayment,
    GatewayError,
    StripeGateway,
    connected_account,
)
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import acts_for_funder
from grants.site import link_to

log = logging.getLogger(__name__)


def start_checkout(*, person: Person, pledge_id: int, amount_pence: int, allow_bacs: bool = True) -> StripeCheckout:
    """Open a Stripe Checkout page for (part of) a pledge; the webhook records the money."""
    gateway = require_gateway()
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount of more than £0."))
    with transaction() as session:
        item = power.pledge_to_pay_in(person, pledge_id)
        number = 1 + len(session.execute(select(StripeCheckout.id).where(StripeCheckout.pledge_id == item.id)).all())
        # Stored before calling Stripe: the reference is the idempotency key's seed.
        checkout = StripeCheckout(
            pledge_id=item.id,
            reference=f"pledge-{item.id}-payment-{number}",
            amount_pence=amount_pence,
            opened_by_id=person.id,
        )
        session.add(checkout)
    description = f"{item.funder.name} to {item.round.title}"
    session_obj = gateway.create_checkout_session(
        reference=checkout.reference,
        amount_pence=amount_pence,
        description=description[:200],
        success_url=url_for("money.checkout_done", checkout_id=checkout.id, _external=True),
        cancel_url=url_for("funders.show", slug=item.funder.slug, _external=True),
        allow_bacs=allow_bacs,
        metadata={"pledge_id": str(item.id), "checkout": checkout.reference, "round_id": str(item.round_id)},
    )
    with transaction():
        checkout = lock_for_update(StripeCheckout, checkout.id)
        checkout.session_id = session_obj.id
    checkout.url = session_obj.url  # type: ignore[attr-defined]  # not stored: single use
    return checkout


# ------------------------------------------------------------------------- webhook


def _event_dict(event: Any) -> dict:
    return event.to_dict(for_json=True) if hasattr(event, "to_dict") else event


def _event_row(raw: dict, *, keep_payload: bool) -> StripeEvent:
    return StripeEvent(
        event_id=raw["id"],
        event_type=raw["type"],
        object_id=raw["data"]["object"].get("id"),
        livemode=bool(raw.get("livemode")),
        payload=json.dumps(raw, sort_keys=True) if keep_payload else None,
    )


def receive_event(event: Any) -> str:
    """Store a verified Stripe event and record the job that acts on it, in one transaction.

    Nothing else happens here (no ledger entry, no call to Stripe), so the webhook answers
    at once. The same event delivered again, or twice at the same moment, is stored once.
    """
    raw = _event_dict(event)
    try:
        with transaction() as session:
            if session.execute(select(StripeEvent.id).where(StripeEvent.event_id == raw["id"])).first():
                return "already received"
            session.add(_event_row(raw, keep_payload=True))
            enqueue_job("money.stripe_webhook", f"stripe-event-{raw['id']}", event_id=raw["id"])
    except IntegrityError:
        return "already received"  # the same event arrived twice at once; the other delivery stored it
    return "received"


@jobs.job("money.stripe_webhook", was="stripe_webhook")
def _process_stored_event(key: str, event_id: str) -> None:
    """The worker's entry point for one stored event. A failure (Stripe down, say) is retried with backoff."""
    payload = db.session.execute(
        select(StripeEvent.payload).where(StripeEvent.event_id == event_id)
    ).scalar_one_or_none()
    db.session.rollback()
    if payload is None:
        return  # already acted on (its payload is dropped then)
    outcome = handle_event(json.loads(payload))
    log.info("Stripe event %s: %s", event_id, outcome)


def handle_event(event: Any, gateway: StripeGateway | None = None) -> str:
    """Act on one verified Stripe event exactly once; returns what was done (for logs).

    The worker calls it for each stored event; called directly, it stores the event itself.
    """
    gateway = gateway or require_gateway()
    raw = _event_dict(event)
    event_id, event_type = raw["id"], raw["type"]
    obj = raw["data"]["object"]
    done = select(StripeEvent.id).where(StripeEvent.event_id == event_id, StripeEvent.processed_at.is_not(None))
    if db.session.execute(done).first():
        db.session.rollback()
        return "already handled"
    # Network calls happen before the transaction, never while it holds locks.
    payment: CheckoutPayment | None = None
    if event_type in CHECKOUT_EVENTS:
        payment = gateway.retrieve_checkout_payment(obj["id"])
    db.session.rollback()
    try:
        with transaction() as session:
            row = session.execute(
                select(StripeEvent)
                .where(StripeEvent.event_id == event_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalar_one_or_none()
            if row is None:
                row = _event_row(raw, keep_payload=False)
                session.add(row)
            elif row.processed_at is not None:
                return "already handled"
            outcome = _dispatch(event_type, obj, payment, gateway)
            row.outcome, row.processed_at, row.payload = outcome, utcnow(), None
    except IntegrityError:
        # The same event handled twice at once: the other one recorded it.
        return "already handled"
    return outcome


def _dispatch(event_type: str, obj: dict, payment: CheckoutPayment | None, gateway: StripeGateway) -> str:
    if payment is not None:
        if event_type == "checkout.session.async_payment_failed":
            return _checkout_failed(payment)
        return _checkout_settled(payment)
    match event_type:
        case "charge.refunded":
            return _charge_refunded(obj)
        case (
            "charge.dispute.created"
            | "charge.dispute.updated"
            | "charge.dispute.closed"
            | "charge.dispute.funds_withdrawn"
            | "charge.dispute.funds_reinstated"
        ):  # noqa: E501
            return _dispute(obj)
        case "account.updated":
            return _account_updated(obj)
        case "transfer.reversed" | "transfer.updated":
            return _transfer_changed(obj)
        case "payout.paid" | "payout.failed":
            return _payout(obj)
    return "ignored"


def _checkout_for(session_id: str) -> StripeCheckout | None:
    found = db.session.execute(
        select(StripeCheckout).where(StripeCheckout.session_id == session_id)
    ).scalar_one_or_none()
    return None if found is None else lock_for_update(StripeCheckout, found.id)


def _checkout_settled(payment: CheckoutPayment) -> str:
    checkout = _checkout_for(payment.session_id)
    if checkout is None:
        return "unknown checkout session"
    if checkout.contribution_id is not None:
        return "already recorded"
    checkout.payment_intent_id = payment.payment_intent_id
    checkout.charge_id = payment.charge_id
    if payment.payment_status != "paid" or payment.balance_transaction is None:
        # A Bacs Direct Debit takes days to clear; the money joins the pot when it does.
        if checkout.status is CheckoutStatus.OPEN:
            checkout.status = CheckoutStatus.PENDING
        return "waiting for the payment to clear"
    txn = payment.balance_transaction
    item = checkout.pledge
    lock_for_update(Round, item.round_id)
    amount = txn.amount_pence
    on = date.today()
    group = post_contribution(
        item,
        amount,
        where=AccountKind.STRIPE_BALANCE,
        description=Words(
            N_("%(funder)s paid %(amount)s into %(table)s by card or Direct Debit"),
            funder=item.funder.name,
            amount=Money(amount),
            table=Named.of(item.round),
        ),
        occurred_on=on,
        reference=payment.charge_id or payment.session_id,
    )
    if txn.fee_pence:
        post_fee(
            item,
            txn.fee_pence,
            borne_by_platform=fees_borne_by_platform(),
            reference=payment.charge_id or payment.session_id,
            occurred_on=on,
        )
    contribution = Contribution(
        pledge_id=item.id,
        amount_pence=amount,
        method=ContributionMethod.STRIPE,
        reference=payment.charge_id or payment.session_id,
        received_on=on,
        recorded_by_id=None,
        entry_group_id=group.id,
    )
    db.session.add(contribution)
    db.session.flush()
    checkout.contribution_id = contribution.id
    checkout.status = CheckoutStatus.PAID
    checkout.balance_transaction_id = txn.id
    checkout.fee_pence = txn.fee_pence
    audit.record(
        "money_received",
        Words(
            N_("%(amount)s received from %(funder)s through Stripe (fee %(fee)s)."),
            amount=Money(amount),
            funder=item.funder.name,
            fee=Money(txn.fee_pence),
        ),
        round_id=item.round_id,
        public=True,
        details={"checkout": checkout.reference, "charge": payment.charge_id, "fee_pence": txn.fee_pence},
    )
    return f"recorded {amount}p"


def _checkout_failed(payment: CheckoutPayment) -> str:
    checkout = _checkout_for(payment.session_id)
    if checkout is None:
        return "unknown checkout session"
    if checkout.contribution_id is not None:
        return "already recorded as paid"
    checkout.status = CheckoutStatus.FAILED
    _alert_funder(
        checkout.pledge,
        _l("A Direct Debit failed"),
        _l(
            "A Direct Debit of %(amount)s to %(title)s did not go through. Nothing was added to the pot.",
            amount=format_pence(checkout.amount_pence),
            title=checkout.pledge.round.title,
        ),
    )
    return "payment failed"


def _checkout_by_charge(charge_id: str | None, intent_id: str | None) -> StripeCheckout | None:
    stmt = select(StripeCheckout)
    if charge_id and intent_id:
        stmt = stmt.where((StripeCheckout.charge_id == charge_id) | (StripeCheckout.payment_intent_id == intent_id))
    elif charge_id:
        stmt = stmt.where(StripeCheckout.charge_id == charge_id)
    else:
        stmt = stmt.where(StripeCheckout.payment_intent_id == intent_id)
    found = db.session.execute(stmt).scalars().first()
    return None if found is None else lock_for_update(StripeCheckout, found.id)


def _withdraw(checkout: StripeCheckout, amount: int, kind: EntryKind, text: Words, reference: str) -> int:
    """Take money back out of the pot to the funder; alert people if the pot goes below zero."""
    item = checkout.pledge
    lock_for_update(Round, item.round_id)
    contribution = db.session.get(Contribution, checkout.contribution_id)
    group = post_withdrawal(
        item,
        amount,
        kind=kind,
        description=text,
        reference=reference,
        reverses_id=contribution.entry_group_id if contribution else None,
    )
    available = books.round_summary(item.round_id).available_pence
    values = {"text": text, "title": item.round.title, "available": format_pence(available)}
    if available < 0:
        body = _l(
            "%(text)s. The pot for %(title)s now has %(available)s available. That is less than has been awarded: "
            "please talk to the funder and the groups before paying more.",
            **values,
        )
    else:
        body = _l("%(text)s. The pot for %(title)s now has %(available)s available.", **values)
    _alert_funder(item, _l("Money was taken back from the pot"), body, staff=True)
    audit.record("money_withdrawn", text, round_id=item.round_id, public=True, details={"reference": reference})
    return group.id


def _charge_refunded(charge: dict) -> str:
    checkout = _checkout_by_charge(charge.get("id"), charge.get("payment_intent"))
    if checkout is None or checkout.contribution_id is None:
        return "refund of an unknown or unrecorded payment"
    # amount_refunded is cumulative, so whichever refund events arrive, and in whatever order,
    # the ledger ends with exactly that much refunded.
    new = int(charge.get("amount_refunded") or 0) - checkout.refunded_pence
    if new <= 0:
        return "refund already recorded"
    checkout.refunded_pence += new
    _withdraw(
        checkout,
        new,
        EntryKind.REFUND,
        Words(
                N_("%(amount)s refunded to %(funder)s from %(table)s"),
                amount=Money(new),
                funder=checkout.pledge.funder.name,
                table=Named.of(checkout.pledge.round),
            ),
        charge["id"],
    )
    return f"refunded {new}p"


def _dispute(dispute: dict) -> str:
    checkout = _checkout_by_charge(dispute.get("charge"), dispute.get("payment_intent"))
    if checkout is None or checkout.contribution_id is None:
        return "dispute on an unknown payment"
    row = db.session.execute(
        select(StripeDispute).where(StripeDispute.dispute_id == dispute["id"])
    ).scalar_one_or_none()
    if row is None:
        row = StripeDispute(
            dispute_id=dispute["id"], checkout_id=checkout.id, amount_pence=int(dispute["amount"]), status="new"
        )
        db.session.add(row)
    row.status = dispute.get("status") or row.status
    item = checkout.pledge
    if row.withdrawn_group_id is None:
        # Disputed money is held by Stripe from the moment the dispute opens.
        row.withdrawn_group_id = _withdraw(
            checkout,
            row.amount_pence,
            EntryKind.REVERSAL,
            Words(
                N_("%(amount)s disputed by %(funder)s's bank, held back from %(table)s"),
                amount=Money(row.amount_pence),
                funder=item.funder.name,
                table=Named.of(item.round),
            ),
            dispute["id"],
        )
    if row.status == "won" and row.reinstated_group_id is None:
        lock_for_update(Round, item.round_id)
        row.reinstated_group_id = post_contribution(
            item,
            row.amount_pence,
            where=AccountKind.STRIPE_BALANCE,
            description=Words(
                N_("%(amount)s returned to %(table)s: the dispute was decided in its favour"),
                amount=Money(row.amount_pence),
                table=Named.of(item.round),
            ),
            occurred_on=date.today(),
            reference=dispute["id"],
            reverses_id=row.withdrawn_group_id,
        ).id
    return f"dispute {row.status}"


def _alert_funder(item: Pledge, subject: str | LazyString, body: str | LazyString, *, staff: bool = False) -> None:
    people = list(
        db.session.execute(
            select(FunderMembership.person_id).where(FunderMembership.funder_id == item.funder_id)
        ).scalars()
    )
    if staff:
        people += list(
            db.session.execute(select(RoundStaff.person_id).where(RoundStaff.round_id == item.round_id)).scalars()
        )
    notify(people, "money_alert", subject, body, link=link_to("public.round", slug=item.round.slug))


def _account_updated(account: dict) -> str:
    payee = db.session.execute(select(Payee).where(Payee.stripe_account_id == account["id"])).scalar_one_or_none()
    if payee is None:
        return "unknown account"
    apply_account_state(payee, connected_account(account))
    return f"account {payee.stripe_transfers}"


def _transfer_changed(transfer: dict) -> str:
    tranche = db.session.execute(
        select(Tranche).where(Tranche.stripe_transfer_id == transfer["id"])
    ).scalar_one_or_none()
    if tranche is None:
        return "unknown transfer"
    reversed_total = int(transfer.get("amount_reversed") or 0)
    if reversed_total <= tranche.reversed_pence or tranche.status not in (TrancheStatus.PAID, TrancheStatus.REVERSED):
        return "nothing new"
    record_transfer_reversal(tranche.id, reversed_total)
    return f"transfer reversed {reversed_total}p"


def _payout(payout: dict) -> str:
    """Stripe moved money from the platform's Stripe balance to its bank (or a payout failed back)."""
    done = db.session.execute(
        select(EntryGroup.id).where(EntryGroup.kind == EntryKind.PAYOUT, EntryGroup.reference == payout["id"])
    ).first()
    if payout.get("status") != "paid" or done:
        return "nothing to record"
    amount = int(payout["amount"])
    post_payout(amount, reference=payout["id"])
    return f"payout {amount}p"


def refund(*, person: Person, checkout_id: int, amount_pence: int) -> StripeCheckout:
    """Give a funder money back through Stripe; only what the pot still has available."""
    gateway = require_gateway()
    with transaction() as session:
        checkout = session.get(StripeCheckout, checkout_id)
        if checkout is None or not acts_for_funder(person, checkout.pledge.funder_id):
            raise NotAllowed(_("You do not act for the funder of that payment."))
        if checkout.contribution_id is None or not checkout.payment_intent_id:
            raise DomainError(_("That payment has not arrived, so there is nothing to refund."))
        lock_for_update(Round, checkout.pledge.round_id)
        available = books.round_summary(checkout.pledge.round_id).available_pence
        if not 0 < amount_pence <= min(available, checkout.amount_pence - checkout.refunded_pence):
            raise DomainError(
                _(
                    "You can refund up to %(amount)s: money already awarded to groups stays with them.",
                    amount=format_pence(min(available, checkout.amount_pence - checkout.refunded_pence)),
                )
            )
        before = checkout.refunded_pence
        key = f"refund-{checkout.reference}-{before}-{amount_pence}"
    try:
        gateway.create_refund(
            payment_intent_id=checkout.payment_intent_id,
            amount_pence=amount_pence,
            idempotency_key=key,
            metadata={"checkout": checkout.reference},
        )
    except GatewayError as exc:
        raise DomainError(_("Stripe did not accept the refund: %(error)s", error=exc)) from exc
    # Recorded now; the charge.refunded webhook carries the same cumulative total, so
    # whichever arrives second finds nothing new to record.
    with transaction():
        checkout = lock_for_update(StripeCheckout, checkout_id)
        new = before + amount_pence - checkout.refunded_pence
        if new > 0:
            checkout.refunded_pence += new
            _withdraw(
                checkout,
                new,
                EntryKind.REFUND,
                Words(
                        N_("%(amount)s refunded to %(funder)s from %(table)s"),
                        amount=Money(new),
                        funder=checkout.pledge.funder.name,
                        table=Named.of(checkout.pledge.round),
                    ),
                checkout.charge_id or checkout.reference,
            )
    return checkout
