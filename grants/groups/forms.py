"""Group forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from grants.fields import up_to


class GroupForm(FlaskForm):
    name = StringField(
        _l("Name of the group"), validators=[DataRequired(_l("Enter the group's name")), Length(max=200)]
    )
    description = TextAreaField(
        _l("What does the group do?"), validators=[DataRequired(_l("Say what the group does")), up_to(2000)]
    )
    is_lived_experience_led = BooleanField(_l("The group is led by people with lived experience"))
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[
            DataRequired(_l("Enter a contact e-mail address")),
            Email(_l("Enter a real e-mail address, like name@example.org")),
            up_to(254),
        ],
    )
    registered_number = StringField(_l("Charity or company number (optional)"), validators=[Optional(), Length(max=40)])
    host_organisation = StringField(
        _l("Host organisation that receives money for you (optional)"), validators=[Optional(), Length(max=200)]
    )


class MemberForm(FlaskForm):
    email = EmailField(
        _l("Their e-mail address"),
        validators=[DataRequired(_l("Enter an e-mail address")), Email(_l("Enter a real e-mail address")), up_to(254)],
    )
    role = RadioField(
        _l("Their role"),
        choices=[
            SelectChoice("member", _l("Member")),
            SelectChoice("treasurer", _l("Treasurer")),
            SelectChoice("lead", _l("Lead")),
        ],
        default="member",
        validators=[InputRequired(_l("Choose a role"))],
    )

