"""Funder forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional


class FunderForm(FlaskForm):
    name = StringField(
        _l("Name of the funder"), validators=[DataRequired(_l("Enter the funder's name")), Length(max=200)]
    )
    description = TextAreaField(_l("About the funder (optional)"), validators=[Optional(), Length(max=4000)])
    registered_number = StringField(_l("Charity or company number (optional)"), validators=[Optional(), Length(max=40)])
    website = URLField(
        _l("Website (optional)"),
        validators=[Optional(), URL(message=_l("Enter a web address starting with https://")), Length(max=300)],
    )
