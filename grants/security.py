"""Default-deny access, security headers, and the one place role checks live."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

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
