"""Money forms."""

from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from grants.fields import DayField, MoneyField, positive_money, up_to


class PledgeForm(FlaskForm):
    round_id = SelectField("Table", coerce=int, validators=[InputRequired("Choose a table")])
    amount = MoneyField("Amount, in pounds", validators=[InputRequired("Enter an amount"), positive_money])


class ReceiveForm(FlaskForm):
    amount = MoneyField(
        "Amount received, in pounds", validators=[InputRequired("Enter the amount received"), positive_money]
    )
    received_on = DayField("Date it arrived", validators=[InputRequired("Enter the date it arrived")])
    reference = StringField("Bank reference", validators=[DataRequired("Enter the bank reference"), up_to(120)])


class PaymentForm(FlaskForm):
    amount = MoneyField("Amount paid, in pounds", validators=[InputRequired("Enter the amount paid"), positive_money])
    paid_on = DayField("Date paid", validators=[InputRequired("Enter the date paid")])
    bank_reference = StringField(
        "Bank reference", validators=[DataRequired("Enter the bank reference"), up_to(120)]
    )


class CheckoutForm(FlaskForm):
    amount = MoneyField("Amount to pay now, in pounds", validators=[InputRequired("Enter an amount"), positive_money])


class ReleaseForm(FlaskForm):
    amount = MoneyField("Amount to release, in pounds", validators=[InputRequired("Enter an amount"), positive_money])


class HoldForm(FlaskForm):
    reason = TextAreaField(
        "Why are you holding this payment?",
        validators=[
            DataRequired("Write the reason for holding this payment"),
            Length(min=10, message="Write the reason in a sentence: it is published on the table's page"),
            up_to(2000),
        ],
    )


class ConfirmBankForm(FlaskForm):
    paid_on = DayField("Date paid", validators=[InputRequired("Enter the date paid")])
    bank_reference = StringField(
        "Bank reference", validators=[DataRequired("Enter the bank reference"), up_to(120)]
    )


class BankDetailsForm(FlaskForm):
    account_name = StringField(
        "Name on the account", validators=[DataRequired("Enter the name on the account"), up_to(120)]
    )
    sort_code = StringField("Sort code", validators=[DataRequired("Enter the sort code"), up_to(8)])
    account_number = StringField(
        "Account number", validators=[DataRequired("Enter the account number"), up_to(10)]
    )
    host_name = StringField("Host organisation (if a host receives the money for you)", validators=[up_to(200)])


class ConnectForm(FlaskForm):
    host_name = StringField("Host organisation (if a host receives the money for you)", validators=[up_to(200)])


class RefundForm(FlaskForm):
    amount = MoneyField("Amount to refund, in pounds", validators=[InputRequired("Enter an amount"), positive_money])


class ReasonForm(FlaskForm):
    reason = StringField(
        "Reason (kept with the record and shown on the ledger)",
        validators=[
            DataRequired("Write the reason"), Length(min=5, message="Write the reason in a few words"), up_to(500)
        ],
    )


class RaisePledgeForm(FlaskForm):
    amount = MoneyField("New pledge, in pounds", validators=[InputRequired("Enter the new amount"), positive_money])


class CeilingForm(FlaskForm):
    amount = MoneyField(
        "The most one pledge or one transfer may be, in pounds",
        validators=[InputRequired("Enter an amount"), positive_money],
    )


class ReturnedForm(FlaskForm):
    amount = MoneyField(
        "Amount that came back, in pounds", validators=[InputRequired("Enter the amount"), positive_money]
    )
    returned_on = DayField("Date it came back", validators=[InputRequired("Enter the date it came back")])
    reason = StringField(
        "What happened (kept with the record and shown on the ledger)",
        validators=[
            DataRequired("Say what happened"), Length(min=5, message="Say what happened in a few words"), up_to(500)
        ],
    )


# ------------------------------------------------ who may act on a table's money (power.py)


class InviteFunderForm(FlaskForm):
    funder_id = SelectField("Funder", coerce=int, validators=[InputRequired("Choose a funder to invite")])


class SecondPersonForm(FlaskForm):
    amount = MoneyField("A release of more than this needs a second person, in pounds", validators=[Optional()])


class LiftForm(FlaskForm):
    reason = TextAreaField("Why are you lifting this hold?", validators=[Optional(), up_to(2000)])
