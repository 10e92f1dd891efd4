"""Ballot pages: choose, check your answers, cast, receipt."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from grants.ballots import bp, services
from grants.core import DomainError
from grants.extensions import db
from grants.models import Round


class BallotForm(FlaskForm):
    """CSRF only; the choices are a checkbox group checked by the service."""


def _chosen_ids() -> list[int]:
    ids = []
    for raw in request.form.getlist("proposal"):
        if not raw.isdigit():
            abort(400)
        ids.append(int(raw))
    return ids


def _paper_or_redirect(rnd: Round):  # noqa: ANN202
    try:
        return services.ballot_paper(current_user, rnd), None
    except DomainError as exc:
        flash(exc.message, "error")
        return None, redirect(
            url_for("panels.home", slug=rnd.slug) if rnd.is_voting else url_for("public.round", slug=rnd.slug)
        )


@bp.route("/<slug>", methods=["GET", "POST"])
def vote(slug: str):
    """The ballot paper. Posting it shows the check-your-answers page."""
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    paper, refusal = _paper_or_redirect(rnd)
    if refusal:
        return refusal
    form = BallotForm()
    error = None
    chosen_ids = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen_ids = _chosen_ids()
        if request.form.get("change"):
            return render_template(
                "ballots/vote.html", rnd=rnd, paper=paper, form=form, error=None, chosen_ids=set(chosen_ids)
            )
        try:
            chosen = services.check_choices(paper, chosen_ids)
        except DomainError as exc:
            error = exc.message
        else:
            return render_template("ballots/check.html", rnd=rnd, paper=paper, chosen=chosen, form=form)
    return render_template(
        "ballots/vote.html", rnd=rnd, paper=paper, form=form, error=error, chosen_ids=set(chosen_ids)
    ), (400 if error else 200)


@bp.route("/<slug>/cast", methods=["POST"])
def cast(slug: str):
    """Cast the ballot after checking it."""
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    if not BallotForm().validate_on_submit():
        abort(400)
    try:
        receipt = services.cast_ballot(person=current_user, round_id=rnd.id, chosen_ids=_chosen_ids())
    except services.AlreadyVoted as exc:
        flash(exc.message, "error")
        return redirect(url_for("panels.home", slug=rnd.slug))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ballots.vote", slug=rnd.slug))
    # Shown once, on the next page only; never stored against the person.
    session["receipt"] = receipt
    return redirect(url_for("ballots.receipt", slug=rnd.slug))


@bp.route("/<slug>/receipt")
def receipt(slug: str):
    """The receipt code, shown once."""
    rnd = db.one_or_404(select(Round).where(Round.slug == slug))
    code = session.pop("receipt", None)
    return render_template("ballots/receipt.html", rnd=rnd, receipt=code)
