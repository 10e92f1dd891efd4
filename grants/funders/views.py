"""Pages for people acting for a funder."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.funders import bp, services
from grants.funders.forms import FunderForm
from grants.funders.loading import get_funder
from grants.ledger import books
from grants.models import Pledge
from grants.roles import acts_for_funder


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Register a funder."""
    form = FunderForm()
    if form.validate_on_submit():
        funder = services.register_funder(
            person=current_user,
            name=form.name.data,
            description=form.description.data,
            registered_number=form.registered_number.data,
            website=form.website.data,
        )
        flash(_("%(funder)s is registered. You act for it.", funder=funder.name), "success")
        return redirect(url_for("funders.show", slug=funder.slug))
    return render_template("funders/new.html", form=form), (400 if form.errors else 200)


@bp.route("/<slug>/manage")
def show(slug: str):
    """A funder's own page: its pledges, what has been received, and what it can release."""
    funder = get_funder(slug, check=acts_for_funder)
    pledges = (
        db.session.execute(select(Pledge).where(Pledge.funder_id == funder.id).order_by(Pledge.pledged_at.desc()))
        .scalars()
        .all()
    )
    return render_template("funders/show.html", funder=funder, pledges=pledges, given=books.funder_summary(funder.id))
