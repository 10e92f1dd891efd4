"""Account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

MAX_PASSWORD = 256


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


# a cap before hashing, so a huge password cannot tie up the server


class SignupForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name")), Length(max=120)])
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your e-mail address")),
            Email(_l("Enter a real e-mail address, like name@example.org")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Choose a password")),
            Length(min=10, max=MAX_PASSWORD, message=_l("Use at least 10 characters")),
        ],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your e-mail address")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password")), Length(max=MAX_PASSWORD)]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your e-mail address")), Length(max=254)],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a new password")),
            Length(min=10, max=MAX_PASSWORD, message=_l("Use at least 10 characters")),
        ],
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(_l("Type the new password again")),
            EqualTo("password", _l("The two passwords do not match")),
            Length(max=MAX_PASSWORD),
        ],
    )
