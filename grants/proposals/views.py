"""Bid pages for group members."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants import language
from grants.core import DomainError
from grants.extensions import db
from grants.language import written
from grants.models import Group, GroupMembership, Proposal
from grants.proposals import bp, services
from grants.proposals.forms import BLANK_LINES, ProposalForm, SubmitForm, use_easy_read
from grants.proposals.loading import get_proposal, with_budget
from grants.roles import is_group_member
from grants.rounds.loading import get_round


def _my_groups() -> list[Group]:
    return list(
        db.session.execute(
            select(Group)
            .join(GroupMembership, GroupMembership.group_id == Group.id)
            .where(GroupMembership.person_id == current_user.id)
            .order_by(Group.name)
        ).scalars()
    )


def _form_for(proposal: Proposal | None) -> ProposalForm:
    if request.method == "POST" or proposal is None:
        form = ProposalForm()
        if proposal is not None:
            form.current_languages = proposal.languages
        elif request.method == "GET":
            form.languages.data = [language.chosen()]  # a new bid starts in the writer's own language
        return form
    data = written.as_form_data(proposal)
    data["agreed_to_be_named"] = proposal.agreed_to_be_named
    # Each line's item in the bid's own language in its plain box, in each further language in that language's.
    data["lines"] = [
        {"item": b.item, "amount": b.amount_pence, **{written.field_id("item", t.language): t.item for t in b.texts}}
        for b in proposal.budget_lines
    ]
    form = ProposalForm(data=data)
    for _blank in range(BLANK_LINES):
        form.lines.append_entry()
    return form


def _easy_read(form: ProposalForm) -> bool:
    """The applicant chose the Easy Read version (?read=easy, kept when the form is sent)."""
    if request.args.get("read") != "easy":
        return False
    use_easy_read(form)
    return True


@bp.route("/new/<slug>", methods=["GET", "POST"])
def new(slug: str):
    """Start a bid to a table for one of your groups."""
    rnd = get_round(slug)
    groups = _my_groups()
    group = next((g for g in groups if g.slug == request.args.get("group")), None)
    if group is None and len(groups) == 1:
        group = groups[0]
    if group is None:
        return render_template("proposals/choose_group.html", rnd=rnd, groups=groups)
    if not rnd.accepts_bids:
        flash(_("This table is not open for bids."), "error")
        return redirect(url_for("public.round", slug=rnd.slug))
    form = _form_for(None)
    form.max_grant_pence = rnd.max_grant_pence
    easy = _easy_read(form)
    if form.validate_on_submit():
        try:
            proposal = services.start_proposal(
                person=current_user, round_id=rnd.id, group_id=group.id, fields=form.data, lines=form.budget_lines()
            )
        except services.OverMaxGrant as exc:
            form.lines.errors.append(exc.message)  # shown on the budget, with the other problems
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            return redirect(url_for("proposals.check", proposal_id=proposal.id))
    form.name_line_boxes()
    return render_template("proposals/edit.html", form=form, rnd=rnd, group=group, proposal=None, easy=easy), (
        400 if form.errors else 200
    )


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id: int):
    """Change a proposal while bids are open."""
    proposal = with_budget(get_proposal(proposal_id, check=is_group_member))
    form = _form_for(proposal)
    form.max_grant_pence = proposal.round.max_grant_pence
    easy = _easy_read(form)
    if form.validate_on_submit():
        try:
            services.update_proposal(
                person=current_user, proposal_id=proposal.id, fields=form.data, lines=form.budget_lines()
            )
        except services.OverMaxGrant as exc:
            form.lines.errors.append(exc.message)  # shown on the budget, with the other problems
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            return redirect(url_for("proposals.check", proposal_id=proposal.id))
    form.name_line_boxes()
    return render_template(
        "proposals/edit.html", form=form, rnd=proposal.round, group=proposal.group, proposal=proposal, easy=easy
    ), (400 if form.errors else 200)


@bp.route("/<int:proposal_id>/check")
def check(proposal_id: int):
    """Check your answers before submitting."""
    proposal = with_budget(get_proposal(proposal_id, check=is_group_member))
    return render_template("proposals/check.html", proposal=proposal, form=SubmitForm())


@bp.route("/<int:proposal_id>/submit", methods=["POST"])
def submit(proposal_id: int):
    """Submit the proposal."""
    proposal = get_proposal(proposal_id, check=is_group_member)
    if not SubmitForm().validate_on_submit():
        abort(400)
    try:
        services.submit_proposal(person=current_user, proposal_id=proposal.id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("proposals.check", proposal_id=proposal.id))
    flash(_("Your proposal is submitted. You can still change it until bids close."), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>")
def show(proposal_id: int):
    """A proposal as its group sees it."""
    proposal = with_budget(get_proposal(proposal_id, check=is_group_member))
    return render_template("proposals/show.html", proposal=proposal)
