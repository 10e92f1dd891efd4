"""The floor for scripts/bench_web's ballot: this app's cheapest signed-in form post.

The whole app as production serves it, plus one route that does no work of its own: it
loads the person signed in, checks the CSRF token, sets a value in the session and
redirects, as casting a ballot does around its use case. Served on the same gunicorn
settings, it shows what any signed-in POST costs here before a ballot's own work begins.
"""

from flask import abort, redirect, session
from flask_wtf import FlaskForm

from grants import create_app

app = create_app()


@app.post("/bench/signed-in-post")
def signed_in_post():  # noqa: ANN201
    """Everything a ballot's view does around its use case, and nothing else."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    session["receipt"] = "BENCH"
    return redirect("/")
