"""Deliberation and care pages: the conflicts register, hiding posts, questions to
groups, meetings, looking after yourself, deadlines, content notes, feedback and reflection."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from grants.ballots.services import ballot_proposals
from grants.core import DomainError
from grants.extensions import db
from grants.flashing import attempt, submitted
from grants.inputs import is_whole
from grants.models import Meeting, Proposal, Round
from grants.panels import bp, deliberation, formation, keep_input, wellbeing
from grants.panels.forms import (
    AnswerForm,
    CommentForm,
    ConfirmForm,
    ContentNoteForm,
    ExtendForm,
    FeedbackForm,
    HideForm,
    InterestForm,
    MeetingForm,
    PreferencesForm,
    QuestionForm,
    ReflectionForm,
    TimeForm,
)
from grants.panels.loading import get_comment, get_meeting, panel_context, round_and_seat
from grants.panels.proposal_page import proposal_page
from grants.proposals.loading import get_proposal
from grants.roles import is_convenor, is_group_member, panel_seat
from grants.rounds.loading import get_round
from grants.security import allowed_or_403, any_of

# Conflicts register -------------------------------------------------------------------------


@bp.route("/<slug>/conflicts")
def conflicts(slug: str):
    """Your conflicts register: every proposal, what you declared, and changes while allowed.

    The convenor and facilitators also see the whole register and its history: it is part of the decision.
    """
    rnd = get_round(slug, check=any_of(panel_seat, is_convenor, deliberation.is_facilitator))
    return conflicts_page(rnd)


def conflicts_page(rnd: Round, refused: tuple[int, InterestForm] | None = None):  # noqa: ANN201
    """The conflicts register; `refused` is a declaration (proposal id, form) shown again with its problem."""
    seat = panel_seat(current_user, rnd.id)
    sees_all = is_convenor(current_user, rnd.id) or deliberation.is_facilitator(current_user, rnd.id)
    people = {p.id: p for p in deliberation.panel_people(rnd.id)}
    problems = [(f"nature-{refused[0]}", m) for errors in refused[1].errors.values() for m in errors] if refused else []
    return render_template(
        "panels/conflicts.html",
        refused_id=refused[0] if refused else None,
        refused_form=refused[1] if refused else None,
        problems=problems,
        proposals=ballot_proposals(rnd.id),
        mine=deliberation.my_register(current_user, rnd.id) if seat else {},
        register=deliberation.round_register(rnd.id) if sees_all else None,
        history=deliberation.register_history(rnd.id) if sees_all else None,
        people=people,
        sees_all=sees_all,
        interest_form=InterestForm(),
        confirm=ConfirmForm(),
        may_withdraw=rnd.status in deliberation.WITHDRAW_OPEN,
        may_declare=rnd.status in deliberation.INTEREST_OPEN,
        **panel_context(rnd, seat),
    ), (400 if refused else 200)


@bp.route("/<slug>/proposals/<int:proposal_id>/interest/withdraw", methods=["POST"])
def withdraw_interest(slug: str, proposal_id: int):
    """Withdraw a declaration made in error (before voting opens)."""
    rnd, _seat = round_and_seat(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(
        lambda: deliberation.withdraw_interest(person=current_user, proposal_id=proposal_id),
        _("Your declaration is withdrawn. The register keeps a record that it was."),
    )
    return redirect(url_for("panels.conflicts", slug=rnd.slug))


# Comments and questions ---------------------------------------------------------------------


@bp.route("/<slug>/comments/<int:comment_id>/hide", methods=["POST"])
def hide_comment(slug: str, comment_id: int):
    """A facilitator hides a post that breaks the ground rules, with a reason its author sees.

    A reason that is missing or too long shows the proposal's page again, the box open under the
    post with what was typed; a refusal of the facilitator's right is said as before, on the page."""
    rnd, seat = round_and_seat(slug)
    comment = get_comment(comment_id, round_id=rnd.id)
    allowed_or_403(deliberation.is_facilitator, rnd.id)
    form = HideForm(prefix=f"hide-{comment.id}")
    if not form.validate_on_submit():
        return proposal_page(rnd, seat, comment.proposal, CommentForm(formdata=None), hide=(comment.id, form))
    attempt(
        lambda: deliberation.hide_comment(person=current_user, comment_id=comment.id, reason=form.reason.data),
        _("The post is hidden. Its author sees your reason."),
    )
    return redirect(url_for("panels.proposal", slug=rnd.slug, proposal_id=comment.proposal_id))


@bp.route("/<slug>/proposals/<int:proposal_id>/questions", methods=["POST"])
def ask_question(slug: str, proposal_id: int):
    """The panel asks the group a question about its proposal.

    A question that is missing or too long shows the proposal's page again with the problem and
    the question as typed; a refusal of the asker (stood aside, questions closed) is said as before."""
    rnd, seat = round_and_seat(slug)
    item = get_proposal(proposal_id, round_id=rnd.id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return proposal_page(rnd, seat, item, CommentForm(formdata=None), question_form=form)
    attempt(
        lambda: deliberation.ask_question(person=current_user, proposal_id=item.id, body=form.question.data),
        _("Your question is sent to the group. Their answer will show here."),
    )
    return redirect(url_for("panels.proposal", slug=rnd.slug, proposal_id=item.id) + "#questions")


@bp.route("/questions/<int:proposal_id>", methods=["GET", "POST"])
@keep_input.keeps_input
def group_questions(proposal_id: int):
    """A group sees the panel's questions about its own proposal and answers them."""
    item = get_proposal(proposal_id, check=is_group_member)
    form = AnswerForm()

    def answer() -> object:
        question_id = request.form.get("question_id", "")
        if not is_whole(question_id) or all(q.id != int(question_id) for q in deliberation.questions_for(item.id)):
            raise DomainError(_("That question does not exist."))
        return deliberation.answer_question(person=current_user, question_id=int(question_id), answer=form.answer.data)

    if submitted(form, answer, field="answer", success=_("Thank you. The panel can now see your answer.")):
        return redirect(url_for("panels.group_questions", proposal_id=item.id))
    keep_input.restore(form)
    return render_template(
        "panels/group_questions.html", proposal=item, questions=deliberation.questions_for(item.id), form=form
    ), (400 if form.errors else 200)


# Meetings -----------------------------------------------------------------------------------


@bp.route("/<slug>/meetings")
def meetings(slug: str):
    """The panel's meetings: agenda, who came, notes and decisions."""
    rnd = get_round(slug, check=any_of(panel_seat, deliberation.may_keep_notes))
    seat = panel_seat(current_user, rnd.id)
    may_write = deliberation.may_keep_notes(current_user, rnd.id)
    return render_template(
        "panels/meetings.html", meetings=deliberation.meetings_for(rnd.id), may_write=may_write,
        **panel_context(rnd, seat),
    )  # fmt: skip


@bp.route("/<slug>/meetings/new", methods=["GET", "POST"])
@bp.route("/<slug>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@keep_input.keeps_input
def edit_meeting(slug: str, meeting_id: int | None = None):
    """Record a meeting, or change its record (convenor or facilitator)."""
    rnd = get_round(slug, check=deliberation.may_keep_notes)
    meeting = None
    if meeting_id is not None:
        meeting = get_meeting(meeting_id, round_id=rnd.id)
    form = MeetingForm(obj=meeting)
    people = deliberation.panel_people(rnd.id)
    form.attendees.choices = [(p.id, p.display_name) for p in people]
    if meeting is not None and not form.is_submitted():
        form.attendees.data = [a.person_id for a in meeting.attendance]

    def save() -> Meeting:
        return deliberation.save_meeting(
            person=current_user, round_id=rnd.id, meeting_id=meeting_id, title=form.title.data,
            held_on=form.held_on.data, agenda=form.agenda.data or "", notes=form.notes.data or "",
            decisions=form.decisions.data or "", links=form.links.data or "",
            attendee_ids=list(form.attendees.data or []),
        )  # fmt: skip

    if saved := submitted(form, save, field="links", success=_("The meeting record is saved.")):
        return redirect(url_for("panels.meeting", slug=rnd.slug, meeting_id=saved.value.id))
    keep_input.restore(form)
    return render_template(
        "panels/meeting_edit.html", form=form, meeting=meeting, **panel_context(rnd, panel_seat(current_user, rnd.id))
    ), (400 if form.errors else 200)


@bp.route("/<slug>/meetings/<int:meeting_id>")
def meeting(slug: str, meeting_id: int):
    """One meeting's record."""
    rnd = get_round(slug, check=any_of(panel_seat, deliberation.may_keep_notes))
    seat = panel_seat(current_user, rnd.id)
    may_write = deliberation.may_keep_notes(current_user, rnd.id)
    item = get_meeting(meeting_id, round_id=rnd.id)
    return render_template("panels/meeting.html", meeting=item, may_write=may_write, **panel_context(rnd, seat))


# Looking after yourself ---------------------------------------------------------------------


@bp.route("/<slug>/care", methods=["GET", "POST"])
@keep_input.keeps_input
def care(slug: str):
    """Looking after yourself: reminders, content notes, more time, pausing, stepping down."""
    rnd, seat = round_and_seat(slug)
    prefs = PreferencesForm(prefix="p", obj=seat)
    time_form = TimeForm(prefix="t")
    which = request.form.get("which")
    if which == "prefs" and prefs.validate_on_submit():
        wellbeing.set_preferences(
            person=current_user, round_id=rnd.id, wants_reminders=bool(prefs.wants_reminders.data),
            content_notes_first=bool(prefs.content_notes_first.data),
        )  # fmt: skip
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("panels.care", slug=rnd.slug))

    def ask() -> object:
        return wellbeing.ask_for_time(person=current_user, round_id=rnd.id, what=time_form.what.data,
                                      until=time_form.until.data)  # fmt: skip

    noted = _("Your extra time is noted, and the convenor is told. Take the time you need.")
    if which == "time" and submitted(time_form, ask, field="until", success=noted):
        return redirect(url_for("panels.care", slug=rnd.slug))
    keep_input.restore(time_form)
    return render_template(
        "panels/care.html", prefs=prefs, time_form=time_form, my_time=wellbeing.my_time(current_user, rnd.id),
        **panel_context(rnd, seat),
    ), (400 if (prefs.errors or time_form.errors) else 200)  # fmt: skip


@bp.route("/<slug>/deadlines", methods=["GET", "POST"])
@keep_input.keeps_input
def deadlines(slug: str):
    """The convenor extends deadlines for everyone (with a published reason) and sends gentle reminders."""
    rnd = get_round(slug, check=is_convenor)
    form = ExtendForm()

    def extend() -> object:
        return wellbeing.extend_deadline(person=current_user, round_id=rnd.id, field=form.field.data,
                                         new_date=form.new_date.data, reason=form.reason.data)  # fmt: skip

    extended = _("The deadline is extended. The timetable shows the change and why.")
    if submitted(form, extend, field="new_date", success=extended):
        return redirect(url_for("panels.deadlines", slug=rnd.slug))
    keep_input.restore(form)
    return render_template(
        "panels/deadlines.html", rnd=rnd, form=form, requests=wellbeing.time_requests(rnd.id), confirm=ConfirmForm()
    ), (400 if form.errors else 200)


@bp.route("/<slug>/deadlines/remind", methods=["POST"])
def remind(slug: str):
    """Send a gentle reminder to members who asked for one and have not paused or voted."""
    rnd = get_round(slug, check=is_convenor)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sent = wellbeing.send_reminders(person=current_user, round_id=rnd.id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(ngettext("A gentle reminder went to %(num)d panel member who asked for reminders.",
                       "A gentle reminder went to %(num)d panel members who asked for reminders.", sent),
              "success")  # fmt: skip
    return redirect(url_for("panels.deadlines", slug=rnd.slug))


@bp.route("/content-note/<int:proposal_id>", methods=["GET", "POST"])
@keep_input.keeps_input
def content_note(proposal_id: int):
    """A group adds a content note to its proposal, for panel members who want warning of hard topics."""
    item = get_proposal(proposal_id, check=is_group_member)
    existing = wellbeing.content_note(item.id)
    form = ContentNoteForm()

    def save() -> object:
        return wellbeing.save_content_note(person=current_user, proposal_id=item.id, note=form.note.data or "")

    if submitted(form, save, field="note", success=_("The content note is saved.")):
        return redirect(url_for("panels.content_note", proposal_id=item.id))
    if existing is not None and not form.is_submitted():
        form.note.data = existing.note
    keep_input.restore(form)
    return render_template("panels/content_note.html", proposal=item, form=form), (400 if form.errors else 200)


# Feedback -----------------------------------------------------------------------------------


@bp.route("/<slug>/feedback")
def feedback_list(slug: str):
    """The facilitator's list of feedback to write and send, one per proposal."""
    rnd, seat = round_and_seat(slug)
    allowed_or_403(deliberation.is_facilitator, rnd.id)
    proposals = ballot_proposals(rnd.id)
    return render_template(
        "panels/feedback_list.html", proposals=proposals,
        feedback={p.id: wellbeing.feedback_for(p.id) for p in proposals},
        rate=wellbeing.success_rate(rnd.id), **panel_context(rnd, seat),
    )  # fmt: skip


@bp.route("/<slug>/feedback/<int:proposal_id>", methods=["GET", "POST"])
@keep_input.keeps_input
def feedback_edit(slug: str, proposal_id: int):
    """Assemble feedback from the panel's remarks, edit it for tone, and send it."""
    rnd, seat = round_and_seat(slug)
    allowed_or_403(deliberation.is_facilitator, rnd.id)
    item = get_proposal(proposal_id, round_id=rnd.id)
    existing = wellbeing.feedback_for(item.id)
    form = FeedbackForm()
    send = request.form.get("send") == "1"

    def save() -> object:
        return wellbeing.save_feedback(person=current_user, proposal_id=item.id, body=form.body.data, send=send)

    saved = _("The feedback is sent to the group.") if send else _("The draft is saved.")
    if submitted(form, save, field="body", success=saved):
        return redirect(url_for("panels.feedback_edit", slug=rnd.slug, proposal_id=item.id))
    if not form.is_submitted():
        form.body.data = existing.body if existing else wellbeing.draft_feedback(item)
    keep_input.restore(form)
    return render_template(
        "panels/feedback_edit.html", proposal=item, form=form, existing=existing, **panel_context(rnd, seat)
    ), (400 if form.errors else 200)


@bp.route("/feedback/<int:proposal_id>")
def feedback_read(proposal_id: int):
    """A group reads the panel's feedback on its proposal."""
    item = db.get_or_404(Proposal, proposal_id)
    if not wellbeing.may_see_feedback(current_user, item):
        abort(403)
    found = wellbeing.feedback_for(item.id)
    return render_template(
        "panels/feedback_read.html", proposal=item, feedback=found if found and found.sent_at else None
    )


# Reflection ---------------------------------------------------------------------------------


@bp.route("/<slug>/reflect", methods=["GET", "POST"])
@keep_input.keeps_input
def reflect(slug: str):
    """The short anonymous reflection, for everyone who took part."""
    rnd = get_round(slug, check=wellbeing.took_part)
    answered = wellbeing.has_reflected(current_user, rnd.id)
    form = ReflectionForm()

    def submit() -> object:
        return wellbeing.submit_reflection(
            person=current_user, round_id=rnd.id, what_worked=form.what_worked.data or "",
            what_did_not=form.what_did_not.data or "", felt=int(form.felt.data), power=int(form.power.data),
        )  # fmt: skip

    thanks = _("Thank you. Your answers are stored without your name.")
    if not answered and submitted(form, submit, field="felt", success=thanks):
        return redirect(url_for("panels.reflect", slug=rnd.slug))
    keep_input.restore(form)
    return render_template(
        "panels/reflect.html", rnd=rnd, form=form, answered=answered, is_open=rnd.status in wellbeing.AFTER_VOTE,
        min_answers=wellbeing.MIN_REFLECTIONS,
    ), (400 if form.errors else 200)  # fmt: skip


@bp.route("/<slug>/reflections")
def reflections(slug: str):
    """The convenor's view of the reflections: aggregates and written answers, only from 5 answers."""
    rnd = get_round(slug, check=is_convenor)
    return render_template(
        "panels/reflections.html", rnd=rnd, summary=wellbeing.reflection_summary(rnd.id),
        answered=wellbeing.reflection_count(rnd.id), min_answers=wellbeing.MIN_REFLECTIONS,
        felt=wellbeing.FELT, ladder=wellbeing.POWER_LADDER,
    )  # fmt: skip


def round_care_context(rnd: Round) -> dict:
    """What the public round page's care partial shows."""
    return {
        "care_rate": wellbeing.success_rate(rnd.id),
        "care_reflections": wellbeing.reflection_summary(rnd.id),
        "care_settings": formation.settings_for(rnd.id),
    }


@bp.app_context_processor
def _care_labels() -> dict:
    return {"care_ladder": wellbeing.POWER_LADDER, "care_felt": wellbeing.FELT}


@bp.app_context_processor
def _round_care_helper() -> dict:
    return {"round_care": round_care_context}


def _seat_for(rnd: Round):  # noqa: ANN202
    return panel_seat(current_user, rnd.id) if current_user.is_authenticated else None


@bp.app_context_processor
def _care_bar_helpers() -> dict:
    return {"panel_seat_for": _seat_for, "panel_settings_for": lambda rnd: formation.settings_for(rnd.id)}
