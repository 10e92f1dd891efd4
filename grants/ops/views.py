"""Health check and the administrator's page of failed deliveries and jobs."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from grants.extensions import db
from grants.jobs import retry_now
from grants.jobs.queue import queue_status
from grants.models import Notification, OutboxJob, Person
from grants.notifications.forms import ConfirmForm
from grants.ops import bp
from grants.security import is_admin, public, require


@bp.route("/healthz")
@public
def healthz():
    """Readiness: 200 when the database and the job queue answer, 503 otherwise. No personal data."""
    report: dict = {"status": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        backlog = dict(
            db.session.execute(
                select(Notification.email_state, func.count(Notification.id))
                .where(Notification.email_state.in_(("pending", "sending", "failed")))
                .group_by(Notification.email_state)
            ).all()
        )
        failed_jobs = db.session.execute(
            select(func.count(OutboxJob.id)).where(OutboxJob.state == "failed")
        ).scalar_one()
        report["database"] = {"status": "ok"}
        report["outbox"] = {
            "emails_waiting": backlog.get("pending", 0) + backlog.get("sending", 0),
            "emails_failed": backlog.get("failed", 0),
            "jobs_failed": failed_jobs,
        }
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        report["status"] = "error"
        report["database"] = {"status": "error", "error": type(exc).__name__}
    try:
        report["jobs"] = {"status": "ok", **queue_status()}
    except Exception as exc:  # noqa: BLE001
        report["status"] = "error"
        report["jobs"] = {"status": "error", "error": type(exc).__name__}
    response = jsonify(report)
    response.status_code = 200 if report["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/deliveries")
@require(is_admin)
def deliveries():
    """E-mails and background jobs that failed after every retry."""
    failed_notes = db.session.execute(
        select(Notification, Person.email)
        .outerjoin(Person, Person.id == Notification.person_id)
        .where(Notification.email_state == "failed")
        .order_by(Notification.created_at.desc())
        .limit(200)
    ).all()
    failed_jobs = db.session.execute(
        select(OutboxJob).where(OutboxJob.state == "failed").order_by(OutboxJob.created_at.desc()).limit(200)
    ).scalars()
    waiting = db.session.execute(
        select(func.count(Notification.id)).where(Notification.email_state.in_(("pending", "sending")))
    ).scalar_one()
    return render_template(
        "ops/deliveries.html",
        failed_notes=failed_notes,
        failed_jobs=list(failed_jobs),
        waiting=waiting,
        form=ConfirmForm(),
    )


@bp.route("/admin/deliveries/emails/<int:notification_id>/resend", methods=["POST"])
@require(is_admin)
def resend_email(notification_id: int):
    """Try a failed e-mail again, with a fresh set of attempts."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if retry_now(Notification, notification_id):
        flash(_("The e-mail is queued to be sent again."), "success")
    else:
        flash(_("That e-mail is not waiting for a resend (it may have been sent already)."), "error")
    return redirect(url_for("ops.deliveries"))


@bp.route("/admin/deliveries/jobs/<int:job_id>/retry", methods=["POST"])
@require(is_admin)
def retry_job(job_id: int):
    """Run a failed background job again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if retry_now(OutboxJob, job_id):
        flash(_("The job is queued to run again."), "success")
    else:
        flash(_("That job is not waiting for a retry."), "error")
    return redirect(url_for("ops.deliveries"))
