"""Panel pay forms: the rate, time, expenses, a member's choice, and the convenor's and treasurer's decisions."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from grants.fields import DayField, MoneyField, positive_money, up_to
from grants.models import Activity, ExpenseKind, LimitPeriod, OverLimit, PayChoice, RateUnit


class RateForm(FlaskForm):
    unit = RadioField(
        _l("Paid"),
        choices=[SelectChoice(u.value, u.label) for u in RateUnit],
        validators=[InputRequired(_l("Choose how the rate is counted"))],
    )
    rate = MoneyField(_l("Rate, in pounds"), validators=[InputRequired(_l("Enter the rate")), positive_money])
    counts_reading = BooleanField(_l("Reading proposals is paid"))
    counts_meetings = BooleanField(_l("Meetings are paid"))
    counts_training = BooleanField(_l("Training is paid"))


class TimeForm(FlaskForm):
    activity = RadioField(
        _l("What did you do?"),
        choices=[SelectChoice(a.value, a.label) for a in Activity],
        validators=[InputRequired(_l("Choose what you did"))],
    )
    worked_on = DayField(_l("Date"), validators=[InputRequired(_l("Enter the date"))])
    units = DecimalField(
        _l("How much time"),
        places=2,
        validators=[
            InputRequired(_l("Enter how much time")),
            NumberRange(
                min=Decimal("0.01"), max=Decimal("100"), message=_l("Enter an amount of time from 0.01 to 100")
            ),
        ],
    )
    note = StringField(_l("Note (optional)"), validators=[up_to(500)])


class ExpenseForm(FlaskForm):
    kind = RadioField(
        _l("What was it for?"),
        choices=[SelectChoice(k.value, k.label) for k in ExpenseKind],
        validators=[InputRequired(_l("Choose a kind"))],
    )
    spent_on = DayField(_l("Date"), validators=[InputRequired(_l("Enter the date"))])
    amount = MoneyField(_l("Amount, in pounds"), validators=[InputRequired(_l("Enter the amount")), positive_money])
    description = StringField(_l("What it was"), validators=[DataRequired(_l("Say what it was")), up_to(500)])
    receipt = FileField(_l("Receipt (optional): a photo or PDF"))


class PreferenceForm(FlaskForm):
    choice = RadioField(
        _l("How would you like to be paid?"),
        choices=[SelectChoice(c.value, c.label) for c in PayChoice],
        validators=[InputRequired(_l("Choose how you would like to be paid"))],
    )
    # In the order the page shows them, so the error summary lists problems in that order too.
    read_benefits_note = BooleanField(_l("I have read the note about welfare benefits"))
    cap = MoneyField(_l("If a smaller amount: the most you want for this table, in pounds"), validators=[Optional()])
    account_name = StringField(_l("Name on your bank account"), validators=[up_to(120)])
    sort_code = StringField(_l("Sort code"), validators=[up_to(8)])
    account_number = StringField(_l("Account number"), validators=[up_to(10)])


class DecideForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Do not approve"))],
        validators=[InputRequired(_l("Choose"))],
    )
    note = StringField(_l("Note (optional)"), validators=[up_to(500)])


class SettledForm(FlaskForm):
    reference = StringField(
        _l("Bank or voucher reference"), validators=[DataRequired(_l("Enter the reference")), up_to(120)]
    )


class LimitForm(FlaskForm):
    period = RadioField(
        _l("Over what time?"),
        choices=[SelectChoice(p.value, p.label) for p in LimitPeriod],
        validators=[InputRequired(_l("Choose a week or a month"))],
    )
    amount = MoneyField(
        _l("The most panel pay may be in that time, in pounds"),
        validators=[InputRequired(_l("Enter the most you can be paid")), positive_money],
    )
    over = RadioField(
        _l("If a payment would take you over it"),
        choices=[SelectChoice(o.value, o.label) for o in OverLimit],
        default=OverLimit.LATER.value,
        validators=[InputRequired(_l("Choose what happens to pay over your limit"))],
    )
    reason = StringField(_l("Why, for your own records (optional, only you see it)"), validators=[up_to(500)])


class TableNoteForm(FlaskForm):
    text = TextAreaField(_l("The table's own note about pay and benefits (optional)"), validators=[up_to(2000)])
