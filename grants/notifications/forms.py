"""Forms for notifications."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class EmailChoicesForm(FlaskForm):
    """Which notifications a person gets by e-mail."""

    by_email = SelectMultipleField(
        _l("Send me an e-mail when"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )


class ConfirmForm(FlaskForm):
    """CSRF only."""
