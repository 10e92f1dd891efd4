"""Forms for group updates and the end-of-grant report."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, InputRequired, Length, Optional


class UpdateForm(FlaskForm):
    body = TextAreaField(_l("What is happening?"), validators=[Optional(), Length(max=5000)])
    award_id = SelectField(_l("Which funded work is this about? (optional)"), coerce=str, validators=[Optional()])
    photo = FileField(_l("A photo (optional)"))
    photo_alt = StringField(
        _l("Describe the photo for people who cannot see it"), validators=[Optional(), Length(max=300)]
    )
    link_url = URLField(
        _l("A link (optional)"),
        validators=[Optional(), URL(message=_l("Enter a full web address, like https://example.org")), Length(max=500)],
    )


class ReportForm(FlaskForm):
    body = TextAreaField(
        _l("What happened with the money, and what did you learn?"), validators=[Optional(), Length(max=20000)]
    )
    file = FileField(_l("Or upload your answer as a file (optional)"))


class ReportDateForm(FlaskForm):
    due_on = DateField(_l("A later date for your report"), validators=[InputRequired(_l("Choose a date"))])
