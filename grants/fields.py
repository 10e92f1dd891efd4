"""Form fields shared by several features, and the one small form they share (`AnswerForm`)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from grants.inputs import MAX_PENCE
from grants.language import DEFAULT, LANGUAGES
from grants.language.written import field_id
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


class LanguagesField(SelectMultipleField):
    """Which languages a text is written in: a tick box for each of the site's languages.

    `.data` is None when the form did not ask (a form from before languages were asked keeps
    what was chosen); the page sends an empty hidden value beside the boxes, so unticking every
    box is told apart from not being asked, and refused."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs) -> None:  # noqa: ANN001
        # Each language named in itself, marked with its own lang (a screen reader says "Cymraeg" in Welsh).
        choices = [
            SelectChoice(code, Markup('<span lang="{}">{}</span>').format(code, own))
            for code, (own, _locale) in LANGUAGES.items()
        ]
        super().__init__(label, validators, choices=choices, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = [v for v in valuelist if v] if valuelist else None

    def pre_validate(self, form) -> None:  # noqa: ANN001
        if self.data is None:
            return
        if not self.data:
            raise ValidationError(_("Choose at least one language"))
        known = {choice.value for choice in self.choices}
        if any(code not in known for code in self.data):
            raise ValidationError(_("Choose from the languages listed"))


def add_language_boxes(form_cls: type, boxes: dict[str, tuple[type, object, int]]) -> None:
    """Give a form a box for each text in each further language (title_cy beside title)."""
    for code, (own, _locale) in LANGUAGES.items():
        if code == DEFAULT:
            continue
        for name, (field_class, label, limit) in boxes.items():
            box = field_class(_l("%(label)s (%(language)s)", label=label, language=own), validators=[up_to(limit)],
                              render_kw={"lang": code})  # fmt: skip
            setattr(form_cls, field_id(name, code), box)
