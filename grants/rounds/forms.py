"""Forms for running a round."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from grants.fields import MoneyField, positive_money
from grants.models import TieBreak

TIE_BREAK_CHOICES = [
    SelectChoice(TieBreak.CHEAPER_FIRST.value, "The cheaper proposal comes first"),
    SelectChoice(TieBreak.NEWER_GROUP_FIRST.value, "The newer group comes first"),
    SelectChoice(
        TieBreak.LOTTERY.value, "A lottery, with a seed published before voting so anyone can repeat the draw"
    ),
]

COUNTING_CHOICES = [
    SelectChoice(
        "greedy", "Most support first: fund each proposal that still fits in the pot, skip the ones that do not"
    ),
]


class RoundForm(FlaskForm):
    title = StringField("Name of the table", validators=[DataRequired("Enter a name"), Length(max=200)])
    purpose = TextAreaField("What is the money for?", validators=[DataRequired("Say what the money is for")])
    who_may_apply = TextAreaField("Who may apply?", validators=[DataRequired("Say who may apply")])
    max_grant = MoneyField(
        "Largest grant, in pounds", validators=[InputRequired("Enter the largest grant"), positive_money]
    )
    bids_open_on = DateField("Bids open on", validators=[InputRequired("Enter the date bids open")])
    bids_close_on = DateField("Bids close on", validators=[InputRequired("Enter the date bids close")])
    deliberation_opens_on = DateField(
        "The panel starts reading on", validators=[InputRequired("Enter the date the panel starts reading")]
    )
    voting_opens_on = DateField("Voting opens on", validators=[InputRequired("Enter the date voting opens")])
    voting_closes_on = DateField("Voting closes on", validators=[InputRequired("Enter the date voting closes")])
    min_picks = IntegerField(
        "Fewest proposals a panel member must pick (optional)", validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    max_picks = IntegerField(
        "Most proposals a panel member may pick (optional)", validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    ballot_within_budget = BooleanField("A ballot's picks must add up to no more than the pot", default=True)
    counting_rule = RadioField(
        "How votes are counted",
        choices=COUNTING_CHOICES,
        default="greedy",
        validators=[InputRequired("Choose how votes are counted")],
    )
    quorum_min_ballots = IntegerField(
        "Fewest ballots for a decision (optional)", validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    quorum_min_share_percent = IntegerField(
        "Smallest share of the panel that must vote, in per cent (optional)",
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    tie_break = RadioField(
        "If two proposals have the same support",
        choices=TIE_BREAK_CHOICES,
        default=TieBreak.CHEAPER_FIRST.value,
        validators=[InputRequired("Choose how ties are broken")],
    )
    support_contact = TextAreaField(
        "Who panel members can talk to for support", validators=[Optional(), Length(max=2000)]
    )
    reason = TextAreaField("Why are you changing this?", validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        order = [
            self.bids_open_on,
            self.bids_close_on,
            self.deliberation_opens_on,
            self.voting_opens_on,
            self.voting_closes_on,
        ]
        for earlier, later in zip(order, order[1:], strict=False):
            if earlier.data and later.data and later.data < earlier.data:
                later.errors.append(f"This date must be on or after “{earlier.label.text.lower()}”")
                ok = False
        if self.min_picks.data and self.max_picks.data and self.min_picks.data > self.max_picks.data:
            self.max_picks.errors.append("The most must be at least the fewest")
            ok = False
        return ok


class StaffForm(FlaskForm):
    email = EmailField(
        "E-mail address of their account",
        validators=[DataRequired("Enter an e-mail address"), Email("Enter a real e-mail address")],
    )
    role = RadioField(
        "Role",
        choices=[
            SelectChoice("convenor", "Convenor: runs the table with you"),
            SelectChoice("treasurer", "Treasurer: records payments to groups"),
        ],
        validators=[InputRequired("Choose a role")],
    )


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""
