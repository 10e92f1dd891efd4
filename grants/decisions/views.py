"""The public decision file, and a convenor's import of a Pabulib file."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask_login import current_user

from grants.core import DomainError
from grants.decisions import bp, services
from grants.decisions.forms import ImportForm
from grants.flashing import submitted
from grants.models import Round
from grants.public import queries
from grants.security import public


@bp.route("/tables/<slug>/decision.pb")
@public
def decision_download(slug: str):
    """A decided round as a Pabulib file: projects with `selected`, and the ballots by receipt code."""
    rnd = queries.public_round(slug)
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

    def import_it() -> Round:
        upload = form.pb_file.data
        if not upload or not getattr(upload, "filename", ""):
            raise DomainError("Choose a .pb file to import")
        try:
            return services.import_round(
                person=current_user,
                data=upload.read(),
                title=form.title.data or "",
                accept_warnings=bool(form.accept_warnings.data),
            )
        except services.FileHasWarnings as exc:
            warnings.extend(exc.warnings)
            raise

    success = "The table is imported and its ballots are in. Record the money for it, then close voting to count."
    if done := submitted(form, import_it, field="pb_file", success=success):
        return redirect(url_for("rounds.manage", slug=done.value.slug))
    return render_template("decisions/import.html", form=form, warnings=warnings), (400 if form.errors else 200)


@bp.app_context_processor
def _counting_labels() -> dict:
    """The plain-English name of each counting rule, for the public rules partial."""
    from grants.rounds.forms import COUNTING_LABELS

    return {"counting_label": lambda rule: COUNTING_LABELS.get(rule, str(rule)) + "."}
