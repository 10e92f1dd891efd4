"""Default-deny access, security headers, and the one place role checks live."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import undefer
from werkzeug.exceptions import SecurityError

from grants.extensions import db, login_manager, talisman
from grants.models import Person

F = TypeVar("F", bound=Callable[..., Any])
SEEN_KEY = "_seen"  # when this session last did anything, in whole seconds
SEEN_EVERY_SECONDS = 30
CALM_BLUEPRINTS = ("panels", "ballots")
WARN_BEFORE_MINUTES = 5  # the timeout warning shows this long before the end


def idle_seconds() -> int:
    """How long a session may do nothing before it ends."""
    return int(current_app.config.get("SESSION_IDLE_MINUTES", 120)) * 60


def session_is_idle() -> bool:
    """Whether this signed-in session has done nothing for longer than the idle timeout."""
    seen = session.get(SEEN_KEY)
    return "_user_id" in session and (not isinstance(seen, int) or int(time.time()) - seen > idle_seconds())


def idle_words() -> str:
    """The idle timeout in plain words: "2 hours", "30 minutes"."""
    minutes = idle_seconds() // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def mark_session_active() -> None:
    """Start the idle clock of a session that has just signed in."""
    session[SEEN_KEY] = int(time.time())

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


# An uploaded file: everything the site-wide policy says, but nothing at all may load or run
# (default-src 'none'), and the file is sandboxed as if from another origin. The stricter of
# the two for each directive, so an upload never gets less than a page.
UPLOAD_CSP = {**CSP, "default-src": "'none'", "style-src": "'none'", "script-src": "'none'", "form-action": "'none'"}


def upload_csp() -> str:
    """The Content-Security-Policy header value for an uploaded file."""
    return "; ".join(f"{name} {value}" for name, value in UPLOAD_CSP.items()) + "; sandbox"


def public(view: F) -> F:
    """Mark a view as reachable without signing in. Everything else needs a login."""
    view._is_public = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Install login loading, default-deny and headers."""

    @login_manager.user_loader
    def load_user(user_id: str) -> Person | None:
        # "id:generation": a cookie from before the person last signed out, reset their
        # password or signed out everywhere carries an older generation and is refused.
        person_id, _, epoch = user_id.partition(":")
        if not (person_id.isdigit() and epoch.isdigit()):
            return None
        person = db.session.get(
            Person, int(person_id), options=[undefer(Person.session_epoch), undefer(Person.language)]
        )
        if person is None or person.session_epoch != int(epoch):
            return None
        return person

    @app.context_processor
    def session_timeout() -> dict[str, Any]:
        return {
            "session_idle_words": idle_words(),
            "session_idle_seconds": idle_seconds(),
            "session_warn_seconds": min(WARN_BEFORE_MINUTES * 60, idle_seconds() // 2),
            # Panel and ballot pages put no time pressure on anyone: no warning dialog there.
            "calm_blueprints": CALM_BLUEPRINTS,
        }

    @app.before_request
    def end_idle_sessions() -> Any:
        # Shared computers in community venues: a session nobody has used for
        # SESSION_IDLE_MINUTES ends, whatever the browser does with its cookie.
        if request.endpoint == "static" or "_user_id" not in session:
            return None
        now = int(time.time())
        seen = session.get(SEEN_KEY)
        if session_is_idle():
            logout_user()
            session.clear()
            flash(
                _(
                    "We signed you out because you had not done anything for %(time)s. "
                    "We do this to keep your information safe. Sign in again to carry on.",
                    time=idle_words(),
                ),
                "info",
            )
            if request.method == "GET" and request.endpoint not in (None, "auth.login"):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            return redirect(url_for("auth.login"))
        if now - seen >= SEEN_EVERY_SECONDS:  # not every request: each write sends a new cookie
            session[SEEN_KEY] = now
        return None

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
        # The site's own files hold nothing personal: kept as grants/static_files.py says.
        if request.endpoint != "static" and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        # Registered before talisman, so it runs after talisman has set the site-wide policy.
        if g.get("upload_sandbox"):
            response.headers["Content-Security-Policy"] = upload_csp()
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
    400: (_l("The request could not be understood"), _l("Go back, check the form and send it again.")),
    403: (
        _l("You cannot see this page"),
        _l(
            "Your account does not have a role that allows this. If you think it should, "
            "ask the convenor of the table or a lead of your group."
        ),
    ),
    404: (_l("Page not found"), _l("Check the address, or start from the home page.")),
    405: (_l("That cannot be done here"), _l("Go back and use the buttons on the page.")),
    413: (_l("The file is too large"), _l("Choose a smaller file and try again.")),
    429: (
        _l("Too many attempts"),
        _l(
            "For your safety we have paused attempts for a while. Wait 15 minutes and try again, "
            "or reset your password."
        ),
    ),
}


SIGN_IN_PAUSED = (
    _l("Too many attempts"),
    _l(
        "There have been too many wrong passwords for this account, so for its safety we have paused signing in "
        "with a password for 15 minutes. You can still get in now: we can e-mail you a link that signs you in "
        "and lets you choose a new password."
    ),
)

CSRF_PAGE = (
    _l("Your form was out of date"),
    _l(
        "For your safety, forms stop working when your session ends or when they come from another site. "
        "Go back, reload the page and send the form again."
    ),
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
        way_in = None
        if isinstance(error, CSRFError):
            title, advice = CSRF_PAGE
        elif code == 429 and request.endpoint == "auth.login":
            # Attempts for this account are paused (maybe by someone else guessing): the owner
            # still gets in now, through a link sent to their e-mail.
            title, advice = SIGN_IN_PAUSED
            way_in = url_for("auth.reset_request")
        return render_template("errors/error.html", code=code, title=title, advice=advice, way_in=way_in), code

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


def allowed_or_403(check: Callable[[Any, int], Any] | None, context_id: int) -> None:
    """Refuse (403) unless `check(current_user, context_id)` is true: the check half of every loader."""
    if check is not None and not (current_user.is_authenticated and check(current_user, context_id)):
        abort(403)


def any_of(*checks: Callable[[Any, int], Any]) -> Callable[[Any, int], bool]:
    """A check that passes when any of `checks` does (a convenor, or a member of the panel)."""

    def check(person: Any, context_id: int) -> bool:  # noqa: ANN401
        return any(one(person, context_id) for one in checks)

    return check


def is_admin(person: Any, **_view_args: Any) -> bool:  # noqa: ANN401
    """A site administrator (for `require`)."""
    return bool(person.is_admin)


def safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
