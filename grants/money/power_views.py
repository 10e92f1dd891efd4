"""Pages for who may act on a table's money: the convenors accept funders and set the amount
above which a release needs a second person; a second person approves a release."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from grants.extensions import db
from grants.flashing import attempt, submitted
from grants.models import Funder, Pledge, TableFunder, TableFunderStatus, Tranche
from grants.money import bp, power
from grants.money.forms import InviteFunderForm, SecondPersonForm
from grants.money_format import format_pence
from grants.roles import is_convenor
from grants.rounds.loading import get_round


@bp.route("/tables/<slug>/funders", methods=["GET", "POST"])
def table_funders(slug: str):
    """The convenors' page: funders that offered, were invited or were accepted, and the second-person amount."""
    rnd = get_round(slug, check=is_convenor)
    places = (
        db.session.execute(
            select(TableFunder).where(TableFunder.round_id == rnd.id).order_by(TableFunder.status, TableFunder.id)
        )
        .scalars()
        .all()
    )
    pledged = dict(
        db.session.execute(
            select(Pledge.funder_id, db.func.sum(Pledge.amount_pence))
            .where(Pledge.round_id == rnd.id)
            .group_by(Pledge.funder_id)
        ).all()
    )
    invite = InviteFunderForm(prefix="invite")
    placed = {p.funder_id for p in places if p.status is not TableFunderStatus.DECLINED}
    invite.funder_id.choices = [
        SelectChoice(f.id, f.name)
        for f in db.session.execute(select(Funder).order_by(Funder.name)).scalars()
        if f.id not in placed
    ]
    rule = SecondPersonForm(prefix="rule")
    above = power.second_person_above(rnd.id)
    if not rule.is_submitted():
        rule.amount.data = above
    if request.method == "POST" and "invite-funder_id" in request.form:
        if submitted(
            invite,
            lambda: power.invite_funder(person=current_user, round_id=rnd.id, funder_id=invite.funder_id.data),
            field="funder_id",
            success=_("Invited. The funder takes part once it pledges."),
        ):
            return redirect(url_for("money.table_funders", slug=rnd.slug))
    elif request.method == "POST":
        if submitted(
            rule,
            lambda: power.set_second_person_above(person=current_user, round_id=rnd.id, amount_pence=rule.amount.data),
            field="amount",
            success=_("Saved. The rule is shown in the table's public record."),
        ):
            return redirect(url_for("money.table_funders", slug=rnd.slug))
    return render_template(
        "money/table_funders.html",
        rnd=rnd,
        places=places,
        pledged=pledged,
        invite=invite,
        rule=rule,
        above=above,
        plain_form=FlaskForm(),
    ), (400 if invite.errors or rule.errors else 200)


@bp.route("/table-funders/<int:place_id>/decide", methods=["POST"])
def decide_funder(place_id: int):
    """The convenors accept or decline a funder's offer."""
    place = db.get_or_404(TableFunder, place_id)
    form = FlaskForm()
    if form.validate_on_submit():
        accept = request.form.get("decision") == "accept"
        attempt(
            lambda: power.decide_offer(person=current_user, table_funder_id=place.id, accept=accept),
            _("%(funder)s is accepted: it now funds this table.", funder=place.funder.name)
            if accept
            else _("%(funder)s is declined.", funder=place.funder.name),
        )
    return redirect(url_for("money.table_funders", slug=place.round.slug))


@bp.route("/tranches/<int:tranche_id>/approve", methods=["POST"])
def approve(tranche_id: int):
    """A second person approves a release above the table's amount."""
    tranche = db.get_or_404(Tranche, tranche_id)
    form = FlaskForm()
    if form.validate_on_submit():
        attempt(
            lambda: power.approve_release(person=current_user, tranche_id=tranche.id),
            _(
                "Approved. %(amount)s to %(payee)s can now be sent.",
                amount=format_pence(tranche.amount_pence),
                payee=tranche.payee_name,
            ),
        )
    else:
        flash(_("The form had expired. Please try again."), "error")
    return redirect(url_for("money.round_payments", slug=tranche.award.round.slug))


@bp.app_template_global()
def table_place(round_id: int, funder_id: int) -> TableFunder | None:
    """For a funder's pages: its place on a table (accepted, offered, invited, declined)."""
    return power.table_funder(round_id, funder_id)
