"""Form fields shared by several features."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import ValidationError

from grants.money_format import format_pence, parse_pounds


class MoneyField(StringField):
    """A pounds amount typed by a person, held as integer pence in `.data`."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_pence(self.data, symbol="").replace(",", "")

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_pounds(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(str(exc)) from exc


def positive_money(form, field) -> None:  # noqa: ANN001
    """Refuse zero or negative amounts."""
    if field.data is not None and field.data <= 0:
        raise ValidationError("Enter an amount of more than £0")
