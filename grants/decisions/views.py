"""The public decision file, and a convenor's import of a Pabulib file."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grants.core import DomainError
from grants.decisions import bp, services
from grants.decisions.forms import ImportForm
from grants.extensions import db
from grants.flashing import submitted
from grants.models import PbImport, Round
from grants.rounds.forms import COUNTING_LABELS
from grants.rounds.loading import public_round
from grants.security import public

IMPORTED = _l("The table is imported and its ballots are in. Record the money for it, then close voting to count.")


@bp.route("/tables/<slug>/decision.pb")
@public
def decision_download(slug: str):
    """A decided round as a Pabulib file: projects with `selected`, and the ballots by receipt code."""
    rnd = public_round(slug)
    if rnd is None:
        abort(404)
    try:
        made = services.decision_file(rnd)
    except services.NotPublished as exc:
        return Response(exc.message, status=404, mimetype="text/plain")
    except services.FileNoLongerMatches as exc:
        return Response(exc.message, status=409, mimetype="text/plain")
    return Response(
        made.text, mimetype="text/plain", headers={"Content-Disposition": f'attachment; filename="{made.filename}"'}
    )


@bp.route("/manage/tables/import", methods=["GET", "POST"])
def import_pb():
    """Start a table from a Pabulib file (for groups moving from paper, and for testing)."""
    form = ImportForm()
    warnings: list[str] = []

    def import_it() -> Round | PbImport:
        upload = form.pb_file.data
        if not upload or not getattr(upload, "filename", ""):
            raise DomainError(_("Choose a .pb file to import"))
        data = upload.read()
        given = {"title": form.title.data or "", "accept_warnings": bool(form.accept_warnings.data)}
        if services.runs_in_background(data):
            return services.queue_import(person=current_user, data=data, filename=upload.filename, **given)
        try:
            return services.import_round(person=current_user, data=data, **given)
        except services.FileHasWarnings as exc:
            warnings.extend(exc.warnings)
            raise

    if done := submitted(form, import_it, field="pb_file"):
        if isinstance(done.value, PbImport):
            return redirect(url_for("decisions.import_status", import_id=done.value.id))
        flash(str(IMPORTED), "success")
        return redirect(url_for("rounds.manage", slug=done.value.slug))
    return render_template("decisions/import.html", form=form, warnings=warnings), (400 if form.errors else 200)


@bp.route("/manage/tables/import/<int:import_id>")
def import_status(import_id: int):
    """A large file's import: still being read, the table it made, or why it was refused (reload to see)."""
    row = services.import_for(current_user, import_id)
    if row is None:
        abort(404)
    if row.state == PbImport.IMPORTED and row.round_id is not None:
        rnd = db.session.get(Round, row.round_id)
        return render_template("decisions/import_status.html", row=row, rnd=rnd, imported=IMPORTED)
    return render_template(
        "decisions/import_status.html", row=row, rnd=None, failed=services.import_job_failed(row), imported=IMPORTED
    )


@bp.app_context_processor
def _counting_labels() -> dict:
    """The plain-English name of each counting rule, for the public rules partial."""

    return {"counting_label": lambda rule: COUNTING_LABELS.get(rule, str(rule)) + "."}
