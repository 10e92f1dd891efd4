"""Group pages for members."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.core import DomainError
from grants.extensions import db, limiter
from grants.fields import AnswerForm
from grants.flashing import submitted
from grants.groups import bp, services
from grants.groups.forms import GroupForm, MemberForm
from grants.groups.loading import get_group, is_lead
from grants.models import GroupMembership, GroupRole, Proposal, Round, RoundStatus
from grants.roles import is_group_member


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Register a group."""
    form = GroupForm()
    if form.validate_on_submit():
        group = services.register_group(
            person=current_user,
            name=form.name.data,
            description=form.description.data,
            is_lived_experience_led=form.is_lived_experience_led.data,
            contact_email=form.contact_email.data,
            registered_number=form.registered_number.data,
            host_organisation=form.host_organisation.data,
        )
        flash(_("%(group)s is registered. You are its lead.", group=group.name), "success")
        return redirect(url_for("groups.show", slug=group.slug))
    return render_template("groups/new.html", form=form), (400 if form.errors else 200)


@bp.route("/<slug>/manage")
def show(slug: str):
    """A group's own page: its members, its proposals and tables open for bids."""
    group = get_group(slug, check=is_group_member)
    members = db.session.execute(select(GroupMembership).where(GroupMembership.group_id == group.id)).scalars().all()
    proposals = (
        db.session.execute(select(Proposal).where(Proposal.group_id == group.id).order_by(Proposal.created_at.desc()))
        .scalars()
        .all()
    )
    open_rounds = (
        db.session.execute(select(Round).where(Round.status == RoundStatus.OPEN_FOR_BIDS).order_by(Round.bids_close_at))
        .scalars()
        .all()
    )
    is_lead = is_group_member(current_user, group.id, GroupRole.LEAD)
    return render_template(
        "groups/show.html",
        group=group,
        members=members,
        waiting=services.open_invitations(group.id) if is_lead else [],
        proposals=proposals,
        open_rounds=open_rounds,
        is_lead=is_lead,
    )


def same_answer(email: str) -> str:
    """The same answer whether or not the address has an account (its owner is told by e-mail)."""
    return _(
        "We have e-mailed %(email)s an invitation. They join the group when they say yes, signed in with that "
        "address; until then they are listed under “Waiting for an answer”.",
        email=email,
    )


@bp.route("/invitations/<int:invitation_id>", methods=["POST"])
def answer(invitation_id: int):
    """Say yes or no to an invitation."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    accept = form.answer.data == "yes"
    try:
        membership = services.answer_invitation(person=current_user, invitation_id=invitation_id, accept=accept)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.invitations"))
    if membership is None:
        flash(_("You said no to the invitation. Nobody else is told why."), "success")
        return redirect(url_for("auth.invitations"))
    flash(_("You have joined %(group)s.", group=membership.group.name), "success")
    return redirect(url_for("groups.show", slug=membership.group.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    """A lead changes the group's name and details."""
    group = get_group(slug, check=is_lead)
    form = GroupForm(obj=group)

    def save() -> object:
        return services.update_group(
            person=current_user,
            group_id=group.id,
            name=form.name.data,
            description=form.description.data,
            is_lived_experience_led=form.is_lived_experience_led.data,
            contact_email=form.contact_email.data,
            registered_number=form.registered_number.data,
            host_organisation=form.host_organisation.data,
        )

    if submitted(form, save, field="name", success=_("The group's details are saved.")):
        return redirect(url_for("groups.show", slug=group.slug))
    return render_template("groups/edit.html", form=form, group=group), (400 if form.errors else 200)


@bp.route("/<slug>/members", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ADD_PERSON_LIMIT"], key_func=lambda: f"person:{current_user.get_id()}",
               methods=["POST"], scope="add-member")  # fmt: skip
def add_member(slug: str):
    """Add a member (leads only)."""
    group = get_group(slug, check=is_lead)
    form = MemberForm()

    def add() -> object:
        return services.invite_member(
            person=current_user, group_id=group.id, email=form.email.data, role=GroupRole(form.role.data)
        )

    # The same answer whether or not the address has an account (its owner is told by e-mail).
    if submitted(form, add, field="email", success=same_answer(form.email.data)):
        return redirect(url_for("groups.show", slug=group.slug))
    return render_template("groups/add_member.html", form=form, group=group), (400 if form.errors else 200)
