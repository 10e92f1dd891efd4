"""Money pages: pledging, recording money received, and paying groups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from grants.core import DomainError
from grants.extensions import db
from grants.models import Award, Funder, Pledge, Round, RoundStatus
from grants.money import bp, ledger, services
from grants.money.forms import PaymentForm, PledgeForm, ReceiveForm
from grants.roles import acts_for_funder, is_convenor, may_release_money


@bp.route("/funders/<slug>/pledge", methods=["GET", "POST"])
def pledge(slug: str):
    """A funder pledges money to a published table."""
    funder = db.one_or_404(select(Funder).where(Funder.slug == slug))
    if not acts_for_funder(current_user, funder.id):
        abort(403)
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
    if form.validate_on_submit():
        try:
            services.pledge(
                person=current_user, funder_id=funder.id, round_id=form.round_id.data, amount_pence=form.amount.data
            )
        except DomainError as exc:
            form.round_id.errors.append(exc.message)
        else:
            flash("Pledge recorded. Record the money when you send it.", "success")
            return redirect(url_for("funders.show", slug=funder.slug))
    return render_template("money/pledge.html", form=form, funder=funder), (400 if form.errors else 200)


@bp.route("/pledges/<int:pledge_id>/received", methods=["GET", "POST"])
def receive(pledge_id: int):
    """Record money sent by bank transfer against a pledge."""
    item = db.get_or_404(Pledge, pledge_id)
    if not acts_for_funder(current_user, item.funder_id):
        abort(403)
    form = ReceiveForm()
    if form.validate_on_submit():
        try:
            services.record_bank_transfer(
                person=current_user,
                pledge_id=item.id,
                amount_pence=form.amount.data,
                received_on=form.received_on.data,
                reference=form.reference.data,
            )
        except DomainError as exc:
            form.amount.errors.append(exc.message)
        else:
            flash("Recorded. The money is now in the table's pot and shown in public.", "success")
            return redirect(url_for("funders.show", slug=item.funder.slug))
    return render_template("money/receive.html", form=form, pledge=item), (400 if form.errors else 200)


@bp.route("/tables/<slug>/payments")
def round_payments(slug: str):
    """Awards of a table and what has been paid; release money from here."""
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    can_release = may_release_money(current_user, rnd.id)
    if not (can_release or is_convenor(current_user, rnd.id)):
        abort(403)
    awards = db.session.execute(select(Award).where(Award.round_id == rnd.id).order_by(Award.id)).scalars().all()
    paid = ledger.award_paid_totals([a.id for a in awards])
    return render_template(
        "money/round_payments.html",
        rnd=rnd,
        awards=awards,
        paid=paid,
        can_release=can_release,
        money=ledger.round_summary(rnd.id),
    )


@bp.route("/awards/<int:award_id>/pay", methods=["GET", "POST"])
def pay(award_id: int):
    """Record a payment to a group against its award."""
    award = db.get_or_404(Award, award_id)
    if not may_release_money(current_user, award.round_id):
        abort(403)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            services.record_payment(
                person=current_user,
                award_id=award.id,
                amount_pence=form.amount.data,
                paid_on=form.paid_on.data,
                bank_reference=form.bank_reference.data,
            )
        except DomainError as exc:
            form.amount.errors.append(exc.message)
        else:
            flash("Payment recorded and shown in public.", "success")
            return redirect(url_for("money.round_payments", slug=award.round.slug))
    remaining = ledger.award_committed(award)
    return render_template("money/pay.html", form=form, award=award, remaining=remaining), (400 if form.errors else 200)
