"""Never lose what a person typed when their session times out.

Two ways a form post can fail after a long time on a page:
- the CSRF token no longer matches (the session expired, or the form is old): the same
  page is shown again with what they typed and an explanation (the error summary);
- they have been signed out: what they typed is kept in a signed, short-lived cookie
  (it survives the fresh session that signing in starts), and the form is filled in
  again after they sign in.

Only views marked with `@keeps_input` get this, because re-running a view is safe only
when it validates its own form (which fails on a bad token and so writes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Flask,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from grants.security import CSRF_PAGE, session_is_idle

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "ot_draft"
MAX_AGE = 2 * 3600  # short: on a shared computer, a draft should not wait for the next person
MAX_COOKIE = 3800  # browsers keep about 4 kB per cookie
SKIP = ("csrf_token", "password")


def keeps_input(view: F) -> F:
    """Mark a view whose form is shown again with the typed input after a time-out."""
    view._keeps_input = True  # type: ignore[attr-defined]
    return view


def _marked() -> Callable[..., Any] | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return view if getattr(view, "_keeps_input", False) else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="draft")


def _typed() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if not any(s in k for s in SKIP)}


def _keep_and_sign_in() -> Any:
    fields = _typed()
    value = _serializer().dumps({"path": request.path, "fields": fields})
    while len(value) > MAX_COOKIE and fields:
        # Too long for a cookie: shorten the longest answer rather than keep nothing.
        longest = max(fields, key=lambda k: len(fields[k]))
        fields[longest] = fields[longest][: len(fields[longest]) // 2]
        value = _serializer().dumps({"path": request.path, "fields": fields})
    response = redirect(url_for("auth.login", next=request.path))
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))  # fmt: skip
    flash(_("You were signed out, so nothing was sent. What you typed is kept: sign in and check it."), "info")
    return response


def restore(form: Any) -> bool:
    """Fill `form` with input kept from before signing in, if it was typed on this page."""
    raw = request.cookies.get(COOKIE)
    if not raw or request.method != "GET":
        return False
    try:
        kept = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return False
    if kept.get("path") != request.path:
        return False

    @after_this_request
    def forget(response: Any) -> Any:
        response.delete_cookie(COOKIE)
        return response

    for name, value in kept.get("fields", {}).items():
        if name in form:
            field = form[name]
            if field.type == "BooleanField":
                field.data = value not in ("", "n", "false")
            else:
                field.data = value
    g.restored_input = True
    flash(_("Here is what you typed before you were signed out. Nothing was sent yet: check it and send it."), "info")
    return True


def init_app(app: Flask | Any) -> None:
    """Install the handlers on the app (through a blueprint's app-wide hooks)."""

    @app.app_context_processor
    def keeps_input_here() -> dict[str, bool]:
        # The calm pages' timeout sentence promises typed input comes back only where it does.
        return {"keeps_input_here": request.endpoint is not None and _marked() is not None}

    @app.app_errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> Any:
        view = _marked()
        if view is None:
            title, advice = CSRF_PAGE
            return render_template("errors/error.html", code=400, title=title, advice=advice), 400
        if not current_user.is_authenticated:
            return _keep_and_sign_in()
        # The view's own form check fails on the same token, so it writes nothing and shows the form again.
        try:
            return view(**(request.view_args or {}))
        except HTTPException as exc:  # e.g. a 404 for an object that is gone: answer it like any other
            return current_app.handle_http_exception(exc)

    @app.before_app_request
    def signed_out_post() -> Any:
        # Signed out already, or about to be for having been idle (grants.security ends the session
        # next): either way what they typed is kept before anything else happens.
        if request.method == "POST" and _marked() is not None:
            if session_is_idle():
                logout_user()
                session.clear()
                return _keep_and_sign_in()
            if not current_user.is_authenticated:
                return _keep_and_sign_in()
        return None
