"""Convenor pages for running a round."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from grants.ballots import closing
from grants.core import DomainError
from grants.extensions import db, limiter
from grants.flashing import submitted
from grants.models import PanelInvitation, PanelMember, Proposal, Round, RoundStaff, RoundStatus, StaffRole
from grants.money import ledger
from grants.public import pages
from grants.roles import is_convenor
from grants.rounds import bp, rules_text, services  # noqa: F401 - rules_text registers the quorum words
from grants.rounds.forms import MoveOnForm, RoundForm, StaffForm


def _round_for_convenor(slug: str) -> Round:
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    if not is_convenor(current_user, rnd.id):
        abort(403)
    return rnd


def _show_rule_problems(form: RoundForm, exc: services.BallotRulesDoNotFit) -> None:
    """Each problem beside the setting it is about, all at once."""
    for name, message in exc.problems:
        (form[name] if name in form else form.counting_rule).errors.append(message)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start a new table (a draft until published)."""
    form = RoundForm()
    if form.validate_on_submit():
        try:
            rnd = services.create_round(person=current_user, values=services.rules_from_form(form.data))
        except services.QuorumImpossible as exc:
            form[exc.field].errors.append(exc.message)
        except services.BallotRulesDoNotFit as exc:
            _show_rule_problems(form, exc)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash("Your table is saved as a draft. Check it, then publish it to open bids.", "success")
            return redirect(url_for("rounds.manage", slug=rnd.slug))
    return render_template("rounds/edit.html", form=form, rnd=None), (400 if form.errors else 200)


@bp.route("/<slug>/preview")
def preview(slug: str):
    """What the public page of a table will look like, for its convenors, also while it is a draft."""
    rnd = _round_for_convenor(slug)
    return render_template("public/round.html", preview=True, **pages.round_context(rnd))


@bp.route("/<slug>")
def manage(slug: str):
    """A convenor's view of a round: its stage, next step, proposals, panel and money."""
    rnd = _round_for_convenor(slug)
    proposals = (
        db.session.execute(select(Proposal).where(Proposal.round_id == rnd.id).order_by(Proposal.id)).scalars().all()
    )
    panel = (
        db.session.execute(select(PanelMember).where(PanelMember.round_id == rnd.id).order_by(PanelMember.id))
        .scalars()
        .all()
    )
    invitations = (
        db.session.execute(
            select(PanelInvitation).where(PanelInvitation.round_id == rnd.id, PanelInvitation.accepted_at.is_(None))
        )
        .scalars()
        .all()
    )
    staff = db.session.execute(select(RoundStaff).where(RoundStaff.round_id == rnd.id)).scalars().all()
    next_step = services.NEXT_STEP.get(rnd.status)
    return render_template(
        "rounds/manage.html",
        rnd=rnd,
        proposals=proposals,
        panel=panel,
        invitations=invitations,
        staff=staff,
        next_step=next_step,
        step_label=services.STEP_LABELS.get(next_step),
        money=ledger.round_summary(rnd.id),
        form=MoveOnForm(),
        early=services.early_move(rnd, next_step or ("close" if rnd.status is RoundStatus.VOTING else "")),
    )


@bp.route("/<slug>/rules", methods=["GET", "POST"])
def edit(slug: str):
    """Change the rules and timetable (refused once voting opens)."""
    rnd = _round_for_convenor(slug)
    form = RoundForm(data=services.form_data_from_round(rnd) if request.method == "GET" else None)
    if rnd.rules_frozen:
        return render_template("rounds/frozen.html", rnd=rnd), 409
    if form.validate_on_submit():
        try:
            services.change_rules(
                person=current_user,
                round_id=rnd.id,
                values=services.rules_from_form(form.data),
                reason=form.reason.data or "",
            )
        except services.RulesFrozen as exc:
            flash(exc.message, "error")
            return render_template("rounds/frozen.html", rnd=rnd), 409
        except services.QuorumImpossible as exc:
            form[exc.field].errors.append(exc.message)
        except services.BallotRulesDoNotFit as exc:
            _show_rule_problems(form, exc)
        except DomainError as exc:
            form.reason.errors.append(exc.message)
        else:
            flash("The rules are saved.", "success")
            return redirect(url_for("rounds.manage", slug=rnd.slug))
    return render_template("rounds/edit.html", form=form, rnd=rnd), (400 if form.errors else 200)


@bp.route("/<slug>/advance", methods=["POST"])
def advance(slug: str):
    """Move the round to its next stage."""
    rnd = _round_for_convenor(slug)
    form = MoveOnForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        to = RoundStatus(request.form.get("to", ""))
    except ValueError:
        abort(400)
    try:
        services.move_on(
            person=current_user,
            round_id=rnd.id,
            to=to,
            reason=form.reason.data or "",
            override_reason=form.override_reason.data or "",
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("rounds.manage", slug=rnd.slug)), 303
    flash(f"The table is now “{to.label}”.", "success")
    return redirect(url_for("rounds.manage", slug=rnd.slug))


@bp.route("/<slug>/close-voting", methods=["POST"])
def close_voting(slug: str):
    """Close voting and count the ballots under the published rules."""
    rnd = _round_for_convenor(slug)
    form = MoveOnForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = closing.close_voting_now(
            person=current_user,
            round_id=rnd.id,
            reason=form.reason.data or "",
            override_reason=form.override_reason.data or "",
        )
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(result.summary, "success" if result.quorum_met else "info")
    return redirect(url_for("rounds.manage", slug=rnd.slug))


@bp.route("/<slug>/staff", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ADD_PERSON_LIMIT"], key_func=lambda: f"person:{current_user.get_id()}",
               methods=["POST"], scope="add-staff")  # fmt: skip
def staff(slug: str):
    """Add a convenor or a treasurer."""
    rnd = _round_for_convenor(slug)
    form = StaffForm()

    def add() -> object:
        return services.add_staff(
            person=current_user, round_id=rnd.id, email=form.email.data, role=StaffRole(form.role.data)
        )

    # The same answer whether or not the address has an account (its owner is told by e-mail).
    success = (
        f"If {form.email.data} has an account, they now help run this table and we have told them. If not, "
        "we have e-mailed them to ask them to create one; add them again once they have."
    )
    if submitted(form, add, field="email", success=success):
        return redirect(url_for("rounds.manage", slug=rnd.slug))
    return render_template("rounds/staff.html", form=form, rnd=rnd), (400 if form.errors else 200)
