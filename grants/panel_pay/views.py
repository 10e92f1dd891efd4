"""Panel pay pages: the rate, a member's own pay and expenses, and the convenor's approvals."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from grants.extensions import db
from grants.flashing import attempt, submitted
from grants.models import (
    Activity,
    ClaimStatus,
    Expense,
    ExpenseKind,
    LimitPeriod,
    OverLimit,
    PanelMember,
    PayChoice,
    RateUnit,
    Round,
    TimeLog,
    Upload,
)
from grants.panel_pay import benefits, bp, totals
from grants.panel_pay import services as panel_pay
from grants.panel_pay.forms import (
    DecideForm,
    ExpenseForm,
    LimitForm,
    PreferenceForm,
    RateForm,
    SettledForm,
    TableNoteForm,
    TimeForm,
)
from grants.roles import is_convenor, panel_seat
from grants.rounds.loading import get_round
from grants.security import allowed_or_403
from grants.uploads import send_upload


@bp.route("/tables/<slug>/panel-rate", methods=["GET", "POST"])
def rate(slug: str):
    """The convenor sets the panel's rate and what counts."""
    rnd = get_round(slug, check=is_convenor)
    rate = panel_pay.rate_for(rnd.id)
    form = RateForm(obj=None)
    if not form.is_submitted() and rate is not None:
        form.unit.data, form.rate.data = rate.unit.value, rate.rate_pence
        form.counts_reading.data, form.counts_meetings.data = rate.counts_reading, rate.counts_meetings
        form.counts_training.data = rate.counts_training

    def save() -> object:
        return panel_pay.set_rate(
            person=current_user,
            round_id=rnd.id,
            unit=RateUnit(form.unit.data),
            rate_pence=form.rate.data,
            counts_reading=form.counts_reading.data,
            counts_meetings=form.counts_meetings.data,
            counts_training=form.counts_training.data,
        )

    if submitted(form, save, field="rate", success=_("The panel's rate is saved.")):
        return redirect(url_for("panel_pay.manage", slug=rnd.slug))
    note_form = TableNoteForm(prefix="note", text=benefits.table_note(rnd.id))
    return _render_rate(rnd, form, note_form, 400 if form.errors else 200)


def _render_rate(rnd: Round, form: RateForm, note_form: TableNoteForm, status: int):  # noqa: ANN202
    return render_template(
        "panel_pay/rate.html", rnd=rnd, form=form, note_form=note_form, note=benefits.site_note()
    ), status


@bp.route("/tables/<slug>/benefits-note", methods=["POST"])
def table_note(slug: str):
    """The convenor writes the table's own note about pay and benefits."""
    rnd = get_round(slug, check=is_convenor)
    note_form = TableNoteForm(prefix="note")

    def save() -> object:
        return panel_pay.set_table_note(person=current_user, round_id=rnd.id, text=note_form.text.data or "")

    if submitted(
        note_form,
        save,
        field="text",
        success=_("The table's note is saved. Panel members see it under the site's note."),
    ):
        return redirect(url_for("panel_pay.rate", slug=rnd.slug))
    return _render_rate(rnd, RateForm(formdata=None), note_form, 400)


def _seat_or_403(rnd: Round) -> PanelMember:
    allowed_or_403(panel_seat, rnd.id)
    seat = panel_seat(current_user, rnd.id)
    return seat


@bp.route("/tables/<slug>/my-pay")
def my_pay(slug: str):
    """A panel member's own pay: how they want it, time logged, expenses, and figures."""
    rnd = get_round(slug)
    seat = _seat_or_403(rnd)
    pref = panel_pay.preference(seat.id)
    time_form, expense_form, pref_form = (
        TimeForm(prefix="time"),
        ExpenseForm(prefix="expense"),
        PreferenceForm(prefix="pref"),
    )
    if not pref_form.is_submitted() and pref is not None:
        pref_form.choice.data, pref_form.cap.data = pref.choice.value, pref.cap_pence
        pref_form.account_name.data = pref.account_name
    return _render_my_pay(rnd, seat, pref, time_form, expense_form, pref_form, 200)


def _render_my_pay(rnd, seat, pref, time_form, expense_form, pref_form, status):  # noqa: ANN001, ANN202
    rate = panel_pay.rate_for(rnd.id)
    logs = (
        db.session.execute(select(TimeLog).where(TimeLog.panel_member_id == seat.id).order_by(TimeLog.worked_on.desc()))
        .scalars()
        .all()
    )
    expenses = (
        db.session.execute(select(Expense).where(Expense.panel_member_id == seat.id).order_by(Expense.spent_on.desc()))
        .scalars()
        .all()
    )
    if rate is not None:
        time_form.activity.choices = [SelectChoice(a.value, a.label) for a in Activity if rate.counts(a)]
    return render_template(
        "panel_pay/my_pay.html",
        rnd=rnd,
        seat=seat,
        pref=pref,
        rate=rate,
        logs=logs,
        expenses=expenses,
        figures=panel_pay.my_pay(seat.id),
        time_form=time_form,
        expense_form=expense_form,
        pref_form=pref_form,
        note=benefits.site_note(),
        table_note=benefits.table_note(rnd.id),
        over=totals.over_limit_on(current_user.id, rnd.id, date.today()),
        limit=totals.limit_of(current_user.id),
    ), status


@bp.route("/tables/<slug>/my-pay/time", methods=["POST"])
def log_time(slug: str):
    """A panel member logs time."""
    rnd = get_round(slug)
    seat = _seat_or_403(rnd)
    form = TimeForm(prefix="time")
    rate = panel_pay.rate_for(rnd.id)
    if rate is not None:
        form.activity.choices = [SelectChoice(a.value, a.label) for a in Activity if rate.counts(a)]

    def log() -> object:
        return panel_pay.log_time(
            person=current_user,
            round_id=rnd.id,
            activity=Activity(form.activity.data),
            worked_on=form.worked_on.data,
            units=form.units.data,
            note=form.note.data or "",
        )

    if submitted(form, log, field="units", success=_("Your time is logged. The convenor will approve it.")):
        return redirect(url_for("panel_pay.my_pay", slug=rnd.slug))
    pref = panel_pay.preference(seat.id)
    return _render_my_pay(rnd, seat, pref, form, ExpenseForm(prefix="expense"), PreferenceForm(prefix="pref"), 400)


@bp.route("/tables/<slug>/my-pay/expenses", methods=["POST"])
def claim_expense(slug: str):
    """A panel member claims expenses, with an optional receipt."""
    rnd = get_round(slug)
    seat = _seat_or_403(rnd)
    form = ExpenseForm(prefix="expense")

    def claim() -> object:
        return panel_pay.claim_expense(
            person=current_user,
            round_id=rnd.id,
            kind=ExpenseKind(form.kind.data),
            spent_on=form.spent_on.data,
            amount_pence=form.amount.data,
            description=form.description.data,
            receipt=form.receipt.data or None,
        )

    if submitted(form, claim, field="amount", success=_("Your expenses are claimed. The convenor will approve them.")):
        return redirect(url_for("panel_pay.my_pay", slug=rnd.slug))
    pref = panel_pay.preference(seat.id)
    return _render_my_pay(rnd, seat, pref, TimeForm(prefix="time"), form, PreferenceForm(prefix="pref"), 400)


@bp.route("/tables/<slug>/my-pay/choice", methods=["POST"])
def pay_choice(slug: str):
    """A panel member chooses how (or whether) to be paid."""
    rnd = get_round(slug)
    seat = _seat_or_403(rnd)
    form = PreferenceForm(prefix="pref")

    def choose() -> object:
        return panel_pay.set_preference(
            person=current_user,
            round_id=rnd.id,
            choice=PayChoice(form.choice.data),
            cap_pence=form.cap.data,
            read_benefits_note=form.read_benefits_note.data,
            account_name=form.account_name.data or "",
            sort_code=form.sort_code.data or "",
            account_number=form.account_number.data or "",
        )

    if submitted(form, choose, field="choice", success=_("Your choice is saved. You can change it at any time.")):
        return redirect(url_for("panel_pay.my_pay", slug=rnd.slug))
    pref = panel_pay.preference(seat.id)
    return _render_my_pay(rnd, seat, pref, TimeForm(prefix="time"), ExpenseForm(prefix="expense"), form, 400)


@bp.route("/tables/<slug>/panel-pay")
def manage(slug: str):
    """The convenor approves time and expenses; whoever pays sees the schedule."""
    rnd = get_round(slug, check=panel_pay.may_pay_panel)
    seats = select(PanelMember.id).where(PanelMember.round_id == rnd.id)
    logs = (
        db.session.execute(
            select(TimeLog).where(TimeLog.panel_member_id.in_(seats), TimeLog.status == ClaimStatus.SUBMITTED)
        )
        .scalars()
        .all()
    )
    expenses = (
        db.session.execute(
            select(Expense).where(Expense.panel_member_id.in_(seats), Expense.status == ClaimStatus.SUBMITTED)
        )
        .scalars()
        .all()
    )
    return render_template(
        "panel_pay/manage.html",
        rnd=rnd,
        rate=panel_pay.rate_for(rnd.id),
        logs=logs,
        expenses=expenses,
        schedule=panel_pay.schedule(rnd.id),
        is_convenor=is_convenor(current_user, rnd.id),
        pays=panel_pay.moves_panel_money(current_user, rnd.id),
        decide_form=lambda prefix: DecideForm(prefix=prefix),
        settled_form=lambda seat_id: SettledForm(prefix=f"settled-{seat_id}"),
        run_form=SettledForm(prefix="run"),
    )


@bp.route("/tables/<slug>/panel-pay.csv")
def schedule_csv(slug: str):
    """The payment schedule as CSV for whoever pays (holds bank details: never public)."""
    rnd = get_round(slug, check=panel_pay.moves_panel_money)
    body = panel_pay.schedule_csv(person=current_user, round_id=rnd.id)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="panel-payments-{rnd.slug}.csv"'},
    )


@bp.route("/time/<int:log_id>/decide", methods=["POST"])
def decide_time(log_id: int):
    """The convenor approves or does not approve logged time."""
    item = db.get_or_404(TimeLog, log_id)
    form = DecideForm(prefix=f"time-{item.id}")
    if form.validate_on_submit():
        attempt(
            lambda: panel_pay.decide_time(
                person=current_user, log_id=item.id, approve=form.decision.data == "approve", note=form.note.data or ""
            ),
            _("Decided."),
        )
    else:
        flash(_("Choose approve or do not approve."), "error")
    return redirect(url_for("panel_pay.manage", slug=item.member.round.slug))


@bp.route("/expenses/<int:expense_id>/decide", methods=["POST"])
def decide_expense(expense_id: int):
    """The convenor approves or does not approve an expense claim."""
    item = db.get_or_404(Expense, expense_id)
    form = DecideForm(prefix=f"expense-{item.id}")
    if form.validate_on_submit():
        attempt(
            lambda: panel_pay.decide_expense(
                person=current_user,
                expense_id=item.id,
                approve=form.decision.data == "approve",
                note=form.note.data or "",
            ),
            _("Decided."),
        )
    else:
        flash(_("Choose approve or do not approve."), "error")
    return redirect(url_for("panel_pay.manage", slug=item.member.round.slug))


@bp.route("/expenses/<int:expense_id>/receipt")
def receipt(expense_id: int):
    """An expense receipt: for the person who claimed, the convenor and whoever pays."""
    item = db.get_or_404(Expense, expense_id)
    seat = item.member
    if item.receipt_id is None:
        abort(404)
    if seat.person_id != current_user.id:
        allowed_or_403(panel_pay.may_pay_panel, seat.round_id)
    return send_upload(db.get_or_404(Upload, item.receipt_id))


@bp.route("/panel-seats/<int:seat_id>/settled", methods=["POST"])
def settled(seat_id: int):
    """Whoever pays records that a panel member was paid."""
    seat = db.get_or_404(PanelMember, seat_id)
    form = SettledForm(prefix=f"settled-{seat.id}")
    if form.validate_on_submit():
        attempt(
            lambda: panel_pay.mark_settled(person=current_user, seat_id=seat.id, reference=form.reference.data),
            _("Recorded as paid."),
        )
    else:
        flash(_("Enter the bank or voucher reference."), "error")
    return redirect(url_for("panel_pay.manage", slug=seat.round.slug))


@bp.route("/tables/<slug>/panel-pay/run", methods=["POST"])
def pay_run(slug: str):
    """Whoever pays the panel records one pay run: everyone on the schedule was paid."""
    rnd = get_round(slug)
    form = SettledForm(prefix="run")
    if form.validate_on_submit():
        attempt(
            lambda: panel_pay.pay_panel_run(person=current_user, round_id=rnd.id, reference=form.reference.data),
            _("Recorded as paid: the pay run is one line on the public ledger, naming nobody."),
        )
    else:
        flash(_("Enter the bank or voucher reference of the pay run."), "error")
    return redirect(url_for("panel_pay.manage", slug=rnd.slug))


# ------------------------------------------------------- a member's own figures (issue 20)
# Every page below is about the signed-in person alone: it never takes a person's id.


@bp.route("/my-panel-pay")
def mine():
    """A person's own panel pay on every table: running total, limit, statements and the letter."""
    limit = totals.limit_of(current_user.id)
    form = LimitForm(prefix="limit")
    if limit is not None:
        form.period.data, form.amount.data = limit.period.value, limit.amount_pence
        form.over.data, form.reason.data = limit.over.value, limit.reason
    return _render_mine(form, 200)


def _render_mine(form: LimitForm, status: int):  # noqa: ANN202
    today = date.today()
    limit = totals.limit_of(current_user.id)
    seats = (
        db.session.execute(select(PanelMember).where(PanelMember.person_id == current_user.id).order_by(PanelMember.id))
        .scalars()
        .all()
    )
    return render_template(
        "panel_pay/mine.html",
        total=totals.running_total(current_user.id, today),
        limit=limit,
        room=totals.room(current_user.id, today),
        over=totals.over_limit(current_user.id, today),
        # What is over, table by table: giving or declining it is asked on one table's pay at a time.
        over_by_table=[
            (seat.round, part)
            for seat in seats
            if (part := totals.over_limit_on(current_user.id, seat.round_id, today))
        ],
        payments=list(reversed(totals.payments(current_user.id))),
        years=totals.years_with_pay(current_user.id),
        this_year=totals.tax_year_start(today),
        tax_year_name=totals.tax_year_name,
        seats=seats,
        form=form,
        note=benefits.site_note(),
    ), status


@bp.route("/my-panel-pay/limit", methods=["POST"])
def set_limit():
    """A person sets (or changes) their own limit."""
    form = LimitForm(prefix="limit")

    def save() -> object:
        return panel_pay.set_limit(
            person=current_user,
            period=LimitPeriod(form.period.data),
            amount_pence=form.amount.data,
            over=OverLimit(form.over.data),
            reason=form.reason.data or "",
        )

    if submitted(form, save, field="amount", success=_("Your limit is saved. Only you can see it.")):
        return redirect(url_for("panel_pay.mine"))
    return _render_mine(form, 400)


@bp.route("/my-panel-pay/limit/remove", methods=["POST"])
def remove_limit():
    """A person removes their own limit."""
    attempt(lambda: panel_pay.remove_limit(person=current_user), _("Your limit is removed."))
    return redirect(url_for("panel_pay.mine"))


@bp.route("/my-panel-pay/over", methods=["POST"])
def over_limit():
    """A person gives to the pot, or declines, the pay their limit keeps back on one table."""
    give = request.form.get("what") == "give"
    rnd = get_round(request.form.get("slug", ""))
    _seat_or_403(rnd)
    attempt(
        lambda: panel_pay.settle_over_limit(person=current_user, round_id=rnd.id, give=give),
        _("Done: that pay was given to the table's pot.") if give else _("Done: you will not be paid that part."),
    )
    back = request.form.get("back") == "mine"
    return redirect(url_for("panel_pay.mine") if back else url_for("panel_pay.my_pay", slug=rnd.slug))


def _my_payment(run_id: int) -> totals.Payment:
    for payment in totals.payments(current_user.id):
        if payment.run_id == run_id:
            return payment
    abort(404)


@bp.route("/my-panel-pay/statements/<int:run_id>")
def statement(run_id: int):
    """A statement of one pay run, for the person it paid: their own lines only."""
    payment = _my_payment(run_id)
    return render_template("panel_pay/statement.html", payment=payment)


@bp.route("/my-panel-pay/years/<int:year>")
def year(year: int):
    """A tax year's summary of a person's panel pay, month by month, for their records and tax."""
    if not 2000 <= year <= 2100:
        abort(404)
    months, sent, time = totals.year_summary(current_user.id, year)
    return render_template(
        "panel_pay/year.html",
        year=year,
        name=totals.tax_year_name(year),
        span=totals.tax_year(year),
        months=months,
        payments=sent,
        time=time,
    )


@bp.route("/my-panel-pay/letter")
def letter():
    """A letter for the Jobcentre or an adviser: what the panel is, that pay is for involvement,
    and the dates, time and amounts of one tax year. A page to print (or save as a PDF)."""
    try:
        year = int(request.args.get("year", totals.tax_year_start(date.today())))
    except ValueError:
        abort(404)
    if not 2000 <= year <= 2100:
        abort(404)
    start, end = totals.tax_year(year)
    seats = db.session.execute(select(PanelMember).where(PanelMember.person_id == current_user.id)).scalars().all()
    return render_template(
        "panel_pay/letter.html",
        year=year,
        name=totals.tax_year_name(year),
        span=(start, end),
        tables=sorted({seat.round.title for seat in seats}),
        time=totals.approved_time(current_user.id, start, end),
        payments=totals.payments(current_user.id, start, end),
        today=date.today(),
    )


@bp.app_template_global("time_in_words")
def time_in_words(units: object, unit: object) -> str:
    """"1.5 meetings" in the page's language, for a template."""
    return totals.time_in_words(units, unit)
