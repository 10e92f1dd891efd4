"""Group forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from grants.fields import up_to


class GroupForm(FlaskForm):
    name = StringField("Name of the group", validators=[DataRequired("Enter the group's name"), Length(max=200)])
    description = TextAreaField(
        "What does the group do?", validators=[DataRequired("Say what the group does"), up_to(2000)]
    )
    is_lived_experience_led = BooleanField("The group is led by people with lived experience")
    contact_email = EmailField(
        "Contact e-mail address",
        validators=[
            DataRequired("Enter a contact e-mail address"),
            Email("Enter a real e-mail address, like name@example.org"),
            up_to(254),
        ],
    )
    registered_number = StringField("Charity or company number (optional)", validators=[Optional(), Length(max=40)])
    host_organisation = StringField(
        "Host organisation that receives money for you (optional)", validators=[Optional(), Length(max=200)]
    )


class MemberForm(FlaskForm):
    email = EmailField(
        "Their e-mail address",
        validators=[DataRequired("Enter an e-mail address"), Email("Enter a real e-mail address"), up_to(254)],
    )
    role = RadioField(
        "Their role",
        choices=[
            SelectChoice("member", "Member"),
            SelectChoice("treasurer", "Treasurer"),
            SelectChoice("lead", "Lead"),
        ],
        default="member",
        validators=[InputRequired("Choose a role")],
    )

