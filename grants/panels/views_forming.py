"""Forming the panel and agreeing how it works: the open call, the convenor's pool and
draw, stepping down, the plain-English rules page and the ground rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.core import DomainError
from grants.extensions import db
from grants.flashing import submitted
from grants.models import PanelVolunteer, RoundStatus, VolunteerStatus
from grants.panels import bp, conflicts, deliberation, formation, keep_input
from grants.panels.forms import ConfirmForm, GroundRulesForm, PanelSettingsForm, RulesResponseForm, VolunteerForm
from grants.panels.loading import panel_context, round_and_seat
from grants.roles import is_convenor, panel_seat
from grants.rounds.loading import get_round
from grants.security import any_of, public


@bp.route("/<slug>/volunteer", methods=["GET", "POST"])
@public
@keep_input.keeps_input
def volunteer(slug: str):
    """The open call: anyone can read it; sign in (or create an account) to volunteer."""
    rnd = get_round(slug, published=True)
    settings = formation.settings_for(rnd.id)
    form = VolunteerForm()
    mine = formation.my_volunteering(current_user, rnd.id) if current_user.is_authenticated else None

    def offer() -> object:
        return formation.volunteer(
            person=current_user,
            round_id=rnd.id,
            has_lived_experience=form.lived_experience.data == "yes",
            access_needs=form.access_needs.data or "",
            contact_by=form.contact_by.data,
            contact_details=form.contact_details.data or "",
        )

    thanks = _("Thank you for volunteering. We will be in touch the way you asked.")
    if current_user.is_authenticated and submitted(form, offer, field="lived_experience", success=thanks):
        return redirect(url_for("panels.volunteer", slug=rnd.slug))
    if mine is not None and not form.is_submitted():
        form.lived_experience.data = "yes" if mine.has_lived_experience else "no"
        form.access_needs.data = mine.access_needs
        form.contact_by.data = mine.contact_by
        form.contact_details.data = mine.contact_details
    keep_input.restore(form)
    return render_template(
        "panels/volunteer.html", rnd=rnd, settings=settings, form=form, mine=mine, confirm=ConfirmForm()
    ), (400 if form.errors else 200)


@bp.route("/<slug>/volunteer/withdraw", methods=["POST"])
def withdraw_volunteer(slug: str):
    """Take your name out of the pool."""
    rnd = get_round(slug, published=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        formation.withdraw_volunteer(person=current_user, round_id=rnd.id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Your name is out of the pool. Thank you for thinking of it."), "success")
    return redirect(url_for("panels.volunteer", slug=rnd.slug))


@bp.route("/<slug>/forming", methods=["GET", "POST"])
@keep_input.keeps_input
def forming(slug: str):
    """The convenor's page: the call, the pool and the panel's make-up (counts only), the draw."""
    rnd = get_round(slug, check=is_convenor)
    settings = formation.settings_for(rnd.id)
    form = PanelSettingsForm(obj=settings)

    def save() -> object:
        values = {name: form[name].data for name in (
            "call_text", "panel_size", "lived_experience_target_percent", "term_ends_on", "sources_of_help",
            "where_else_to_look", "easy_read")}  # fmt: skip
        for key in ("call_text", "sources_of_help", "where_else_to_look", "easy_read"):
            values[key] = (values[key] or "").strip()
        return formation.save_settings(person=current_user, round_id=rnd.id, values=values)

    if submitted(form, save, field="panel_size", success=_("Saved.")):
        return redirect(url_for("panels.forming", slug=rnd.slug))
    keep_input.restore(form)
    pool = list(
        db.session.execute(
            select(PanelVolunteer)
            .where(PanelVolunteer.round_id == rnd.id, PanelVolunteer.status != VolunteerStatus.WITHDRAWN)
            .order_by(PanelVolunteer.draw_position, PanelVolunteer.id)
        ).scalars()
    )
    return render_template(
        "panels/forming.html",
        rnd=rnd,
        settings=settings,
        form=form,
        make_up=formation.make_up(rnd.id),
        pool=pool,
        ties=conflicts.group_ties(rnd.id, {v.person_id for v in pool}),
        warning_for=conflicts.warning_for,
        confirm=ConfirmForm(),
    ), (400 if form.errors else 200)


def _convenor_action(slug: str, action, done: str):  # noqa: ANN001, ANN202
    rnd = get_round(slug, check=is_convenor)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(rnd)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("panels.forming", slug=rnd.slug))


@bp.route("/<slug>/forming/open-call", methods=["POST"])
def open_call(slug: str):
    """Open the public call for panel members."""
    return _convenor_action(
        slug, lambda r: formation.open_call(person=current_user, round_id=r.id, is_open=True), _("The call is open.")
    )


@bp.route("/<slug>/forming/close-call", methods=["POST"])
def close_call(slug: str):
    """Close the call: the pool is fixed and the draw's seed is published."""
    return _convenor_action(
        slug,
        lambda r: formation.open_call(person=current_user, round_id=r.id, is_open=False),
        _("The call is closed and the draw's seed is published."),
    )


@bp.route("/<slug>/forming/draw", methods=["POST"])
def draw(slug: str):
    """Run the fair draw with the published seed."""
    return _convenor_action(
        slug, lambda r: formation.run_draw(person=current_user, round_id=r.id), _("The panel has been drawn.")
    )


@bp.route("/<slug>/forming/substitute", methods=["POST"])
def call_substitute(slug: str):
    """Call in the next substitute from the draw."""
    return _convenor_action(
        slug,
        lambda r: formation.call_substitute(person=current_user, round_id=r.id),
        _("A substitute has been called in and told."),
    )


@bp.route("/<slug>/draw")
@public
def draw_record(slug: str):
    """The published draw: procedure, seed and order, so anyone can repeat it."""
    rnd = get_round(slug, published=True)
    return render_template(
        "panels/draw.html",
        rnd=rnd,
        settings=formation.settings_for(rnd.id),
        record=formation.draw_record(rnd.id),
        min_group=5,
    )


@bp.route("/<slug>/step-down", methods=["GET", "POST"])
def step_down(slug: str):
    """Step down from the panel at any time, after one check."""
    rnd, seat = round_and_seat(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        formation.step_down(person=current_user, round_id=rnd.id)
        flash(_("You have stepped down from the panel. Thank you for everything you gave."), "success")
        return redirect(url_for("auth.dashboard"))
    return render_template("panels/step_down.html", form=form, **panel_context(rnd, seat))


@bp.route("/<slug>/how-we-work")
@public
def how_we_work(slug: str):
    """The round's purpose, criteria, ballot, counting, quorum, conflicts and timetable, in plain English."""
    rnd = get_round(slug, published=True)
    seat = panel_seat(current_user, rnd.id) if current_user.is_authenticated else None
    return render_template(
        "panels/how_we_work.html",
        rnd=rnd,
        seat=seat,
        settings=formation.settings_for(rnd.id),
        RoundStatus=RoundStatus,
        confirm=ConfirmForm(),
    )


@bp.route("/<slug>/ground-rules", methods=["GET", "POST"])
@keep_input.keeps_input
def ground_rules(slug: str):
    """The panel's ground rules: written by the convenor or facilitator, agreed by every member."""
    rnd = get_round(slug, check=any_of(panel_seat, is_convenor, deliberation.is_facilitator))
    seat = panel_seat(current_user, rnd.id)
    may_write = is_convenor(current_user, rnd.id) or deliberation.is_facilitator(current_user, rnd.id)
    status = deliberation.rules_status(rnd.id, current_user)
    write_form = GroundRulesForm(prefix="w")
    answer_form = RulesResponseForm(prefix="a")
    which = request.form.get("which")

    def write() -> object:
        return deliberation.write_ground_rules(person=current_user, round_id=rnd.id, text=write_form.text.data)

    def answer() -> object:
        return deliberation.respond_to_ground_rules(
            person=current_user,
            round_id=rnd.id,
            agreed=answer_form.answer.data == "agree",
            suggestion=answer_form.suggestion.data or "",
        )

    saved = _("The ground rules are saved. Every member is asked to agree them.")
    if may_write and which == "write" and submitted(write_form, write, field="text", success=saved):
        return redirect(url_for("panels.ground_rules", slug=rnd.slug))
    thanks = _("Thank you. Your answer is recorded.")
    if seat is not None and which == "answer" and submitted(answer_form, answer, field="suggestion", success=thanks):
        return redirect(url_for("panels.ground_rules", slug=rnd.slug))
    if not write_form.text.data:
        write_form.text.data = status.rules.text if status.rules else deliberation.GROUND_RULES_TEMPLATE
    keep_input.restore(answer_form)
    keep_input.restore(write_form)
    errors = bool(write_form.errors or answer_form.errors)
    return render_template(
        "panels/ground_rules.html",
        status=status,
        may_write=may_write,
        write_form=write_form,
        answer_form=answer_form,
        **panel_context(rnd, seat),
    ), (400 if errors else 200)
