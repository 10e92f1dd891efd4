"""Money forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from grants.fields import DayField, MoneyField, positive_money, up_to


class PledgeForm(FlaskForm):
    round_id = SelectField(_l("Table"), coerce=int, validators=[InputRequired(_l("Choose a table"))])
    amount = MoneyField(_l("Amount, in pounds"), validators=[InputRequired(_l("Enter an amount")), positive_money])


class ReceiveForm(FlaskForm):
    amount = MoneyField(
        _l("Amount received, in pounds"), validators=[InputRequired(_l("Enter the amount received")), positive_money]
    )
    received_on = DayField(_l("Date it arrived"), validators=[InputRequired(_l("Enter the date it arrived"))])
    reference = StringField(_l("Bank reference"), validators=[DataRequired(_l("Enter the bank reference")), up_to(120)])


class PaymentForm(FlaskForm):
    amount = MoneyField(
        _l("Amount paid, in pounds"), validators=[InputRequired(_l("Enter the amount paid")), positive_money]
    )
    paid_on = DayField(_l("Date paid"), validators=[InputRequired(_l("Enter the date paid"))])
    bank_reference = StringField(
        _l("Bank reference"), validators=[DataRequired(_l("Enter the bank reference")), up_to(120)]
    )


class CheckoutForm(FlaskForm):
    amount = MoneyField(
        _l("Amount to pay now, in pounds"), validators=[InputRequired(_l("Enter an amount")), positive_money]
    )


class ReleaseForm(FlaskForm):
    amount = MoneyField(
        _l("Amount to release, in pounds"), validators=[InputRequired(_l("Enter an amount")), positive_money]
    )


class HoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you holding this payment?"),
        validators=[
            DataRequired(_l("Write the reason for holding this payment")),
            Length(min=10, message=_l("Write the reason in a sentence: it is published on the table's page")),
            up_to(2000),
        ],
    )


class ConfirmBankForm(FlaskForm):
    paid_on = DayField(_l("Date paid"), validators=[InputRequired(_l("Enter the date paid"))])
    bank_reference = StringField(
        _l("Bank reference"), validators=[DataRequired(_l("Enter the bank reference")), up_to(120)]
    )


class BankDetailsForm(FlaskForm):
    account_name = StringField(
        _l("Name on the account"), validators=[DataRequired(_l("Enter the name on the account")), up_to(120)]
    )
    sort_code = StringField(_l("Sort code"), validators=[DataRequired(_l("Enter the sort code")), up_to(8)])
    account_number = StringField(
        _l("Account number"), validators=[DataRequired(_l("Enter the account number")), up_to(10)]
    )
    host_name = StringField(_l("Host organisation (if a host receives the money for you)"), validators=[up_to(200)])


class ConnectForm(FlaskForm):
    host_name = StringField(_l("Host organisation (if a host receives the money for you)"), validators=[up_to(200)])


class RefundForm(FlaskForm):
    amount = MoneyField(
        _l("Amount to refund, in pounds"), validators=[InputRequired(_l("Enter an amount")), positive_money]
    )


class ReasonForm(FlaskForm):
    reason = StringField(
        _l("Reason (kept with the record and shown on the ledger)"),
        validators=[
            DataRequired(
                _l("Write the reason")), Length(min=5, message=_l("Write the reason in a few words")), up_to(500
            )
        ],
    )


class RaisePledgeForm(FlaskForm):
    amount = MoneyField(
        _l("New pledge, in pounds"), validators=[InputRequired(_l("Enter the new amount")), positive_money]
    )


class CeilingForm(FlaskForm):
    amount = MoneyField(
        _l("The most one pledge or one transfer may be, in pounds"),
        validators=[InputRequired(_l("Enter an amount")), positive_money],
    )


class ReturnedForm(FlaskForm):
    amount = MoneyField(
        _l("Amount that came back, in pounds"), validators=[InputRequired(_l("Enter the amount")), positive_money]
    )
    returned_on = DayField(_l("Date it came back"), validators=[InputRequired(_l("Enter the date it came back"))])
    reason = StringField(
        _l("What happened (kept with the record and shown on the ledger)"),
        validators=[
            DataRequired(
                _l("Say what happened")), Length(min=5, message=_l("Say what happened in a few words")), up_to(500
            )
        ],
    )


# ------------------------------------------------ who may act on a table's money (power.py)


class InviteFunderForm(FlaskForm):
    funder_id = SelectField(_l("Funder"), coerce=int, validators=[InputRequired(_l("Choose a funder to invite"))])


class SecondPersonForm(FlaskForm):
    amount = MoneyField(_l("A release of more than this needs a second person, in pounds"), validators=[Optional()])


class LiftForm(FlaskForm):
    reason = TextAreaField(_l("Why are you lifting this hold?"), validators=[Optional(), up_to(2000)])
