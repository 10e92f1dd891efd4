"""Account forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

MAX_PASSWORD = 256


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


# a cap before hashing, so a huge password cannot tie up the server


class SignupForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired("Enter your name"), Length(max=120)])
    email = EmailField(
        "E-mail address",
        filters=[_strip],
        validators=[
            DataRequired("Enter your e-mail address"),
            Email("Enter a real e-mail address, like name@example.org"),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Choose a password"),
            Length(min=10, max=MAX_PASSWORD, message="Use at least 10 characters"),
        ],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail address", filters=[_strip], validators=[DataRequired("Enter your e-mail address"), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=MAX_PASSWORD)])


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "E-mail address", filters=[_strip], validators=[DataRequired("Enter your e-mail address"), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a new password"),
            Length(min=10, max=MAX_PASSWORD, message="Use at least 10 characters"),
        ],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the new password again"),
            EqualTo("password", "The two passwords do not match"),
            Length(max=MAX_PASSWORD),
        ],
    )


class AnswerForm(FlaskForm):
    """Yes or no to an invitation to join a group or help run a table (the buttons carry the answer)."""

    answer = RadioField(choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")], validators=[InputRequired()])
