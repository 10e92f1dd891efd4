"""Convenor pages for running a round."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, undefer

from grants import language, paging
from grants.core import DomainError, Problems
from grants.extensions import db, limiter
from grants.fields import AnswerForm
from grants.flashing import submitted
from grants.ledger import books
from grants.models import PanelInvitation, PanelMember, Proposal, RoundStaff, RoundStatus, StaffRole
from grants.models.rounds import RULES_FOR_BALLOT
from grants.roles import is_convenor
from grants.rounds import bp, rules_text, services, setup  # noqa: F401 - rules_text registers the quorum words
from grants.rounds.forms import (
    BALLOT_SETTINGS_PAGES,
    SETUP_PAGES,
    ConfirmForm,
    MoveOnForm,
    PurposePage,
    RoundForm,
    StaffForm,
)
from grants.rounds.loading import get_round


def _show_rule_problems(form: RoundForm, exc: services.BallotRulesDoNotFit) -> None:
    """Each problem beside the setting it is about, all at once."""
    for name, message in exc.problems:
        box = form[name] if name in form else form.counting_rule
        box.errors = [*box.errors, message]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start a new table: its name and purpose, the first part of its task list (a draft until published)."""
    form = PurposePage()
    if request.method == "GET":
        form.languages.data = [language.chosen()]
    if form.validate_on_submit():
        try:
            rnd = setup.start_draft(person=current_user, versions=services.versions_from_form(form.data))
        except Problems as exc:
            _show_problems(form, exc.problems)
        else:
            flash(
                _("Your table is saved as a draft. Answer each part of the list, then check and publish it."), "success"
            )
            return redirect(url_for("rounds.setup_list", slug=rnd.slug))
    return render_template("rounds/setup_page.html", form=form, rnd=None, page=setup.PAGE["purpose"]), (
        400 if form.errors else 200
    )


def _show_problems(form, problems: list[tuple[str, str]]) -> None:  # noqa: ANN001
    """Each problem beside the box it is about (or the form's first box), all at once."""
    for name, message in problems:
        name = FORM_NAMES.get(name, name)
        box = form[name] if name in form else next(iter(form))
        box.errors = [*box.errors, message]


def _with_languages(data: dict, rnd) -> dict:  # noqa: ANN001
    """A form's data, keeping the table's languages when the form did not ask which."""
    return data if data.get("languages") is not None else data | {"languages": rnd.languages}


def _draft_for_convenor(slug: str):  # noqa: ANN202
    """The convenor's draft, or where to go instead: the rules page once published, 409 once frozen."""
    rnd = get_round(slug, check=is_convenor)
    if rnd.rules_frozen:
        return rnd, (render_template("rounds/frozen.html", rnd=rnd), 409)
    if rnd.is_published:
        return rnd, redirect(url_for("rounds.edit", slug=rnd.slug))
    return rnd, None


@bp.route("/<slug>/setup")
def setup_list(slug: str):
    """A draft table's task list: each part with its status, and the way to check and publish."""
    rnd, elsewhere = _draft_for_convenor(slug)
    if elsewhere is not None:
        return elsewhere
    status = setup.statuses(rnd)
    done = sum(1 for s in status.values() if s == setup.COMPLETED)
    return render_template("rounds/setup.html", rnd=rnd, tasks=setup.TASKS, status=status, done=done)


def _page_form(rnd, page: str):  # noqa: ANN001, ANN202
    cls = BALLOT_SETTINGS_PAGES[rnd.ballot_type] if page == "ballot-settings" else SETUP_PAGES[page]
    return cls(data=services.form_data_from_round(rnd) if request.method == "GET" else None)


def _page_values(rnd, form) -> dict:  # noqa: ANN001
    """The page's answers as model values, read through the same conversion as the rules form."""
    merged = services.form_data_from_round(rnd) | {
        k: v for k, v in form.data.items() if k != "csrf_token" and not (k == "languages" and v is None)
    }
    return services.rules_from_form(merged), services.versions_from_form(merged)


FORM_NAMES = {"max_grant_pence": "max_grant", "receipts_on": "receipts"}


@bp.route("/<slug>/setup/<page>", methods=["GET", "POST"])
def setup_page(slug: str, page: str):
    """One short page of a draft's task list; saved to the draft when sent."""
    if page not in setup.PAGE:
        abort(404)
    rnd, elsewhere = _draft_for_convenor(slug)
    if elsewhere is not None:
        return elsewhere
    form = _page_form(rnd, page)
    if form.validate_on_submit():
        try:
            values, versions = _page_values(rnd, form)
            setup.save_page(person=current_user, round_id=rnd.id, page=page, values=values, versions=versions)
        except services.QuorumImpossible as exc:
            form[exc.field].errors.append(exc.message)
        except services.BallotRulesDoNotFit as exc:
            for name, message in exc.problems:
                name = FORM_NAMES.get(name, name)
                (form[name] if name in form else next(iter(form))).errors.append(message)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("rounds.setup_list", slug=rnd.slug))
        else:
            if page == "ballot":
                return redirect(url_for("rounds.setup_page", slug=rnd.slug, page="ballot-settings"))
            return redirect(url_for("rounds.setup_list", slug=rnd.slug))
    allowed = [r.value for r in RULES_FOR_BALLOT[rnd.ballot_type]] if page == "counting" else None
    return render_template(
        "rounds/setup_page.html", form=form, rnd=rnd, page=setup.PAGE[page], allowed_rules=allowed
    ), (400 if form.errors else 200)


@bp.route("/<slug>/setup/check", methods=["GET", "POST"])
def setup_check(slug: str):
    """Check every answer, each with its own Change link, then publish the table and open it for bids."""
    rnd = get_round(slug, check=is_convenor)
    form = ConfirmForm()
    problem = None
    problems: list[tuple[str, str]] = []
    if rnd.is_published or rnd.rules_frozen:
        problem = _("This table is already published. Change its rules on its rules page, saying why.")
    elif form.validate_on_submit():
        try:
            setup.publish(person=current_user, round_id=rnd.id)
        except Problems as exc:
            # Each missing text, linked to its box on the page that asks for it.
            problems = [
                (url_for("rounds.setup_page", slug=rnd.slug, page=setup.page_of_box(box)) + f"#{box}", message)
                for box, message in exc.problems
            ]
        except DomainError as exc:
            problem = exc.message
        else:
            flash(_("Your table is published and open for bids."), "success")
            return redirect(url_for("rounds.manage", slug=rnd.slug))
    status = setup.statuses(rnd)
    rows = setup.answers(rnd)
    code = 409 if rnd.is_published else 400 if problem or problems or form.errors else 200
    return render_template(
        "rounds/setup_check.html",
        rnd=rnd,
        form=form,
        rows=rows,
        problem=problem,
        problems=problems,
        left=setup.unfinished_tasks(rnd),
        status=status,
    ), code


@bp.route("/<slug>")
def manage(slug: str):
    """A convenor's view of a round: its stage, next step, proposals, panel and money."""
    rnd = get_round(slug, check=is_convenor)
    # A table with thousands of bids: its proposals a page at a time (?page=N), like the public page.
    count = db.session.execute(select(func.count(Proposal.id)).where(Proposal.round_id == rnd.id)).scalar_one()
    rows = paging.window(count, request.args.get("page", type=int))
    proposals = (
        db.session.execute(
            select(Proposal)
            .where(Proposal.round_id == rnd.id)
            .order_by(Proposal.id)
            .offset(rows.start)
            .limit(rows.per_page)
            .options(selectinload(Proposal.group), undefer(Proposal.language), selectinload(Proposal.texts))
        )
        .scalars()
        .all()
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
        proposal_count=count,
        rows=rows,
        panel=panel,
        invitations=invitations,
        staff=staff,
        staff_waiting=services.open_staff_invitations(rnd.id),
        next_step=next_step,
        step_label=_(services.STEP_LABELS[next_step]) if next_step in services.STEP_LABELS else None,
        money=books.round_summary(rnd.id),
        form=MoveOnForm(),
        early=services.early_move(rnd, next_step or ("close" if rnd.status is RoundStatus.VOTING else "")),
        setup_left=setup.unfinished_tasks(rnd) if rnd.status is RoundStatus.DRAFT else [],
    )


@bp.route("/<slug>/rules", methods=["GET", "POST"])
def edit(slug: str):
    """Change the rules and timetable (refused once voting opens)."""
    rnd = get_round(slug, check=is_convenor)
    form = RoundForm(data=services.form_data_from_round(rnd) if request.method == "GET" else None)
    if rnd.rules_frozen:
        return render_template("rounds/frozen.html", rnd=rnd), 409
    if form.validate_on_submit():
        data = _with_languages(form.data, rnd)
        try:
            services.change_rules(
                person=current_user,
                round_id=rnd.id,
                values=services.rules_from_form(data),
                reason=form.reason.data or "",
                versions=services.versions_from_form(data),
            )
        except services.RulesFrozen as exc:
            flash(exc.message, "error")
            return render_template("rounds/frozen.html", rnd=rnd), 409
        except services.BallotRulesDoNotFit as exc:
            _show_rule_problems(form, exc)
        except DomainError as exc:
            form.reason.errors.append(exc.message)
        else:
            flash(_("The rules are saved."), "success")
            return redirect(url_for("rounds.manage", slug=rnd.slug))
    elif form.is_submitted():
        _and_the_settings_problems(form, rnd.id)
    return render_template("rounds/edit.html", form=form, rnd=rnd), (400 if form.errors else 200)


def _and_the_settings_problems(form: RoundForm, round_id: int) -> None:
    """A form refused for some boxes also says what in its ballot, counting and quorum settings cannot work,
    so every problem shows at once rather than one more each time it is sent."""
    try:
        values = services.ballot_values_from_form(form.data)
    except ValueError:  # a choice that is none of the options: its own box says so already
        return
    for name, message in services.settings_problems(values, round_id):
        box = form[name] if name in form else form.counting_rule
        if message not in box.errors:
            box.errors = [*box.errors, message]


@bp.route("/<slug>/advance", methods=["POST"])
def advance(slug: str):
    """Move the round to its next stage."""
    rnd = get_round(slug, check=is_convenor)
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
    flash(_("The table is now “%(stage)s”.", stage=to.label), "success")
    return redirect(url_for("rounds.manage", slug=rnd.slug))


@bp.route("/<slug>/staff", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ADD_PERSON_LIMIT"], key_func=lambda: f"person:{current_user.get_id()}",
               methods=["POST"], scope="add-staff")  # fmt: skip
def staff(slug: str):
    """Add a convenor or a treasurer."""
    rnd = get_round(slug, check=is_convenor)
    form = StaffForm()

    def add() -> object:
        return services.invite_staff(
            person=current_user, round_id=rnd.id, email=form.email.data, role=StaffRole(form.role.data)
        )

    # The same answer whether or not the address has an account (its owner is told by e-mail).
    success = (
        f"We have e-mailed {form.email.data} an invitation. They help run this table once they say yes, "
        "signed in with that address; until then they are listed under “Waiting for an answer”."
    )
    if submitted(form, add, field="email", success=success):
        return redirect(url_for("rounds.manage", slug=rnd.slug))
    return render_template("rounds/staff.html", form=form, rnd=rnd), (400 if form.errors else 200)


@bp.route("/invitations/<int:invitation_id>", methods=["POST"])
def answer_invitation(invitation_id: int):
    """Say yes or no to an invitation to help run a table."""
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        staff = services.answer_staff_invitation(
            person=current_user, invitation_id=invitation_id, accept=form.answer.data == "yes"
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.invitations"))
    if staff is None:
        flash(_("You said no to the invitation. Nobody else is told why."), "success")
        return redirect(url_for("auth.invitations"))
    flash(_("You now help run %(title)s as a %(role)s.", title=staff.round.title, role=_(staff.role.value)), "success")
    if staff.role is StaffRole.CONVENOR:
        return redirect(url_for("rounds.manage", slug=staff.round.slug))
    return redirect(url_for("auth.dashboard"))  # a treasurer's tables are listed there
