"""Panel pages: invitations, the panel home, reading and discussing proposals, pausing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import grants.panels.views_care  # noqa: F401 - registers its routes
import grants.panels.views_forming  # noqa: F401 - registers its routes
from grants.ballots.services import ballot_proposals
from grants.core import DomainError
from grants.extensions import db
from grants.flashing import submitted
from grants.models import InterestDeclaration, PanelRole, Participation, Round
from grants.panels import bp, conflicts, deliberation, keep_input, services, wellbeing
from grants.panels.forms import CommentForm, ConfirmForm, InterestForm, InviteForm
from grants.panels.loading import panel_context, round_and_seat
from grants.panels.proposal_page import proposal_page
from grants.proposals.loading import get_proposal
from grants.roles import is_convenor
from grants.rounds.loading import get_round
from grants.security import public, safe_next

keep_input.init_app(bp)


@bp.route("/<slug>/invite", methods=["GET", "POST"])
def invite(slug: str):
    """A convenor invites panel members by e-mail link."""
    rnd = get_round(slug, check=is_convenor)
    form = InviteForm()

    def invite_them() -> object:
        return services.invite(
            person=current_user,
            round_id=rnd.id,
            email=form.email.data,
            role=PanelRole(form.role.data),
            link_for=lambda token: url_for("panels.accept", token=token, _external=True),
        )

    success = _("Invitation sent to %(email)s.", email=form.email.data)
    if form.email.data and (ties := conflicts.ties_for_email(rnd.id, form.email.data)):
        success += " " + conflicts.warning_for(ties)
    if submitted(form, invite_them, field="email", success=success):
        return redirect(url_for("rounds.manage", slug=rnd.slug))
    return render_template("panels/invite.html", form=form, rnd=rnd), (400 if form.errors else 200)


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    """Accept an invitation to a panel (sign in or create an account first)."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render_template("panels/invitation_invalid.html"), 404
    if not current_user.is_authenticated:
        return render_template(
            "panels/accept.html", invitation=invitation, form=None, token=token, next_url=request.path
        )  # every "Sign in" and "Create an account" link on the page comes back here
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            lived = request.form.get("lived_experience")
            services.accept_invitation(
                person=current_user,
                token=token,
                has_lived_experience={"yes": True, "no": False}.get(lived or ""),
            )
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("auth.dashboard"))
        flash(_("Welcome to the panel for %(title)s.", title=invitation.round.title), "success")
        return redirect(url_for("panels.home", slug=invitation.round.slug))
    return render_template("panels/accept.html", invitation=invitation, form=form, token=token)


@bp.route("/<slug>")
def home(slug: str):
    """A panel member's page: the proposals to read, voting, pausing and support."""
    rnd, seat = round_and_seat(slug)
    proposals = ballot_proposals(rnd.id)
    conflicts = set(
        db.session.execute(
            select(InterestDeclaration.proposal_id).where(
                InterestDeclaration.round_id == rnd.id, InterestDeclaration.person_id == current_user.id
            )
        ).scalars()
    )
    voted = (
        db.session.execute(
            select(Participation.id).where(Participation.round_id == rnd.id, Participation.person_id == current_user.id)
        ).first()
        is not None
    )
    return render_template(
        "panels/home.html",
        proposals=proposals,
        conflicts=conflicts,
        voted=voted,
        form=ConfirmForm(),
        rules=deliberation.rules_status(rnd.id, current_user),
        my_time=wellbeing.my_time(current_user, rnd.id),
        **panel_context(rnd, seat),
    )


@bp.route("/<slug>/proposals/<int:proposal_id>", methods=["GET", "POST"])
@keep_input.keeps_input
def proposal(slug: str, proposal_id: int):
    """Read a proposal, the panel's comments and questions on it; add a comment."""
    rnd, seat = round_and_seat(slug)
    item = get_proposal(proposal_id, round_id=rnd.id)
    if not item.is_submitted:
        abort(404)
    form = CommentForm()

    def comment() -> object:
        return services.add_comment(
            person=current_user,
            proposal_id=item.id,
            body=form.body.data,
            anonymous_to_peers=bool(form.anonymous_to_peers.data),
        )

    if submitted(form, comment, field="body", success=_("Your comment is added. Only the panel can see it.")):
        return redirect(url_for("panels.proposal", slug=rnd.slug, proposal_id=item.id))
    keep_input.restore(form)
    return proposal_page(rnd, seat, item, form)


@bp.route("/<slug>/proposals/<int:proposal_id>/interest", methods=["POST"])
def declare_interest(slug: str, proposal_id: int):
    """Declare, or update, a conflict of interest with a proposal.

    Sent from the proposal's page or the conflicts register; a refusal is shown on the page it came from,
    beside the box, with what was typed kept."""
    rnd, seat = round_and_seat(slug)
    item = get_proposal(proposal_id, round_id=rnd.id)
    form = InterestForm()

    def declare() -> object:
        return services.declare_interest(person=current_user, proposal_id=item.id, nature=form.nature.data)

    thanks = _("Thank you. You stand aside from this proposal: you will not vote on it.")
    if submitted(form, declare, field="nature", success=thanks):
        return redirect(safe_next(request.form.get("next")) or url_for("panels.proposal", slug=rnd.slug,
                                                                          proposal_id=item.id))  # fmt: skip
    if request.form.get("next") == url_for("panels.conflicts", slug=rnd.slug):
        return grants.panels.views_care.conflicts_page(rnd, refused=(item.id, form))
    return proposal_page(rnd, seat, item, CommentForm(formdata=None), interest_form=form)


def _back(rnd: Round) -> str:
    return safe_next(request.form.get("next")) or url_for("panels.home", slug=rnd.slug)


@bp.route("/<slug>/pause", methods=["POST"])
def pause(slug: str):
    """Pause taking part. No reason is asked; undo it at any time."""
    rnd, _seat = round_and_seat(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_paused(person=current_user, round_id=rnd.id, paused=True)
    flash(_("You have paused. You will get no reminders. Come back whenever you like."), "success")
    return redirect(_back(rnd))


@bp.route("/<slug>/resume", methods=["POST"])
def resume(slug: str):
    """Take part again after a pause."""
    rnd, _seat = round_and_seat(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_paused(person=current_user, round_id=rnd.id, paused=False)
    flash(_("Welcome back."), "success")
    return redirect(_back(rnd))
