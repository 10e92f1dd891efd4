"""Account pages."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from grants import invitations, language
from grants.auth import bp, services
from grants.auth.forms import LoginForm, ResetPasswordForm, ResetRequestForm, SignupForm
from grants.core import DomainError
from grants.extensions import limiter
from grants.fields import AnswerForm
from grants.language import services as language_services
from grants.panels.wellbeing import reflections_waiting
from grants.security import mark_session_active, public, safe_next


def _account_key() -> str:
    """Throttle key for the account being tried: the e-mail address as typed, normalised."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _address_key() -> str:
    """Throttle key for the network address the attempts come from."""
    return "address:" + (get_remote_address() or "unknown")


def _limit(name: str):  # noqa: ANN202
    """A limit read from configuration at request time, so tests and deployments can tune it."""
    return lambda: current_app.config[name]


def _failed(response) -> bool:  # noqa: ANN001
    """Only failed sign-ins count towards the limits: signing in often never locks anyone out."""
    return response.status_code != 302


def _start_session(person) -> None:  # noqa: ANN001
    # A new session at login: nothing from before sign-in carries over (session fixation),
    # but the language the visitor chose, which is also kept on their account from now on.
    kept = language.kept_over_new_session()
    session.clear()
    session.update(kept)
    if kept and person.language != kept["language"]:
        language_services.remember(person.id, kept["language"])
    login_user(person)
    mark_session_active()


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit(_limit("SIGNUP_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"], scope="signup-account")
@limiter.limit(_limit("SIGNUP_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"], scope="signup-address")
def signup():
    """Create an account."""
    form = SignupForm()
    if form.validate_on_submit():
        services.start_signup(
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            # Where the person was going (an invitation to a panel) goes with them through the e-mail.
            link_for=lambda token: url_for(
                "auth.finish_signup", token=token, next=safe_next(request.args.get("next")), _external=True
            ),
        )
        # The same answer whether or not the address has an account: the e-mail tells its owner.
        return redirect(url_for("auth.check_email"))
    # Where the person was going (an invitation to a panel) goes with them to "Sign in" and back.
    return render_template("auth/signup.html", form=form, next_url=safe_next(request.args.get("next"))), (
        400 if form.errors else 200
    )


@bp.route("/signup/check-your-email")
@public
def check_email():
    """What happens next after asking for an account."""
    return render_template("auth/check_email.html")


@bp.route("/signup/finish/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS"), key_func=_address_key, methods=["POST"], scope="signup-finish")
def finish_signup(token: str):
    """Finish creating an account from the e-mailed link (a button, so a mail scanner opening it does nothing)."""
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            person = services.finish_signup(token)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("auth.signup"))
        _start_session(person)
        flash(_("Your account is ready. Welcome."), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("auth.dashboard"))
    return render_template("auth/finish_signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ACCOUNT"),
    key_func=_account_key,
    methods=["POST"],
    scope="login-account",
    deduct_when=_failed,
)
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ADDRESS"),
    key_func=_address_key,
    methods=["POST"],
    scope="login-address",
    deduct_when=_failed,
)
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
    """Sign out (a POST, so no other site can sign a person out).

    The session's cookie is signed, not stored: moving the person's session generation on is
    what makes a copy of it (on a shared computer, in a browser's history) useless."""
    services.end_sessions(current_user)
    logout_user()
    kept = language.kept_over_new_session()
    session.clear()
    session.update(kept)
    flash(_("You have signed out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every other session of this person (another computer, a lost phone); this one carries on."""
    person = services.end_sessions(current_user)
    _start_session(person)
    flash(_("You are signed out everywhere else. Only this browser is still signed in."), "success")
    return redirect(url_for("auth.dashboard"))


@bp.route("/stay-signed-in", methods=["POST"])
@login_required
def keep_signed_in():
    """The timeout warning's "Stay signed in": the idle clock starts again."""
    mark_session_active()
    if request.accept_mimetypes.best == "application/json":
        return "", 204
    return redirect(safe_next(request.form.get("next")) or url_for("auth.dashboard"))


@bp.route("/password-reset", methods=["GET", "POST"])
@public
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
        flash(_("If that address has an account, we have sent a link to reset the password."), "success")
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
            person = services.reset_password(token, form.password.data)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("auth.reset_request"))
        # The link in the e-mail is the way in, even while sign-in attempts are paused for this
        # account (someone else may be guessing): a successful reset signs the person in.
        _start_session(person)
        flash(_("Your password has been changed and you are signed in."), "success")
        return redirect(url_for("auth.dashboard"))
    return render_template("auth/reset_password.html", form=form), (400 if form.errors else 200)


@bp.route("/me")
def dashboard():
    """A person's own page: everything they have a role in."""
    return render_template(
        "auth/dashboard.html",
        roles=services.dashboard_for(current_user),
        reflect=reflections_waiting(current_user),
        invitations=sum(invitations.for_person(current_user), []),
    )


@bp.route("/me/invitations", endpoint="invitations")
def invitations_page():
    """Invitations to join groups and to help run tables, sent to the person's own address."""
    groups, tables = invitations.for_person(current_user)
    return render_template("auth/invitations.html", groups=groups, tables=tables, form=AnswerForm())
