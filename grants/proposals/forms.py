"""Proposal forms. Budget lines are plain rows, so the form works without JavaScript."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from grants.fields import MoneyField, up_to
from grants.money_format import format_pence

BLANK_LINES = 3


class BudgetLineForm(Form):
    item = StringField(_l("Item"), validators=[Length(max=200)])
    amount = MoneyField(_l("Cost in pounds"))

    def validate_item(self, field) -> None:  # noqa: ANN001
        if self.amount.data is not None and not (field.data or "").strip():
            raise ValidationError(_("Say what this cost is for"))

    def validate_amount(self, field) -> None:  # noqa: ANN001
        if field.errors:  # the amount could not be read; that message says enough
            return
        item = (self.item.data or "").strip()
        if field.data is None and item:
            raise ValidationError(_("Enter the cost of “%(item)s”", item=item))
        if field.data is not None and field.data <= 0:
            raise ValidationError(_("Enter a cost of more than £0"))


class ProposalForm(FlaskForm):
    title = StringField(_l("Title of your proposal"), validators=[DataRequired(_l("Enter a title")), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(_l("Write a short summary")), up_to(800)])
    activities = TextAreaField(
        _l("What will you do?"), validators=[DataRequired(_l("Say what you will do")), up_to(6000)]
    )
    beneficiaries = TextAreaField(
        _l("Who will benefit?"), validators=[DataRequired(_l("Say who will benefit")), up_to(3000)]
    )
    agreed_to_be_named = BooleanField(_l("Show our group's name and this proposal in public even if it is not funded"))
    lines = FieldList(FormField(BudgetLineForm), min_entries=BLANK_LINES)
    # The table's largest grant (set by the view): a budget over it is said with every other problem.
    max_grant_pence: int | None = None

    def validate_lines(self, field) -> None:  # noqa: ANN001
        if self.max_grant_pence is None:
            return
        total = sum(amount for _item, amount in self.budget_lines() if amount and amount > 0)
        if total > self.max_grant_pence:
            raise ValidationError(
                _(
                    "Your budget adds up to %(total)s, more than this table's largest grant of %(most)s. "
                    "Make the budget smaller.",
                    total=format_pence(total),
                    most=format_pence(self.max_grant_pence),
                )
            )

    def budget_lines(self) -> list[tuple[str, int]]:
        """The filled-in budget lines as (item, pence)."""
        out = []
        for entry in self.lines:
            item = (entry.item.data or "").strip()
            amount = entry.amount.data
            if item or amount is not None:
                out.append((item, amount))
        return out


class SubmitForm(FlaskForm):
    """Confirms the check-your-answers page."""


# The bid in Easy Read (chosen by the applicant): short sentences, one idea a line. Labels here; the
# template adds the guidance and a picture beside each question.
EASY_READ_LABELS = {
    "title": _l("What is your idea called?"),
    "summary": _l("Tell us about your idea."),
    "activities": _l("What will you do?"),
    "beneficiaries": _l("Who will it help?"),
    "agreed_to_be_named": _l("You can show our name even if we do not get the money."),
}


def use_easy_read(form: ProposalForm) -> None:
    """Give the form its Easy Read labels (the same fields, so answers and errors work the same)."""
    for name, text in EASY_READ_LABELS.items():
        form[name].label.text = text
    for entry in form.lines:
        entry.item.label.text = _("What do you need?")
        entry.amount.label.text = _("How much does it cost, in pounds?")
