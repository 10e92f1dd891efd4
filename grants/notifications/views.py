"""A person's notifications in the app, and their e-mail choices."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.core import DomainError
from grants.notifications import bp, services
from grants.notifications.delivery import OFF_BY_DEFAULT, email_choices, optional_events
from grants.notifications.forms import ConfirmForm, EmailChoicesForm


@bp.app_context_processor
def unread_notifications() -> dict:
    """The unread count for the header."""
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": services.unread_count(current_user.id)}
    return {"unread_notifications": 0}


@bp.route("")
def index():
    """Everything the person has been told, newest first."""
    notes = services.for_person(current_user)
    return render_template("notifications/index.html", notes=notes, form=ConfirmForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id: int):
    """Mark one notification as read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.mark_read(person=current_user, notification_id=notification_id)
    except DomainError:
        abort(404)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
def mark_all_read():
    """Mark every notification as read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(person=current_user)
    flash(_("All your notifications are marked as read.") if count else _("You had nothing unread."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/choices", methods=["GET", "POST"])
def choices():
    """Choose which notifications come by e-mail. Everything always shows here in the app."""
    form = EmailChoicesForm()
    form.by_email.choices = optional_events()
    if form.validate_on_submit():
        services.set_email_choices(person=current_user, wanted=set(form.by_email.data or []))
        flash(_("Your e-mail choices are saved."), "success")
        return redirect(url_for("notifications.choices"))
    if not form.is_submitted():
        form.by_email.data = [event for event, on in email_choices(current_user.id).items() if on]
    return render_template("notifications/choices.html", form=form, off_by_default=OFF_BY_DEFAULT), (
        400 if form.errors else 200
    )
