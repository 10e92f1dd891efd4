"""Form fields shared by several features, and the one small form they share (`AnswerForm`)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from grants.inputs import MAX_PENCE
from grants.money_format import format_for_input, format_pence, parse_pounds


def up_to(limit: int) -> Length:
    """A text field's length limit, with a message that says how far over it is (the hint shows the limit)."""
    return Length(max=limit, message=_l("Use %(max)d characters or fewer: this has %(length)d"))


class DayField(DateField):
    """A date; one that cannot be read is refused in plain words, with an example to copy."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_("Enter a real date, like 2026-05-14")) from exc


class MoneyField(StringField):
    """A pounds amount typed by a person, held as integer pence in `.data`."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_for_input(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_pounds(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(str(exc)) from exc

    def pre_validate(self, form) -> None:  # noqa: ANN001
        """Refuse an amount larger than the site can keep (a 500 from the database otherwise)."""
        if self.data is not None and abs(self.data) > MAX_PENCE:
            self.data = None
            raise ValidationError(_("Enter an amount of %(most)s or less", most=format_pence(MAX_PENCE)))


def positive_money(form, field) -> None:  # noqa: ANN001
    """Refuse zero or negative amounts."""
    if field.data is not None and field.data <= 0:
        raise ValidationError(_("Enter an amount of more than £0"))


class AnswerForm(FlaskForm):
    """Yes or no to an invitation to join a group or help run a table (the buttons carry the answer)."""

    answer = RadioField(
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))], validators=[InputRequired()]
    )
