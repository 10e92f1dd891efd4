"""Money forms."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from grants.fields import MoneyField, positive_money


class PledgeForm(FlaskForm):
    round_id = SelectField("Table", coerce=int, validators=[InputRequired("Choose a table")])
    amount = MoneyField("Amount, in pounds", validators=[InputRequired("Enter an amount"), positive_money])


class ReceiveForm(FlaskForm):
    amount = MoneyField(
        "Amount received, in pounds", validators=[InputRequired("Enter the amount received"), positive_money]
    )
    received_on = DateField("Date it arrived", validators=[InputRequired("Enter the date it arrived")])
    reference = StringField("Bank reference", validators=[DataRequired("Enter the bank reference"), Length(max=120)])


class PaymentForm(FlaskForm):
    amount = MoneyField("Amount paid, in pounds", validators=[InputRequired("Enter the amount paid"), positive_money])
    paid_on = DateField("Date paid", validators=[InputRequired("Enter the date paid")])
    bank_reference = StringField(
        "Bank reference", validators=[DataRequired("Enter the bank reference"), Length(max=120)]
    )
