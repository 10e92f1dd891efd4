"""Panel pay forms: the rate, time, expenses, a member's choice, and the convenor's and treasurer's decisions."""

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from grants.fields import DayField, MoneyField, positive_money, up_to
from grants.models import Activity, ExpenseKind, LimitPeriod, OverLimit, PayChoice, RateUnit


class RateForm(FlaskForm):
    unit = RadioField(
        "Paid",
        choices=[SelectChoice(u.value, u.label) for u in RateUnit],
        validators=[InputRequired("Choose how the rate is counted")],
    )
    rate = MoneyField("Rate, in pounds", validators=[InputRequired("Enter the rate"), positive_money])
    counts_reading = BooleanField("Reading proposals is paid")
    counts_meetings = BooleanField("Meetings are paid")
    counts_training = BooleanField("Training is paid")


class TimeForm(FlaskForm):
    activity = RadioField(
        "What did you do?",
        choices=[SelectChoice(a.value, a.label) for a in Activity],
        validators=[InputRequired("Choose what you did")],
    )
    worked_on = DayField("Date", validators=[InputRequired("Enter the date")])
    units = DecimalField(
        "How much time",
        places=2,
        validators=[
            InputRequired("Enter how much time"),
            NumberRange(min=Decimal("0.01"), max=Decimal("100"), message="Enter an amount of time from 0.01 to 100"),
        ],
    )
    note = StringField("Note (optional)", validators=[up_to(500)])


class ExpenseForm(FlaskForm):
    kind = RadioField(
        "What was it for?",
        choices=[SelectChoice(k.value, k.label) for k in ExpenseKind],
        validators=[InputRequired("Choose a kind")],
    )
    spent_on = DayField("Date", validators=[InputRequired("Enter the date")])
    amount = MoneyField("Amount, in pounds", validators=[InputRequired("Enter the amount"), positive_money])
    description = StringField("What it was", validators=[DataRequired("Say what it was"), up_to(500)])
    receipt = FileField("Receipt (optional): a photo or PDF")


class PreferenceForm(FlaskForm):
    choice = RadioField(
        "How would you like to be paid?",
        choices=[SelectChoice(c.value, c.label) for c in PayChoice],
        validators=[InputRequired("Choose how you would like to be paid")],
    )
    # In the order the page shows them, so the error summary lists problems in that order too.
    read_benefits_note = BooleanField("I have read the note about welfare benefits")
    cap = MoneyField("If a smaller amount: the most you want for this table, in pounds", validators=[Optional()])
    account_name = StringField("Name on your bank account", validators=[up_to(120)])
    sort_code = StringField("Sort code", validators=[up_to(8)])
    account_number = StringField("Account number", validators=[up_to(10)])


class DecideForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Do not approve")],
        validators=[InputRequired("Choose")],
    )
    note = StringField("Note (optional)", validators=[up_to(500)])


class SettledForm(FlaskForm):
    reference = StringField(
        "Bank or voucher reference", validators=[DataRequired("Enter the reference"), up_to(120)]
    )


class LimitForm(FlaskForm):
    period = RadioField(
        "Over what time?",
        choices=[SelectChoice(p.value, p.label) for p in LimitPeriod],
        validators=[InputRequired("Choose a week or a month")],
    )
    amount = MoneyField(
        "The most panel pay may be in that time, in pounds",
        validators=[InputRequired("Enter the most you can be paid"), positive_money],
    )
    over = RadioField(
        "If a payment would take you over it",
        choices=[SelectChoice(o.value, o.label) for o in OverLimit],
        default=OverLimit.LATER.value,
        validators=[InputRequired("Choose what happens to pay over your limit")],
    )
    reason = StringField("Why, for your own records (optional, only you see it)", validators=[up_to(500)])


class TableNoteForm(FlaskForm):
    text = TextAreaField("The table's own note about pay and benefits (optional)", validators=[up_to(2000)])
