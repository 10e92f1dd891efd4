"""Panel forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length


class InviteForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired("Enter an e-mail address"),
            Email("Enter a real e-mail address, like name@example.org"),
        ],
    )
    role = RadioField(
        "Role on the panel",
        choices=[
            SelectChoice("member", "Panel member"),
            SelectChoice("facilitator", "Facilitator (also a panel member)"),
        ],
        default="member",
        validators=[InputRequired("Choose a role")],
    )


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment", validators=[DataRequired("Write a comment"), Length(max=5000)])


class InterestForm(FlaskForm):
    nature = TextAreaField(
        "What is your connection to this proposal?",
        validators=[DataRequired("Say briefly what the connection is"), Length(max=1000)],
    )


class ConfirmForm(FlaskForm):
    """Only a CSRF token: for buttons."""
