"""Posting group updates and end-of-grant reports (members of the group only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from grants.extensions import db
from grants.flashing import submitted
from grants.groups.loading import get_group
from grants.inputs import is_whole
from grants.models import Award, Group
from grants.roles import is_group_member
from grants.templating import format_date
from grants.updates import bp, services
from grants.updates.forms import ReportDateForm, ReportForm, UpdateForm
from grants.uploads import UploadRefused


@bp.route("/<slug>/updates/new", methods=["GET", "POST"])
def new_update(slug: str):
    """Post an update about the group's funded work."""
    group = get_group(slug, check=is_group_member)
    awards = db.session.execute(select(Award).where(Award.group_id == group.id).order_by(Award.id)).scalars().all()
    form = UpdateForm()
    form.award_id.choices = [SelectChoice("", _("Not about one award"))] + [
        SelectChoice(str(a.id), f"{a.reference}: {a.proposal.title}") for a in awards
    ]

    def post() -> object:
        return services.post_update(
            person=current_user,
            group_id=group.id,
            body=form.body.data or "",
            award_id=int(form.award_id.data) if is_whole(form.award_id.data or "") else None,
            photo=request.files.get("photo"),
            photo_alt=form.photo_alt.data,
            link_url=form.link_url.data,
        )

    if submitted(
        form,
        post,
        field="body",
        field_for={UploadRefused: "photo"},
        not_allowed_is_403=True,
        success=_("Your update is on the group's public page."),
    ):
        return redirect(url_for("public.group", slug=group.slug))
    return render_template("updates/new.html", form=form, group=group), (400 if form.errors else 200)


def _award_for_member(slug: str, award_id: int) -> tuple[Group, Award]:
    group = get_group(slug, check=is_group_member)
    award = db.session.get(Award, award_id)
    if award is None or award.group_id != group.id:
        abort(404)
    return group, award


def _report_page(group: Group, award: Award, form: ReportForm, date_form: ReportDateForm):  # noqa: ANN202
    status = 400 if form.errors or date_form.errors else 200
    return render_template("updates/report.html", form=form, date_form=date_form, group=group, award=award), status


@bp.route("/<slug>/awards/<int:award_id>/report", methods=["GET", "POST"])
def new_report(slug: str, award_id: int):
    """Post the optional end-of-grant report for one award: one question, answered in any format."""
    group, award = _award_for_member(slug, award_id)
    form = ReportForm()

    def post() -> object:
        return services.post_report(
            person=current_user,
            group_id=group.id,
            award_id=award.id,
            body=form.body.data or "",
            file=request.files.get("file"),
        )

    if submitted(
        form,
        post,
        field="body",
        field_for={UploadRefused: "file"},
        not_allowed_is_403=True,
        success=_("Thank you. Your report is on the group's public page."),
    ):
        return redirect(url_for("public.group", slug=group.slug))
    return _report_page(group, award, form, ReportDateForm(formdata=None))


@bp.route("/<slug>/awards/<int:award_id>/report/date", methods=["POST"])
def report_date(slug: str, award_id: int):
    """Choose a later date for the end-of-grant report: more time, no reason asked."""
    group, award = _award_for_member(slug, award_id)
    form = ReportDateForm()

    def choose() -> object:
        return services.choose_report_date(
            person=current_user, group_id=group.id, award_id=award.id, due_on=form.due_on.data
        )

    if submitted(form, choose, field="due_on", not_allowed_is_403=True):
        flash(_("Done: your report is now due on %(date)s.", date=format_date(form.due_on.data)), "success")
        return redirect(url_for("updates.new_report", slug=group.slug, award_id=award.id))
    return _report_page(group, award, ReportForm(formdata=None), form)
