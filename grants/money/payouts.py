"""Money out: how groups are paid (Stripe Connect or bank details), tranches and holds.

A tranche is reserved (scheduled) in one transaction, with its idempotency key stored
and committed before any call to Stripe; for Stripe, the "send_tranche" job is recorded
beside it (the outbox). `send_tranche(tranche_id)` then makes the transfer; it is safe to
call again and again, because Stripe replays the first result for the same key and the
ledger is only written (`postings.post_payment`) when the tranche moves from processing to
paid. A bank tranche is paid when someone confirms it was sent (`confirm_bank_payment`), or
recorded as paid in one step (`record_payment`): all three write the payment through
`post_payment`.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, date, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grants import audit, jobs
from grants.core import DomainError, NotAllowed, lock_for_update, raise_problems, transaction
from grants.extensions import db
from grants.jobs import enqueue_job
from grants.language.records import Money, Words, typed
from grants.ledger import books
from grants.ledger.books import OverBudget
from grants.models import (
    N_,
    Award,
    Group,
    GroupRole,
    Payee,
    PayoutMethod,
    Person,
    Round,
    Tranche,
    TrancheStatus,
)
from grants.money import power
from grants.money.gateway import get_gateway, require_gateway
from grants.money.postings import group_people, post_payment, post_payment_returned
from grants.money.stripe_gateway import ConnectedAccount, GatewayError
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import is_group_member, is_treasurer, may_release_money
from grants.site import link_to

log = logging.getLogger(__name__)

SEND_TRANCHE = "money.send_tranche"  # the background job that sends one Stripe tranche

SORT_CODE = re.compile(r"^\d{6}$")
ACCOUNT_NUMBER = re.compile(r"^\d{8}$")


# ---------------------------------------------------------------------------- payees


def payee_for(group_id: int) -> Payee:
    """The group's payee record (made on first use; bank transfer until set otherwise).

    Two use cases may make it at the same moment (the lead and the treasurer saving the group's
    details at once): the second's insert meets the first's row and reads it instead."""
    mine = select(Payee).where(Payee.group_id == group_id)
    payee = db.session.execute(mine).scalar_one_or_none()
    if payee is None:
        group = db.session.get(Group, group_id)
        payee = Payee(group_id=group_id, method=PayoutMethod.BANK, host_name=group.host_organisation)
        try:
            with db.session.begin_nested():
                db.session.add(payee)
                db.session.flush()
        except IntegrityError:
            payee = db.session.execute(mine).scalar_one()
    return payee


def _manage(person: Person, group_id: int) -> None:
    if not is_group_member(person, group_id, GroupRole.LEAD, GroupRole.TREASURER):
        raise NotAllowed(_("Only the group's lead or treasurer can change how it is paid."))


def set_bank_details(
    *, person: Person, group_id: int, account_name: str, sort_code: str, account_number: str, host_name: str = ""
) -> Payee:
    """A group gives bank details for manual transfers (optionally a host organisation's)."""
    sort_code = re.sub(r"[\s-]", "", sort_code)
    account_number = re.sub(r"\s", "", account_number)
    if not account_name.strip():
        raise DomainError(_("Enter the name on the bank account."))
    if not SORT_CODE.match(sort_code):
        raise DomainError(_("Enter the sort code as 6 digits, like 12-34-56."))
    if not ACCOUNT_NUMBER.match(account_number):
        raise DomainError(_("Enter the account number as 8 digits."))
    with transaction():
        _manage(person, group_id)
        payee = payee_for(group_id)
        payee.method = PayoutMethod.BANK
        payee.account_name = account_name.strip()
        payee.sort_code = sort_code
        payee.account_number = account_number
        payee.host_name = host_name.strip() or None
        audit.record(
            "payee_changed",
            f"Bank details changed for {payee.group.name}"
            + (f", paid through {payee.host_name}" if payee.host_name else ""),
            actor_id=person.id,
            details={"group_id": group_id, "method": "bank", "host": payee.host_name},
        )
    return payee


def connect_stripe(*, person: Person, group_id: int, host_name: str = "") -> str:
    """Create (once) the group's Stripe account and return a fresh onboarding link."""
    gateway = require_gateway()
    with transaction():
        _manage(person, group_id)
        payee = payee_for(group_id)
        if host_name.strip():
            payee.host_name = host_name.strip()
        group = payee.group
        account_id = payee.stripe_account_id
        email, name = group.contact_email, payee.payee_name
    if account_id is None:
        # Keyed on the group, so asking twice (a double click) makes one account.
        account = gateway.create_connected_account(reference=f"group-{group_id}", email=email, business_name=name)
        with transaction():
            payee = lock_for_update(Payee, payee.id)
            payee.stripe_account_id = account.id
            payee.method = PayoutMethod.STRIPE
            apply_account_state(payee, account)
            audit.record(
                "payee_changed",
                f"{name} started connecting a Stripe account",
                actor_id=person.id,
                details={"group_id": group_id, "method": "stripe", "account": account.id},
            )
        account_id = account.id
    slug = db.session.get(Group, group_id).slug
    # Account links are single-use and expire quickly, so one is made each time it is needed.
    return gateway.create_account_link(
        account_id=account_id,
        refresh_url=url_for("money.payee_connect", slug=slug, _external=True),
        return_url=url_for("money.payee_return", slug=slug, _external=True),
    )


def apply_account_state(payee: Payee, state: ConnectedAccount) -> None:
    """Copy what Stripe says about a connected account onto the group's payee record."""
    payee.stripe_transfers = state.transfers_capability or "inactive"
    payee.stripe_details_submitted = state.details_submitted
    payee.stripe_requirements = ",".join(state.requirements_due)
    payee.stripe_disabled_reason = state.disabled_reason


def refresh_stripe_account(group_id: int) -> Payee:
    """Ask Stripe for the account's state now (the account.updated webhook does the same)."""
    gateway = require_gateway()
    payee = payee_for(group_id)
    db.session.commit()
    if payee.stripe_account_id is None:
        return payee
    state = gateway.retrieve_account(payee.stripe_account_id)
    with transaction():
        payee = lock_for_update(Payee, payee.id)
        apply_account_state(payee, state)
    return payee


# -------------------------------------------------------------------------- tranches


def in_flight_pence(award_id: int) -> int:
    """Reserved for tranches that are scheduled, held or processing (not yet in the ledger)."""
    return int(
        db.session.execute(
            select(func.coalesce(func.sum(Tranche.amount_pence), 0)).where(
                Tranche.award_id == award_id,
                Tranche.status.in_([TrancheStatus.SCHEDULED, TrancheStatus.HELD, TrancheStatus.PROCESSING]),
            )
        ).scalar_one()
    )


def releasable_pence(award: Award) -> int:
    """What can still be released for an award: committed less what is already on its way."""
    return books.award_committed(award) - in_flight_pence(award.id)


def _award_to_release(
    person: Person, award_id: int, amount_pence: int, *, in_one_step: bool = False
) -> tuple[Award, int | None]:
    """Inside a release: the award (its table locked), if this person may move this much of it, and
    the funder they act for (None for the treasurer)."""
    award = db.session.get(Award, award_id)
    if award is None:
        raise DomainError(_("That award does not exist."))
    if not may_release_money(person, award.round_id):
        raise NotAllowed(
            "Only a funder of this table or its treasurer can release money, and not "
            "someone who took part in the decision."
        )
    lock_for_update(Round, award.round_id)
    if in_one_step:
        power.refuse_over_second_person(award.round_id, amount_pence)
    acting_for = power.release_power(person, award.round_id, amount_pence)
    # Tranches already scheduled or on their way are reserved against the award.
    remaining = releasable_pence(award)
    if amount_pence > remaining:
        still = "is still to be paid" if in_one_step else "can still be released"
        raise OverBudget(
            f"Only {format_pence(remaining)} of this award {still}; {format_pence(amount_pence)} is more than that."
        )
    return award, acting_for


def _next_number(award_id: int) -> int:
    return 1 + int(
        db.session.execute(
            select(func.coalesce(func.max(Tranche.number), 0)).where(Tranche.award_id == award_id)
        ).scalar_one()
    )


def release_tranche(*, person: Person, award_id: int, amount_pence: int, due_on: date | None = None) -> Tranche:
    """Release part of an award: a tranche is scheduled now and sent (by Stripe) right after.

    The sending is a separate step (`send_tranche`), a background job recorded in this
    transaction, that the worker can repeat.
    """
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount of more than £0."))
    require_a_way_to_pay(person=person, award_id=award_id)
    today = date.today()
    with transaction() as session:
        award, acting_for = _award_to_release(person, award_id, amount_pence)
        payee = payee_for(award.group_id)
        if payee.method is PayoutMethod.STRIPE and get_gateway() is None:
            raise DomainError(_("This group is paid through Stripe, which is not set up on this site."))
        if payee.method is PayoutMethod.STRIPE and not payee.stripe_ready:
            raise DomainError(
                _(
                    "%(payee)s has not finished connecting its Stripe account, so it cannot be paid yet.",
                    payee=payee.payee_name,
                )
            )
        number = _next_number(award.id)
        tranche = Tranche(
            award_id=award.id,
            number=number,
            amount_pence=amount_pence,
            status=TrancheStatus.SCHEDULED,
            # Deterministic and committed before any call: a retry can never pay twice.
            idempotency_key=f"grant-{award.reference}-tranche-{number}",
            method=payee.method,
            payee_name=payee.payee_name,
            stripe_destination=payee.stripe_account_id if payee.method is PayoutMethod.STRIPE else None,
            due_on=due_on or today,
            released_by_id=person.id,
        )
        session.add(tranche)
        session.flush()
        audit.record(
            "money_released",
            Words(
                N_("%(amount)s released to %(payee)s for award %(award)s (part %(part)s)."),
                amount=Money(amount_pence),
                payee=payee.payee_name,
                award=award.reference,
                part=number,
            ),
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key, "method": payee.method.value},
        )
        power.mark_release(tranche, funder_id=acting_for)
        if tranche.method is PayoutMethod.STRIPE and tranche.due_on <= today and not tranche.awaiting_second_person:
            # The Stripe call runs in the background, recorded in this same transaction (the outbox).
            enqueue_job(SEND_TRANCHE, tranche.idempotency_key, tranche_id=tranche.id)
    db.session.refresh(tranche)
    return tranche


@jobs.job(SEND_TRANCHE, was="send_tranche")
def _send_tranche_job(key: str, tranche_id: int) -> None:
    """The worker's entry point: `send_tranche` is itself idempotent (its Stripe key is fixed).

    If Stripe's answer did not arrive the tranche stays processing; failing the job then has
    the outbox try again with backoff (and, in the end, show it to an administrator).
    """
    if send_tranche(tranche_id) is TrancheStatus.PROCESSING:
        raise GatewayError("Stripe has not confirmed the transfer yet; it will be asked again with the same key.", True)


@jobs.periodic("money.send_due_tranches", jobs.crontab(minute="5"), was="send_due_tranches")
def _queue_due_tranches_hourly(now: datetime) -> int:
    """Every hour: record the send job for each Stripe payment scheduled for a day that has come."""
    return queue_due_tranches(now.date())


def queue_due_tranches(today: date) -> int:
    """Record a send job for each scheduled Stripe tranche whose day has come (once per tranche:
    the job's key is the tranche's own). Returns how many are due."""
    if get_gateway() is None:
        return 0
    with transaction() as session:
        due = session.execute(
            select(Tranche.id, Tranche.idempotency_key).where(
                Tranche.method == PayoutMethod.STRIPE,
                Tranche.status == TrancheStatus.SCHEDULED,
                Tranche.due_on <= today,
                ~(Tranche.needs_second_person & Tranche.approved_at.is_(None)),
            )
        ).all()
        for tranche_id, key in due:
            enqueue_job(SEND_TRANCHE, key, tranche_id=tranche_id)
    return len(due)


def send_tranche(tranche_id: int) -> TrancheStatus:
    """Send one Stripe tranche. Idempotent: safe to call from a worker, again and again."""
    gateway = require_gateway()
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        if tranche.method is not PayoutMethod.STRIPE or tranche.status not in (
            TrancheStatus.SCHEDULED,
            TrancheStatus.PROCESSING,
        ):
            return tranche.status
        if tranche.awaiting_second_person:
            return tranche.status
        if tranche.stripe_destination is None:
            tranche.stripe_destination = payee_for(tranche.award.group_id).stripe_account_id
        tranche.status = TrancheStatus.PROCESSING
        key, amount, destination = tranche.idempotency_key, tranche.amount_pence, tranche.stripe_destination
        award_ref = tranche.award.reference
    try:
        if destination is None:
            raise GatewayError("The group has not connected a Stripe account.", False)
        transfer = gateway.create_transfer(
            amount_pence=amount,
            destination=destination,
            idempotency_key=key,
            transfer_group=award_ref,
            metadata={"tranche": key, "award": award_ref},
        )
    except GatewayError as exc:
        with transaction():
            tranche = lock_for_update(Tranche, tranche_id)
            if tranche.status is not TrancheStatus.PROCESSING:
                return tranche.status
            if exc.retryable:
                # Outcome unknown (a timeout, say): stay processing and retry with the SAME key.
                tranche.failure_reason = f"Waiting to retry: {exc}"
                return tranche.status
            tranche.status = TrancheStatus.FAILED
            tranche.failure_reason = str(exc)
            award = tranche.award
            audit.record(
                "payment_failed",
                Words(
                    N_("A payment of %(amount)s for award %(award)s failed: nothing was paid."),
                    amount=Money(amount),
                    award=award.reference,
                ),
                round_id=award.round_id,
                public=True,
                details={"tranche": key, "error": str(exc)},
            )
            notify(
                [tranche.released_by_id] if tranche.released_by_id else [],
                "money_alert",
                _l("A payment did not go through"),
                _l(
                    "%(amount)s to %(payee)s for award %(reference)s failed: %(error)s. The money is still committed "
                    "to the award; release it again when the problem is fixed.",
                    amount=format_pence(amount),
                    payee=tranche.payee_name,
                    reference=award.reference,
                    error=str(exc),
                ),
                link=link_to("money.round_payments", slug=award.round.slug),
            )
            return tranche.status
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        if tranche.status is TrancheStatus.PROCESSING:
            post_payment(tranche, transfer_id=transfer.id, reference=transfer.id, paid_on=date.today())
        return tranche.status


def confirm_bank_payment(*, person: Person, tranche_id: int, bank_reference: str, paid_on: date) -> Tranche:
    """Whoever pays confirms a scheduled bank-transfer tranche was sent."""
    if not bank_reference.strip():
        raise DomainError(_("Enter the bank reference of the transfer."))
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        if not may_release_money(person, tranche.award.round_id):
            raise NotAllowed(_("Only a funder of this table or its treasurer can record payments."))
        if tranche.status is TrancheStatus.HELD:
            raise DomainError(_("This payment is held: %(reason)s", reason=tranche.held_reason))
        if tranche.status is not TrancheStatus.SCHEDULED or tranche.method is not PayoutMethod.BANK:
            raise DomainError(_("Only a scheduled bank transfer can be confirmed here."))
        power.refuse_unapproved(tranche)
        post_payment(tranche, transfer_id=None, reference=bank_reference.strip(), paid_on=paid_on)
        audit.record(
            "payment_confirmed",
            Words(
                N_("%(amount)s paid to %(payee)s (award %(award)s)."),
                amount=Money(tranche.amount_pence),
                payee=tranche.payee_name,
                award=tranche.award.reference,
            ),
            actor_id=person.id,
            round_id=tranche.award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key, "bank_reference": bank_reference.strip()},
        )
    return tranche


def record_payment(*, person: Person, award_id: int, amount_pence: int, paid_on: date, bank_reference: str) -> Tranche:
    """Record a payment (a tranche) to a group that was already made by bank transfer, in one step.

    Only a funder of the round or its treasurer may release money, and never someone
    who took part in the decision. Nothing is paid beyond what is committed to the award.
    """
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount of more than £0."))
    if not bank_reference.strip():
        raise DomainError(_("Enter the bank reference of the transfer."))
    with transaction() as session:
        award, acting_for = _award_to_release(person, award_id, amount_pence, in_one_step=True)
        number = _next_number(award.id)
        tranche = Tranche(
            award=award,
            number=number,
            amount_pence=amount_pence,
            method=PayoutMethod.BANK,
            idempotency_key=f"grant-{award.reference}-tranche-{number}",
            released_by_id=person.id,
            payee_name=payee_for(award.group_id).payee_name,
            acting_for_funder_id=acting_for,
        )
        session.add(tranche)
        post_payment(tranche, transfer_id=None, reference=bank_reference.strip(), paid_on=paid_on)
        audit.record(
            "money_released",
            Words(
                N_("%(amount)s paid to %(payee)s (award %(award)s)."),
                amount=Money(amount_pence),
                payee=award.group.name,
                award=award.reference,
            ),
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key, "bank_reference": tranche.bank_reference},
        )
    return tranche


def hold_tranche(*, person: Person, tranche_id: int, reason: str) -> Tranche:
    """A funder holds a scheduled payment; the written reason is published on the round page."""
    if len(reason.strip()) < 10:
        raise DomainError(_("Write the reason for holding this payment (it is published on the table's page)."))
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        award = tranche.award
        holder = power.holding_funder(person, award.round_id)
        if tranche.status is not TrancheStatus.SCHEDULED:
            raise DomainError(_("Only a payment that has not been sent yet can be held."))
        tranche.status = TrancheStatus.HELD
        tranche.held_by_funder_id = holder
        tranche.held_reason = reason.strip()
        tranche.held_by_id = person.id
        tranche.held_at = datetime.now(UTC)
        _tell_group(
            tranche,
            actor_id=person.id,
            event="payment_held",
            public_text=Words(
                N_("A payment of %(amount)s to %(group)s was held. Reason: %(reason)s"),
                amount=Money(tranche.amount_pence),
                group=award.group.name,
                reason=typed(tranche.held_reason),
            ),
            kind="payment_held",
            subject=_l("A payment to your group was held"),
            body=_l(
                "The funder held a payment of %(amount)s for award %(reference)s. Their reason: %(reason)s",
                amount=format_pence(tranche.amount_pence),
                reference=award.reference,
                reason=tranche.held_reason,
            ),
        )
    return tranche


def lift_hold(*, person: Person, tranche_id: int, reason: str = "") -> Tranche:
    """The funder that held a payment lifts its hold (or, where that funder has gone, a convenor
    with a published reason); a Stripe payment is then sent straight away."""
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        award = tranche.award
        if tranche.status is not TrancheStatus.HELD:
            raise DomainError(_("That payment is not held."))
        why = power.check_lift(person, tranche, reason)
        tranche.status = TrancheStatus.SCHEDULED
        audit.record(
            "payment_hold_lifted",
            Words(
                N_(
                    "The hold on a payment of %(amount)s to %(group)s was lifted by the convenors, because the "
                    "funder that held it has gone. Reason: %(reason)s"
                )
                if why
                else N_("The hold on a payment of %(amount)s to %(group)s was lifted."),
                amount=Money(tranche.amount_pence),
                group=award.group.name,
                **({"reason": typed(why)} if why else {}),
            ),
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key, "reason_was": tranche.held_reason, "lift_reason": why},
        )
        power.tell_holder(tranche, person, why)
        if tranche.method is PayoutMethod.STRIPE and not tranche.awaiting_second_person:
            # A fresh job key per lift; the Stripe idempotency key stays the tranche's own.
            enqueue_job(SEND_TRANCHE, f"{tranche.idempotency_key}-lift-{secrets.token_hex(4)}", tranche_id=tranche.id)
    db.session.refresh(tranche)
    return tranche


def record_transfer_reversal(tranche_id: int, reversed_total_pence: int) -> None:
    """Stripe reversed (part of) a transfer: the money returns to the award's committed balance."""
    tranche = lock_for_update(Tranche, tranche_id)
    new = min(reversed_total_pence, tranche.amount_pence) - tranche.reversed_pence
    if new <= 0:
        return
    award = tranche.award
    post_payment_returned(tranche, new, occurred_on=date.today())
    _tell_group(
        tranche,
        actor_id=None,
        event="payment_reversed",
        public_text=Words(
            N_("%(amount)s of a payment to %(payee)s was reversed and is committed to the award again."),
            amount=Money(new),
            payee=tranche.payee_name,
        ),
        subject=_l("A payment was reversed"),
        body=_l(
            "%(amount)s of the payment for award %(reference)s came back to the table.",
            amount=format_pence(new),
            reference=award.reference,
        ),
        also=[tranche.released_by_id] if tranche.released_by_id else [],
    )


def _tell_group(
    tranche: Tranche,
    *,
    actor_id: int | None,
    event: str,
    public_text: str | Words,
    subject: str | LazyString,
    body: str | LazyString,
    kind: str = "money_alert",
    also: list[int] | None = None,
) -> None:
    """A public line in the audit log about one tranche (held, come back), and its group told."""
    award = tranche.award
    audit.record(
        event,
        public_text,
        actor_id=actor_id,
        round_id=award.round_id,
        public=True,
        details={"tranche": tranche.idempotency_key},
    )
    link = link_to("public.group", slug=award.group.slug)
    notify(group_people(award.group_id) + (also or []), kind, subject, body, link=link)


# ------------------------------------------------------------- money out that is true


class NoWayToPay(DomainError):
    """The group has given no way to pay it: no bank details and no ready Stripe account."""


def missing_way_to_pay(payee: Payee) -> LazyString | None:
    """What a group still has to give before it can be paid (None: it can be paid), in the reader's language."""
    if payee.method is PayoutMethod.BANK and not payee.bank_ready:
        return _l("bank details (the name on the account, the sort code and the account number)")
    return None


def require_a_way_to_pay(*, person: Person, award_id: int) -> None:
    """Refuse a release to a group that has given no way to pay it, and tell the group what is
    missing (in its own transaction, so the group hears even though the release is refused)."""
    with transaction() as session:
        award = session.get(Award, award_id)
        if award is None or not may_release_money(person, award.round_id):
            return  # release_tranche refuses these with its own reasons
        missing = missing_way_to_pay(payee_for(award.group_id))
        if missing is None:
            return
        group = award.group
        notify(
            group_people(award.group_id),
            "money_alert",
            _l("%(group)s cannot be paid yet", group=group.name),
            _l(
                "The table %(title)s is ready to pay part of award %(reference)s, but your group has not given "
                "%(missing)s. A lead or treasurer of the group can add them on the group's payment page.",
                title=award.round.title,
                reference=award.reference,
                missing=missing,
            ),
            link=link_to("money.payee", slug=group.slug),
            key=f"no-way-to-pay-award-{award.id}-{date.today().isoformat()}",
        )
    raise NoWayToPay(
        _(
            "%(group)s has not given %(missing)s, so nothing was released. The group's leads have been told what "
            "to add; release the money once they have.",
            group=group.name,
            missing=missing,
        )
    )


def return_problems(tranche: Tranche, amount_pence: int | None, returned_on: date | None) -> list[tuple[str, str]]:
    """What is wrong with an amount and a date for money that came back from this payment (either may be
    missing: a form refused for another box still says these at once)."""
    problems: list[tuple[str, str]] = []
    left = tranche.amount_pence - tranche.reversed_pence
    if amount_pence is not None and amount_pence > left:
        problems.append(
            ("amount", _("Only %(amount)s of this payment is still with the group.", amount=format_pence(left)))
        )
    if returned_on is not None and returned_on > date.today():
        problems.append(("returned_on", _("The date it came back cannot be in the future.")))
    elif returned_on is not None and tranche.paid_on and returned_on < tranche.paid_on:
        problems.append(("returned_on", _("The date it came back cannot be before the date it was paid.")))
    return problems


def record_bank_return(
    *, person: Person, tranche_id: int, amount_pence: int, returned_on: date, reason: str
) -> Tranche:
    """The treasurer records a bank payment that came back (returned by the bank, or sent by
    mistake and repaid): a reversing entry group with the reason; the money is committed to the
    award again, and what the award shows as paid is what is really with the group."""
    reason = " ".join(reason.split())
    problems: list[tuple[str, str]] = []  # every box to fix, said at once (issue 17)
    if len(reason) < 5:
        problems.append(("reason", _("Say what happened (it is kept with the record and shown on the ledger).")))
    if amount_pence <= 0:
        problems.append(("amount", _("Enter an amount of more than £0.")))
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        award = tranche.award
        if not is_treasurer(person, award.round_id):
            raise NotAllowed(
                "Only the table's treasurer, who sees the bank statement, can record money that came back."
            )
        if tranche.method is not PayoutMethod.BANK or tranche.status not in (
            TrancheStatus.PAID,
            TrancheStatus.REVERSED,
        ):
            raise DomainError(_("Only a bank payment that was sent can be recorded as come back."))
        problems += return_problems(tranche, amount_pence, returned_on)
        raise_problems(problems)
        post_payment_returned(tranche, amount_pence, occurred_on=returned_on, reason=reason, recorded_by_id=person.id)
        _tell_group(
            tranche,
            actor_id=person.id,
            event="payment_reversed",
            public_text=Words(
                N_(
                    "%(amount)s of a bank payment to %(payee)s came back and is committed to the award again. "
                    "Reason: %(reason)s"
                ),
                amount=Money(amount_pence),
                payee=tranche.payee_name,
                reason=typed(reason),
            ),
            subject="A payment to your group came back",
            body=f"{format_pence(amount_pence)} of the payment for award {award.reference} came back to the table. "
            f"The treasurer's note: {reason}. The money is still awarded to your group; check your bank details.",
        )
    return tranche
