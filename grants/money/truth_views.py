"""Money pages for checking money against the bank: transfers in that the treasurer confirms or
corrects, a table's ceiling for money in, a funder raising its pledge, and bank payments that came back."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from grants.extensions import db
from grants.flashing import attempt, submitted
from grants.models import Contribution, Round
from grants.money import bp, payouts, services
from grants.money.forms import CeilingForm, RaisePledgeForm, ReasonForm, ReturnedForm
from grants.money.loading import get_pledge
from grants.roles import acts_for_funder, is_convenor, is_treasurer, may_release_money
from grants.rounds.loading import get_round
from grants.security import any_of


@bp.route("/tables/<slug>/money-in")
def money_in(slug: str):
    """Bank transfers into a table: the treasurer checks claimed ones against the bank statement."""
    return money_in_page(slug)


def money_in_page(  # noqa: ANN201
    slug: str, *, refused: tuple[str, ReasonForm] | None = None, ceiling_form: CeilingForm | None = None
):
    """The money-in page; a refused form on it (a reason, the limit) is shown again with its problem
    and what was typed (400). Only those who may read the page see it, refused or not."""
    rnd = get_round(slug, check=any_of(is_treasurer, is_convenor, may_release_money))
    treasurer = is_treasurer(current_user, rnd.id)
    convenor = is_convenor(current_user, rnd.id)
    if ceiling_form is None:
        ceiling_form = CeilingForm(prefix="ceiling", formdata=None)
        ceiling_form.amount.data = services.money_in_ceiling(rnd)

    def reason_form(c: Contribution, what: str) -> ReasonForm:
        if refused is not None and refused[0] == f"{what}-{c.id}":
            return refused[1]
        return ReasonForm(prefix=f"{what}-{c.id}", formdata=None)

    shown_refused = refused[1] if refused is not None else (ceiling_form if ceiling_form.errors else None)
    return render_template(
        "money/money_in.html",
        rnd=rnd,
        items=services.money_in_for_round(rnd.id),
        treasurer=treasurer,
        convenor=convenor,
        ceiling=services.money_in_ceiling(rnd),
        ceiling_form=ceiling_form,
        reason_form=reason_form,
        refused=shown_refused,
        plain_form=FlaskForm(),
    ), (400 if shown_refused is not None else 200)


def payments_extras(rnd: Round, form_for) -> dict:  # noqa: ANN001
    """What the payments page adds for the treasurer: recording bank payments that came back."""
    return {
        "treasurer": is_treasurer(current_user, rnd.id),
        "returned_form": lambda t: form_for(ReturnedForm, f"returned-{t.id}"),
        "missing_way_to_pay": payouts.missing_way_to_pay,
    }


def _back(item: Contribution):  # noqa: ANN202
    return redirect(url_for("money.money_in", slug=item.pledge.round.slug))


def _with_reason(contribution_id: int, prefix: str, use_case, done: str):  # noqa: ANN001, ANN202
    """A treasurer's decision on a transfer that needs a reason: one use case, then back to money in.

    A missing or too short reason shows the money-in page again, the box open with what was typed."""
    item = db.get_or_404(Contribution, contribution_id)
    get_round(item.pledge.round.slug, check=is_treasurer)  # only the treasurer decides (403), so sees the form again
    form = ReasonForm(prefix=f"{prefix}-{item.id}")
    if not form.validate_on_submit():
        return money_in_page(item.pledge.round.slug, refused=(f"{prefix}-{item.id}", form))
    attempt(lambda: use_case(person=current_user, contribution_id=item.id, reason=form.reason.data), done)
    return _back(item)


@bp.route("/contributions/<int:contribution_id>/confirm", methods=["POST"])
def confirm_transfer(contribution_id: int):
    """The treasurer found the transfer on the bank statement."""
    item = db.get_or_404(Contribution, contribution_id)
    if FlaskForm().validate_on_submit():
        attempt(
            lambda: services.confirm_bank_transfer(person=current_user, contribution_id=item.id),
            _("Confirmed. The money is in the table's pot and on the public ledger."),
        )
    return _back(item)


@bp.route("/contributions/<int:contribution_id>/reject", methods=["POST"])
def reject_transfer(contribution_id: int):
    """The treasurer did not find the transfer on the bank statement."""
    return _with_reason(
        contribution_id,
        "reject",
        services.reject_bank_transfer,
        _("Marked as not found. The funder has been told; nothing joined the pot."),
    )


@bp.route("/contributions/<int:contribution_id>/reverse", methods=["POST"])
def reverse_transfer(contribution_id: int):
    """Correct a confirmed transfer by a reversing entry, with the reason."""
    return _with_reason(
        contribution_id,
        "reverse",
        services.reverse_contribution,
        _("Corrected. The reversal and your reason are on the public ledger."),
    )


@bp.route("/tables/<slug>/money-in/ceiling", methods=["POST"])
def set_ceiling(slug: str):
    """The convenors set the most one pledge or transfer to the table may be.

    An amount that is missing, not money or out of range shows the money-in page again with the
    problem and what was typed."""
    rnd = get_round(slug, check=is_convenor)
    form = CeilingForm(prefix="ceiling")

    def set_it() -> object:
        return services.set_money_in_ceiling(person=current_user, round_id=rnd.id, amount_pence=form.amount.data)

    if submitted(form, set_it, field="amount", success=_("Saved. The new limit is shown in the record of decisions.")):
        return redirect(url_for("money.money_in", slug=rnd.slug))
    return money_in_page(rnd.slug, ceiling_form=form)


@bp.route("/pledges/<int:pledge_id>/raise", methods=["GET", "POST"])
def raise_pledge(pledge_id: int):
    """A funder raises its pledge, so a larger transfer can be recorded against it."""
    item = get_pledge(pledge_id, check=acts_for_funder)
    form = RaisePledgeForm()

    def raise_it() -> object:
        return services.raise_pledge(person=current_user, pledge_id=item.id, amount_pence=form.amount.data)

    if submitted(form, raise_it, field="amount", success=_("Pledge raised. You can now record the transfer.")):
        return redirect(url_for("money.receive", pledge_id=item.id))
    return render_template("money/raise_pledge.html", form=form, pledge=item), (400 if form.errors else 200)
