"""Funder forms."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional


class FunderForm(FlaskForm):
    name = StringField("Name of the funder", validators=[DataRequired("Enter the funder's name"), Length(max=200)])
    description = TextAreaField("About the funder (optional)", validators=[Optional(), Length(max=4000)])
    registered_number = StringField("Charity or company number (optional)", validators=[Optional(), Length(max=40)])
    website = URLField(
        "Website (optional)",
        validators=[Optional(), URL(message="Enter a web address starting with https://"), Length(max=300)],
    )
