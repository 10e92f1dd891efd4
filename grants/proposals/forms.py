"""Proposal forms. Budget lines are plain rows, so the form works without JavaScript."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from grants.fields import LanguagesField, MoneyField, add_language_boxes, up_to
from grants.language import DEFAULT, LANGUAGES, written
from grants.language.written import field_id
from grants.models import N_
from grants.money_format import format_pence

BLANK_LINES = 3


class BudgetLineForm(Form):
    # The item in the bid's own (first) language; item_cy and so on beside it, in each further language
    # the bid is written in (added below, shown only for a bid in more than one).
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


# The bid's texts, in each language the group writes it in (the default language's boxes keep
# their plain names; title_cy and so on beside them). Which must be filled depends on the languages ticked.
TEXT_BOXES = {
    "title": (StringField, _l("Title of your proposal"), 200),
    "summary": (TextAreaField, _l("Summary"), 800),
    "activities": (TextAreaField, _l("What will you do?"), 6000),
    "beneficiaries": (TextAreaField, _l("Who will benefit?"), 3000),
}


TEXT_MISSING = {
    "title": N_("Enter a title"),
    "summary": N_("Write a short summary"),
    "activities": N_("Say what you will do"),
    "beneficiaries": N_("Say who will benefit"),
}
TEXT_MISSING_IN = {
    "title": N_("Enter the title in %(language)s"),
    "summary": N_("Write a short summary in %(language)s"),
    "activities": N_("Say what you will do, in %(language)s"),
    "beneficiaries": N_("Say who will benefit, in %(language)s"),
}


class ProposalForm(FlaskForm):
    languages = LanguagesField(_l("Languages you write your proposal in"))
    title = StringField(TEXT_BOXES["title"][1], validators=[Length(max=200)])
    summary = TextAreaField(TEXT_BOXES["summary"][1], validators=[up_to(800)])
    activities = TextAreaField(TEXT_BOXES["activities"][1], validators=[up_to(6000)])
    beneficiaries = TextAreaField(TEXT_BOXES["beneficiaries"][1], validators=[up_to(3000)])
    agreed_to_be_named = BooleanField(_l("Show our group's name and this proposal in public even if it is not funded"))
    lines = FieldList(FormField(BudgetLineForm), min_entries=BLANK_LINES)
    # The table's largest grant (set by the view): a budget over it is said with every other problem.
    max_grant_pence: int | None = None
    # The languages the bid is written in so far (set by the view), for a form that does not ask.
    current_languages: list[str] | None = None

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        if self.languages.errors:
            return False
        for box, message in written.missing(
            self.versions(), tuple(TEXT_BOXES), TEXT_MISSING, TEXT_MISSING_IN
        ):
            self[box].errors = [*self[box].errors, message]
            ok = False
        return ok

    def chosen_languages(self) -> list[str]:
        """The languages ticked (or, if the form did not ask, those the bid is written in already)."""
        if self.languages.data is not None:
            return self.languages.data
        return self.current_languages or [DEFAULT]

    def versions(self) -> dict[str, dict[str, str]]:
        """The bid's texts in each language ticked."""
        return written.versions_from(self.data, tuple(TEXT_BOXES), self.chosen_languages())

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

    def line_languages(self) -> list[str]:
        """The languages a budget line's item may be written in: the bid's (its own first)."""
        return [code for code in LANGUAGES if code in self.chosen_languages()] or [DEFAULT]

    def name_line_boxes(self) -> None:
        """For a bid in more than one language, name each line's first box by its language ("Item (English)"),
        as the further languages' boxes are named."""
        codes = self.line_languages()
        if len(codes) > 1:
            for entry in self.lines:
                entry.item.label.text = _(
                    "%(label)s (%(language)s)", label=entry.item.label.text, language=written.language_name(codes[0])
                )
                entry.item.render_kw = {"lang": codes[0]}

    def budget_lines(self) -> list[tuple[dict[str, str], int]]:
        """The filled-in budget lines as ({language: item}, pence): the item in the bid's own language, and in
        each further language it is written in where the group wrote it (a box left empty is no version)."""
        codes = self.line_languages()
        out = []
        for entry in self.lines:
            item = (entry.item.data or "").strip()
            if codes[0] != DEFAULT and (entry[field_id("item", codes[0])].data or "").strip():
                # A bid now only in a further language: its own box, as written (the plain box was the other's).
                item = entry[field_id("item", codes[0])].data.strip()
            amount = entry.amount.data
            further = {code: (entry[field_id("item", code)].data or "").strip() for code in codes[1:]}
            if item or amount is not None or any(further.values()):
                out.append(({codes[0]: item} | {code: text for code, text in further.items() if text}, amount))
        return out


add_language_boxes(ProposalForm, TEXT_BOXES)
add_language_boxes(BudgetLineForm, {"item": (StringField, _l("Item"), 200)})


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
