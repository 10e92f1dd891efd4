"""The floor for scripts/bench_web's ballot: this app's cheapest signed-in form post.

The whole app as production serves it, plus one route that does no work of its own: it
loads the person signed in, checks the CSRF token, sets a value in the session and
redirects, as casting a ballot does around its use case. Served on the same gunicorn
settings, it shows what any signed-in POST costs here before a ballot's own work begins.
(scripts/profile_ballot.py adds the same route to its app with `add_floor`.)
"""

from flask import Flask, abort, redirect, session
from flask_wtf import FlaskForm

from grants import create_app

FLOOR_PATH = "/bench/signed-in-post"


def signed_in_post():  # noqa: ANN201
    """Everything a ballot's view does around its use case, and nothing else."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    session["receipt"] = "BENCH"
    return redirect("/")


def add_floor(app: Flask) -> Flask:
    """The floor's route on `app`."""
    app.add_url_rule(FLOOR_PATH, "signed_in_post", signed_in_post, methods=["POST"])
    return app


app = add_floor(create_app())
