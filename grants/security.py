"""Default-deny access, security headers, and the one place role checks live."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from grants.extensions import db, login_manager, talisman
from grants.models import Person

F = TypeVar("F", bound=Callable[..., Any])

CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def public(view: F) -> F:
    """Mark a view as reachable without signing in. Everything else needs a login."""
    view._is_public = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Install login loading, default-deny and headers."""

    @login_manager.user_loader
    def load_user(user_id: str) -> Person | None:
        return db.session.get(Person, int(user_id)) if user_id.isdigit() else None

    @app.before_request
    def require_login() -> Any:
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "_is_public", False):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def no_store_when_signed_in(response: Any) -> Any:
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response

    _error_pages(app)

    talisman.init_app(
        app,
        force_https=app.config.get("FORCE_HTTPS", False),
        content_security_policy=CSP,
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
        strict_transport_security=app.config.get("FORCE_HTTPS", False),
    )


ERROR_PAGES = {
    400: ("The request could not be understood", "Go back, check the form and send it again."),
    403: (
        "You cannot see this page",
        "Your account does not have a role that allows this. If you think it should, "
        "ask the convenor of the table or a lead of your group.",
    ),
    404: ("Page not found", "Check the address, or start from the home page."),
    405: ("That cannot be done here", "Go back and use the buttons on the page."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: (
        "Too many attempts",
        "For your safety we have paused attempts for a while. Wait 15 minutes and try again, or reset your password.",
    ),
}


CSRF_PAGE = (
    "Your form was out of date",
    "For your safety, forms stop working when your session ends or when they come from another site. "
    "Go back, reload the page and send the form again.",
)


def _error_pages(app: Flask) -> None:
    """Error pages in the site's own accessible layout (Werkzeug's bare pages have no language or landmarks)."""

    def handler(error: Any) -> Any:
        code = getattr(error, "code", 500) or 500
        if isinstance(error, SecurityError):
            # A Host that is not the site's own (TRUSTED_HOSTS): no URLs can be built for it, and
            # nothing of the site's pages should be served under another name.
            return Response(
                "Bad request: this site answers only at its own address.\n", 400, mimetype="text/plain"
            )
        title, advice = ERROR_PAGES[code]
        if isinstance(error, CSRFError):
            title, advice = CSRF_PAGE
        return render_template("errors/error.html", code=code, title=title, advice=advice), code

    for code in ERROR_PAGES:
        app.register_error_handler(code, handler)


def require(check: Callable[..., bool]) -> Callable[[F], F]:
    """Refuse (403) unless `check(current_user, **view_kwargs)` is true."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not check(current_user, **kwargs):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def debug_log(message: str, *args: Any) -> None:
    """Log a development-only message (reset links, invitation links)."""
    current_app.logger.info(message, *args)
