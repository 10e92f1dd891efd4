"""Forms for decisions: a convenor's import of a Pabulib file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional


class ImportForm(FlaskForm):
    """A Pabulib (.pb) file to import as a decided table."""

    pb_file = FileField(_l("The Pabulib file (.pb)"))
    title = StringField(_l("Name of the table (optional)"), validators=[Optional(), Length(max=200)])
    accept_warnings = BooleanField(_l("Import it with the problems listed, counting the votes as they are"))
