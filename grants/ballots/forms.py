"""The ballot pages' forms. The marks on a ballot are read by the service for the round's ballot type."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, TextAreaField
from wtforms.validators import NumberRange, Optional

from grants.fields import up_to


class BallotForm(FlaskForm):
    """CSRF only; the marks are checked by the service for the round's ballot type."""


class CodesForm(FlaskForm):
    """How many codes to print, or whom to e-mail (typed or uploaded)."""

    how_many = IntegerField(_l("How many codes to print"), validators=[Optional(), NumberRange(min=1, max=2000)])
    addresses = TextAreaField(_l("E-mail addresses, one on each line"), validators=[Optional(), up_to(200_000)])
    address_file = FileField(_l("Or upload a list of e-mail addresses (a .txt or .csv file)"))
