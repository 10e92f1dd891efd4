"""Money pages: pledging, recording money received, and paying groups."""

from __future__ import annotations

import logging
from datetime import date

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from grants.core import DomainError
from grants.extensions import csrf, db
from grants.flashing import attempt, submitted
from grants.funders.loading import get_funder
from grants.groups.loading import get_group, handles_money
from grants.ledger import books, published
from grants.models import (
    Award,
    Payee,
    PayoutMethod,
    Round,
    RoundStatus,
    Tranche,
    TrancheStatus,
)
from grants.money import bp, payouts, power, services, stripe_in
from grants.money.forms import (
    BankDetailsForm,
    CheckoutForm,
    ConfirmBankForm,
    ConnectForm,
    HoldForm,
    LiftForm,
    PaymentForm,
    PledgeForm,
    ReceiveForm,
    RefundForm,
    ReleaseForm,
    ReturnedForm,
)
from grants.money.gateway import fees_borne_by_platform, get_gateway, stripe_enabled
from grants.money.loading import get_award, get_checkout, get_pledge
from grants.money.stripe_gateway import GatewayError, WebhookRejected
from grants.money_format import format_pence
from grants.roles import acts_for_funder, funds_round, is_convenor, is_treasurer, may_release_money
from grants.rounds.loading import get_round
from grants.security import any_of

log = logging.getLogger(__name__)


@bp.route("/funders/<slug>/pledge", methods=["GET", "POST"])
def pledge(slug: str):
    """A funder pledges money to a published table."""
    funder = get_funder(slug, check=acts_for_funder)
    form = PledgeForm()
    rounds = (
        db.session.execute(
            select(Round)
            .where(Round.status.not_in([RoundStatus.DRAFT, RoundStatus.CLOSED, RoundStatus.NO_DECISION]))
            .order_by(Round.title)
        )
        .scalars()
        .all()
    )
    form.round_id.choices = [SelectChoice(r.id, r.title) for r in rounds]

    def pledge_it() -> object:
        return services.pledge(
            person=current_user, funder_id=funder.id, round_id=form.round_id.data, amount_pence=form.amount.data
        )

    done = submitted(form, pledge_it, field="round_id")
    if done:
        if power.is_accepted(done.value.round_id, funder.id):
            flash(_("Pledge recorded. Record the money when you send it."), "success")
        else:
            flash(
                _(
                    "Pledge recorded as an offer. The table's convenors are told; once they accept "
                    "%(funder)s, you can pay it in and it is shown in public.",
                    funder=funder.name,
                ),
                "success",
            )
        return redirect(url_for("funders.show", slug=funder.slug))
    return render_template("money/pledge.html", form=form, funder=funder), (400 if form.errors else 200)


@bp.route("/pledges/<int:pledge_id>/received", methods=["GET", "POST"])
def receive(pledge_id: int):
    """Record money sent by bank transfer against a pledge."""
    item = get_pledge(pledge_id, check=acts_for_funder)
    form = ReceiveForm()

    def record() -> object:
        return services.record_bank_transfer(
            person=current_user,
            pledge_id=item.id,
            amount_pence=form.amount.data,
            received_on=form.received_on.data,
            reference=form.reference.data,
        )

    claimed = _(
        "Recorded as claimed. It joins the table's pot, and the public pages, once the table's "
        "treasurer has found it on the bank statement."
    )
    if submitted(form, record, field="amount", success=claimed):
        return redirect(url_for("funders.show", slug=item.funder.slug))
    return render_template("money/receive.html", form=form, pledge=item), (400 if form.errors else 200)


@bp.route("/tables/<slug>/payments")
def round_payments(slug: str):
    """Awards of a table and what has been paid; release money from here."""
    return payments_page(slug)


def payments_page(slug: str, sent: FlaskForm | None = None):  # noqa: ANN201
    """The payments page; `sent` is a form on it that was refused, shown again with every problem and what was typed."""
    rnd = get_round(slug, check=any_of(may_release_money, is_convenor))
    can_release = may_release_money(current_user, rnd.id)
    awards = db.session.execute(select(Award).where(Award.round_id == rnd.id).order_by(Award.id)).scalars().all()
    paid = books.award_paid_totals([a.id for a in awards])
    payees = {
        p.group_id: p
        for p in db.session.execute(select(Payee).where(Payee.group_id.in_([a.group_id for a in awards]))).scalars()
    }

    def form_for(kind: type[FlaskForm], prefix: str) -> FlaskForm:
        # The refused form keeps its place on the page, with its messages beside its boxes.
        if sent is not None and sent._prefix == f"{prefix}-":
            return sent
        return kind(prefix=prefix, formdata=None)

    return render_template(
        "money/round_payments.html",
        rnd=rnd,
        awards=awards,
        paid=paid,
        releasable={a.id: payouts.releasable_pence(a) for a in awards},
        payees=payees,
        can_release=can_release,
        can_hold=funds_round(current_user, rnd.id) and can_release,
        **_power_extras(rnd, payees, refused=sent is not None),
        stripe_on=stripe_enabled(),
        money=books.round_summary(rnd.id),
        release_form=lambda a: form_for(ReleaseForm, f"release-{a.id}"),
        hold_form=lambda t: form_for(HoldForm, f"hold-{t.id}"),
        confirm_form=lambda t: form_for(ConfirmBankForm, f"confirm-{t.id}"),
        plain_form=FlaskForm(),
        sent=sent,
        **truth_views.payments_extras(rnd, form_for),
    ), (400 if sent is not None else 200)


def _power_extras(rnd: Round, payees: dict, *, refused: bool = False) -> dict:
    """Who on this page may lift, approve and see bank details in full (grants/money/power.py).

    On a refused form shown again, bank details are shown as their last digits: a refusal writes
    nothing, not even the audit entry a full view needs."""
    allowed_in_full = power.sees_full_bank_details(current_user, rnd.id)
    full = allowed_in_full and not refused
    if full:
        power.record_full_view(current_user, rnd.id, list(payees.values()))
    return {
        "full_bank_details": full,
        # The treasurer on a refused page: told how to see them in full, not that only the treasurer may.
        "sees_in_full_elsewhere": allowed_in_full and not full,
        "may_lift": lambda t: power.may_lift(current_user, t),
        "convenor_may_lift": lambda t: is_convenor(current_user, rnd.id) and power.funder_has_gone(t),
        "may_approve": lambda t: power.may_approve(current_user, t),
        "second_person_above": power.second_person_above(rnd.id),
        "lift_form": lambda t: LiftForm(prefix=f"lift-{t.id}"),
        "is_convenor": is_convenor(current_user, rnd.id),
    }


@bp.route("/awards/<int:award_id>/pay", methods=["GET", "POST"])
def pay(award_id: int):
    """Record a payment to a group against its award."""
    award = get_award(award_id, check=may_release_money)
    form = PaymentForm()

    def record() -> object:
        return payouts.record_payment(
            person=current_user,
            award_id=award.id,
            amount_pence=form.amount.data,
            paid_on=form.paid_on.data,
            bank_reference=form.bank_reference.data,
        )

    if submitted(form, record, field="amount", success=_("Payment recorded and shown in public.")):
        return redirect(url_for("money.round_payments", slug=award.round.slug))
    remaining = books.award_committed(award)
    return render_template("money/pay.html", form=form, award=award, remaining=remaining), (400 if form.errors else 200)


# ---------------------------------------------------------------------- Stripe in


@bp.route("/pledges/<int:pledge_id>/pay-online", methods=["GET", "POST"])
def pay_online(pledge_id: int):
    """A funder pays (part of) a pledge by card or Bacs Direct Debit on Stripe Checkout."""
    item = get_pledge(pledge_id, check=acts_for_funder)
    if not stripe_enabled():
        flash(_("Card and Direct Debit payments are not set up on this site: please pay by bank transfer."), "info")
        return redirect(url_for("money.receive", pledge_id=item.id))
    form = CheckoutForm()
    if not form.is_submitted():
        form.amount.data = max(item.amount_pence - item.received_pence - item.claimed_pence, 0) or None
    if form.validate_on_submit():
        try:
            checkout = stripe_in.start_checkout(
                person=current_user,
                pledge_id=item.id,
                amount_pence=form.amount.data,
                allow_bacs=current_app.config.get("STRIPE_ALLOW_BACS", True),
            )
        except (DomainError, GatewayError) as exc:
            form.amount.errors.append(
                getattr(exc, "message", None) or _("Stripe could not start the payment: %(error)s", error=exc)
            )
        else:
            return redirect(checkout.url, code=303)
    return render_template(
        "money/pay_online.html", form=form, pledge=item, fees_by_platform=fees_borne_by_platform()
    ), (400 if form.errors else 200)


@bp.route("/checkouts/<int:checkout_id>/done")
def checkout_done(checkout_id: int):
    """Where Stripe sends the funder back after paying."""
    checkout = get_checkout(checkout_id, check=acts_for_funder)
    return render_template("money/checkout_done.html", checkout=checkout)


@bp.route("/checkouts/<int:checkout_id>/refund", methods=["GET", "POST"])
def refund(checkout_id: int):
    """A funder takes back money that has not been awarded yet."""
    checkout = get_checkout(checkout_id, check=acts_for_funder)
    form = RefundForm()

    def refund_it() -> object:
        return stripe_in.refund(person=current_user, checkout_id=checkout.id, amount_pence=form.amount.data)

    if submitted(form, refund_it, field="amount", success=_("Refunded. The pot and the public figures show it.")):
        return redirect(url_for("funders.show", slug=checkout.pledge.funder.slug))
    return render_template(
        "money/refund.html", form=form, checkout=checkout, money=books.round_summary(checkout.pledge.round_id)
    ), (400 if form.errors else 200)


def stripe_webhook():
    """Stripe's events. No login and no CSRF token: the signature on the raw body replaces both.

    The event is stored with a background job to act on it, and Stripe gets its answer at
    once; the worker does the rest (and retries it with backoff if Stripe is slow).
    """
    gateway = get_gateway()
    if gateway is None:
        return jsonify(error="Stripe is not configured on this site"), 404
    try:
        event = gateway.construct_event(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except WebhookRejected as exc:
        log.warning("Stripe webhook rejected: %s", exc.reason)
        return jsonify(error=exc.reason), 400
    return jsonify(received=True, outcome=stripe_in.receive_event(event))


stripe_webhook._is_public = True  # type: ignore[attr-defined]  # see grants.security.public


@bp.record_once
def _register_webhook(state) -> None:  # noqa: ANN001
    # Stripe is configured to call /stripe/webhook, outside this blueprint's /money prefix.
    state.app.add_url_rule("/stripe/webhook", "stripe_webhook", csrf.exempt(stripe_webhook), methods=["POST"])


# ---------------------------------------------------------------------- money out


@bp.route("/groups/<slug>/payee", methods=["GET", "POST"])
def payee(slug: str):
    """How a group is paid: its own Stripe account, or bank details (maybe a host's)."""
    group = get_group(slug, check=handles_money)
    current = db.session.execute(select(Payee).where(Payee.group_id == group.id)).scalar_one_or_none()
    form = BankDetailsForm(prefix="bank")
    connect = ConnectForm(prefix="connect")
    if not form.is_submitted() and current is not None:
        form.account_name.data, form.host_name.data = current.account_name, current.host_name
        connect.host_name.data = current.host_name

    def save() -> object:
        return payouts.set_bank_details(
            person=current_user,
            group_id=group.id,
            account_name=form.account_name.data,
            sort_code=form.sort_code.data,
            account_number=form.account_number.data,
            host_name=form.host_name.data or "",
        )

    if submitted(
        form, save, field="sort_code", success=_("Bank details saved. Payments to your group will go by bank transfer.")
    ):
        return redirect(url_for("money.payee", slug=group.slug))
    return render_template(
        "money/payee.html", group=group, payee=current, form=form, connect=connect, stripe_on=stripe_enabled()
    ), (400 if form.errors else 200)


@bp.route("/groups/<slug>/payee/connect", methods=["GET", "POST"])
def payee_connect(slug: str):
    """Start (or continue) Stripe onboarding: a fresh account link every time."""
    group = get_group(slug, check=handles_money)
    if not stripe_enabled():
        abort(404)
    form = ConnectForm(prefix="connect")
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    try:
        link = payouts.connect_stripe(person=current_user, group_id=group.id, host_name=form.host_name.data or "")
    except (DomainError, GatewayError) as exc:
        flash(
            getattr(exc, "message", None) or _("Stripe could not be reached: %(error)s. Try again soon.", error=exc),
            "error",
        )
        return redirect(url_for("money.payee", slug=group.slug))
    return redirect(link, code=303)


@bp.route("/groups/<slug>/payee/return")
def payee_return(slug: str):
    """Stripe sends the group back here after onboarding; check what Stripe still needs."""
    group = get_group(slug, check=handles_money)
    try:
        found = payouts.refresh_stripe_account(group.id)
    except (DomainError, GatewayError):
        flash(_("We could not check with Stripe just now; your page will update when Stripe tells us."), "info")
    else:
        if found.stripe_ready:
            flash(_("Your Stripe account is ready: grants will be paid straight into it."), "success")
        else:
            flash(_("Stripe still needs some details before it can pay your group."), "info")
    return redirect(url_for("money.payee", slug=group.slug))


@bp.route("/awards/<int:award_id>/release", methods=["POST"])
def release(award_id: int):
    """Release part or all of an award: by Stripe now, or scheduled for a bank transfer."""
    award = get_award(award_id, check=may_release_money)
    form = ReleaseForm(prefix=f"release-{award.id}")

    def release_it() -> Tranche:
        return payouts.release_tranche(person=current_user, award_id=award.id, amount_pence=form.amount.data)

    if done := submitted(form, release_it, field="amount", not_allowed_is_403=True):
        flash(_tranche_message(done.value), "success" if done.value.status is not TrancheStatus.FAILED else "error")
        return redirect(url_for("money.round_payments", slug=award.round.slug))
    return payments_page(award.round.slug, form)


def _tranche_message(tranche: Tranche) -> str:
    match tranche.status:
        case TrancheStatus.PAID:
            return _(
                "Paid %(amount)s to %(payee)s through Stripe.",
                amount=format_pence(tranche.amount_pence),
                payee=tranche.payee_name,
            )
        case TrancheStatus.PROCESSING:
            return _(
                "Stripe did not answer in time. The payment will be retried with the same key, "
                "so it cannot be paid twice."
            )
        case TrancheStatus.FAILED:
            return _("The payment failed: %(reason)s", reason=tranche.failure_reason)
    if tranche.method is PayoutMethod.STRIPE:
        # A release to a group's connected Stripe account is sent by Stripe, never by a bank transfer.
        amount, payee = format_pence(tranche.amount_pence), tranche.payee_name
        if tranche.due_on is None or tranche.due_on <= date.today():
            return _(
                "Released %(amount)s to %(payee)s. Stripe sends it now "
                "to the group's connected account; this page shows when it has arrived.",
                amount=amount,
                payee=payee,
            )
        return _(
            "Released %(amount)s to %(payee)s. Stripe sends it on %(date)s "
            "to the group's connected account; this page shows when it has arrived.",
            amount=amount,
            payee=payee,
            date=format_date(tranche.due_on, "d MMMM y"),
        )
    return _(
        "Scheduled %(amount)s for %(payee)s by bank transfer: send it from "
        "the table's bank account, then record the bank reference here.",
        amount=format_pence(tranche.amount_pence),
        payee=tranche.payee_name,
    )


@bp.route("/tranches/<int:tranche_id>/hold", methods=["POST"])
def hold(tranche_id: int):
    """A funder holds a scheduled payment, with a reason that is published."""
    tranche = db.get_or_404(Tranche, tranche_id)
    form = HoldForm(prefix=f"hold-{tranche.id}")

    def hold_it() -> Tranche:
        return payouts.hold_tranche(person=current_user, tranche_id=tranche.id, reason=form.reason.data)

    held = _("The payment is held. Your reason is shown on the table's public page.")
    if submitted(form, hold_it, field="reason", success=held, not_allowed_is_403=True):
        return redirect(url_for("money.round_payments", slug=tranche.award.round.slug))
    return payments_page(tranche.award.round.slug, form)


@bp.route("/tranches/<int:tranche_id>/lift", methods=["POST"])
def lift(tranche_id: int):
    """A funder lifts their hold."""
    tranche = db.get_or_404(Tranche, tranche_id)
    form = LiftForm(prefix=f"lift-{tranche.id}")
    if form.validate_on_submit():
        attempt(
            lambda: payouts.lift_hold(person=current_user, tranche_id=tranche.id, reason=form.reason.data or ""),
            _("The hold is lifted. The funder that held it is told."),
        )
    return redirect(url_for("money.round_payments", slug=tranche.award.round.slug))


@bp.route("/tranches/<int:tranche_id>/confirm", methods=["POST"])
def confirm(tranche_id: int):
    """Record that a scheduled bank transfer was sent."""
    tranche = db.get_or_404(Tranche, tranche_id)
    form = ConfirmBankForm(prefix=f"confirm-{tranche.id}")

    def record() -> Tranche:
        return payouts.confirm_bank_payment(
            person=current_user, tranche_id=tranche.id, bank_reference=form.bank_reference.data,
            paid_on=form.paid_on.data,
        )  # fmt: skip

    recorded = _("Payment recorded and shown in public.")
    if submitted(form, record, field="bank_reference", success=recorded, not_allowed_is_403=True):
        return redirect(url_for("money.round_payments", slug=tranche.award.round.slug))
    return payments_page(tranche.award.round.slug, form)


@bp.route("/tranches/<int:tranche_id>/returned", methods=["POST"])
def returned(tranche_id: int):
    """The treasurer records a bank payment that came back or was sent by mistake."""
    tranche = db.get_or_404(Tranche, tranche_id)
    form = ReturnedForm(prefix=f"returned-{tranche.id}")

    def record() -> object:
        return payouts.record_bank_return(
            person=current_user, tranche_id=tranche.id, amount_pence=form.amount.data,
            returned_on=form.returned_on.data, reason=form.reason.data,
        )  # fmt: skip

    recorded = _("Recorded. The money is committed to the award again, and the reversal is on the public ledger.")
    if submitted(form, record, field="reason", success=recorded, not_allowed_is_403=True):
        return redirect(url_for("money.round_payments", slug=tranche.award.round.slug))
    if form.errors and is_treasurer(current_user, tranche.award.round_id):
        # Refused for some boxes: what the payment itself says about the others is said at once too.
        for name, message in payouts.return_problems(tranche, form.amount.data, form.returned_on.data):
            if not form[name].errors:
                form[name].errors = [message]
    return payments_page(tranche.award.round.slug, form)


@bp.app_template_global()
def round_money_extras(round_id: int, money: books.MoneySummary | None = None) -> dict:
    """Public money extras for a round page: holds with reasons, fees and who bears them, panel totals.

    `money` is the table's published figures when the page has already read them (the public page
    has: reading them again was two more queries over its ledger on every render)."""
    held = (
        db.session.execute(
            select(Tranche)
            .join(Award, Award.id == Tranche.award_id)
            .where(Award.round_id == round_id, Tranche.status == TrancheStatus.HELD)
            .order_by(Tranche.held_at)
        )
        .scalars()
        .all()
    )
    return {
        "held": held,
        # Published figures: panel pay to fewer than 5 people left out (grants/ledger/published.py).
        "money": money if money is not None else published.round_summary(round_id),
        "fees_by_platform": fees_borne_by_platform(),
        "stripe_on": stripe_enabled(),
    }


@bp.app_template_global()
def funder_money(funder_id: int) -> list:
    """For a funder's pages: each round it gave to, with the funder's giving and the round's figures."""
    given = books.funder_summary(funder_id)
    rounds = {r.id: r for r in db.session.execute(select(Round).where(Round.id.in_(list(given)))).scalars()}
    figures = published.round_summaries(list(given))
    return [(rounds[rid], given[rid], figures[rid]) for rid in given if rid in rounds]


@bp.app_template_global("stripe_enabled")
def _stripe_enabled_global() -> bool:
    """Templates ask whether card and Direct Debit payments are on."""
    return stripe_enabled()


from grants.money import (  # noqa: E402, F401 - registers their routes
    power_views,
    truth_views,
)
