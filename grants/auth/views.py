"""Account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from grants.auth import bp, services
from grants.auth.forms import LoginForm, ResetPasswordForm, ResetRequestForm, SignupForm
from grants.core import DomainError
from grants.extensions import limiter
from grants.flashing import submitted
from grants.models import Person
from grants.panels.wellbeing import reflections_waiting
from grants.security import public


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


def _account_key() -> str:
    """Throttle key for the account being tried: the e-mail address as typed, normalised."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _address_key() -> str:
    """Throttle key for the network address the attempts come from."""
    return "address:" + (get_remote_address() or "unknown")


def _limit(name: str):  # noqa: ANN202
    """A limit read from configuration at request time, so tests and deployments can tune it."""
    return lambda: current_app.config[name]


def _start_session(person) -> None:  # noqa: ANN001
    # A new session at login: nothing from before sign-in carries over (session fixation).
    session.clear()
    login_user(person)


@bp.route("/signup", methods=["GET", "POST"])
@public
def signup():
    """Create an account."""
    form = SignupForm()

    def register() -> Person:
        return services.register_person(
            email=form.email.data, display_name=form.display_name.data, password=form.password.data
        )

    if registered := submitted(form, register, field="email"):
        # Not `success=`: starting the session clears it, and the welcome with it.
        _start_session(registered.value)
        flash("Your account is ready. Welcome.", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("auth.dashboard"))
    # Where the person was going (an invitation to a panel) goes with them to "Sign in" and back.
    return render_template("auth/signup.html", form=form, next_url=safe_next(request.args.get("next"))), (
        400 if form.errors else 200
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"], scope="login-account")
@limiter.limit(_limit("LOGIN_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"], scope="login-address")
def login():
    """Sign in."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            person = services.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            error = exc.message
        else:
            _start_session(person)
            return redirect(safe_next(request.args.get("next")) or url_for("auth.dashboard"))
    status = 400 if (form.errors or error) else 200
    return render_template(
        "auth/login.html", form=form, error=error, next_url=safe_next(request.args.get("next"))
    ), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (a POST, so no other site can sign a person out)."""
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("public.home"))


@bp.route("/password-reset", methods=["GET", "POST"])
@public
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"], scope="reset-account")
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"], scope="reset-address")
def reset_request():
    """Ask for a password reset link."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        # The e-mail (printed to the log in development) carries the link.
        services.request_password_reset(
            form.email.data, lambda token: url_for("auth.reset_password", token=token, _external=True)
        )
        # The same answer either way, so nobody can find out who has an account.
        flash("If that address has an account, we have sent a link to reset the password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), (400 if form.errors else 200)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"], scope="reset-token-address")
def reset_password(token: str):
    """Choose a new password."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("auth.reset_request"))
        flash("Your password has been changed. Sign in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), (400 if form.errors else 200)


@bp.route("/me")
def dashboard():
    """A person's own page: everything they have a role in."""
    return render_template(
        "auth/dashboard.html", roles=services.dashboard_for(current_user), reflect=reflections_waiting(current_user)
    )
