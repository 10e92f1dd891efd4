"""Forms for running a round."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional

from grants.fields import DayField, LanguagesField, MoneyField, add_language_boxes, positive_money, up_to
from grants.models import BallotType, CountingRule, Electorate, QuorumPolicy, TieBreak

TIE_BREAK_CHOICES = [
    SelectChoice(TieBreak.CHEAPER_FIRST.value, _l("The cheaper proposal comes first")),
    SelectChoice(TieBreak.NEWER_GROUP_FIRST.value, _l("The newer group comes first")),
    SelectChoice(
        TieBreak.LOTTERY.value, _l("A lottery, with a seed published before voting so anyone can repeat the draw")
    ),
]

RECEIPT_CHOICES = [
    SelectChoice("on", _l("Give each voter a receipt to find their ballot in the published ballot file")),
    SelectChoice("off", _l("No receipts: the ballot file numbers the ballots 1, 2, 3 instead")),
]

COUNTING_LABELS = {
    CountingRule.GREEDY: _l(
        "Most support first: fund each proposal that still fits in the pot, skip the "
        "ones that do not"
    ),
    CountingRule.GREEDY_NO_SKIP: _l("Most support first, stopping at the first proposal that does not fit"),
    CountingRule.GREEDY_THRESHOLD: _l(
        "Most support first, but only proposals with at least the least support set "
        "below"
    ),
    CountingRule.EQUAL_SHARES: _l("Equal shares (proportional): each voter controls an equal share of the pot"),
    CountingRule.EQUAL_SHARES_ADD1: _l(
        "Equal shares, then the add-one completion so the pot is used well (as in "
        "Assen)"
    ),
    CountingRule.EQUAL_SHARES_ADD1_COMPARISON: _l("Equal shares with add-one, compared with most support first "
    "(as in Wieliczka)"),
    CountingRule.PHRAGMEN: _l(
        "Sequential Phragmén (proportional): the load of each proposal is shared by its "
        "supporters"
    ),
    CountingRule.SCORE_AVERAGE: _l("Score ballots: highest average score first among the members free to score it, "
    "funding each that fits"),
    CountingRule.CONSENSUS: _l(
        "Consensus: the decision the panel reached by talking, confirmed by each member "
        "present"
    ),
}
COUNTING_CHOICES = [SelectChoice(rule.value, label) for rule, label in COUNTING_LABELS.items()]
BALLOT_CHOICES = [SelectChoice(b.value, b.label) for b in BallotType]
QUORUM_POLICY_CHOICES = [
    SelectChoice(QuorumPolicy.NO_DECISION.value, _l("No decision is made")),
    SelectChoice(QuorumPolicy.EXTEND.value, _l("Voting is extended once, by the number of days below")),
]


# A table's texts, written in each language it is run in (the boxes for English keep their plain
# names). Which must be filled is the use case's to say (rounds/services.py: text_problems), as it
# depends on the languages chosen.
TEXT_BOXES = {
    "title": (StringField, _l("Name of the table"), 200),
    "purpose": (TextAreaField, _l("What is the money for?"), 4000),
    "who_may_apply": (TextAreaField, _l("Who may apply?"), 4000),
}


class RoundForm(FlaskForm):
    languages = LanguagesField(_l("Languages the table is run in"))
    title = StringField(TEXT_BOXES["title"][1], validators=[up_to(200)])
    purpose = TextAreaField(TEXT_BOXES["purpose"][1], validators=[up_to(4000)])
    who_may_apply = TextAreaField(TEXT_BOXES["who_may_apply"][1], validators=[up_to(4000)])
    max_grant = MoneyField(
        _l("Largest grant, in pounds"), validators=[InputRequired(_l("Enter the largest grant")), positive_money]
    )
    bids_open_on = DayField(_l("Bids open on"), validators=[InputRequired(_l("Enter the date bids open"))])
    bids_close_on = DayField(_l("Bids close on"), validators=[InputRequired(_l("Enter the date bids close"))])
    deliberation_opens_on = DayField(
        _l("The panel starts reading on"), validators=[InputRequired(_l("Enter the date the panel starts reading"))]
    )
    voting_opens_on = DayField(_l("Voting opens on"), validators=[InputRequired(_l("Enter the date voting opens"))])
    voting_closes_on = DayField(_l("Voting closes on"), validators=[InputRequired(_l("Enter the date voting closes"))])
    electorate = RadioField(
        _l("Who votes"),
        choices=[
            SelectChoice(Electorate.PANEL.value, _l("The panel")),
            SelectChoice(
                Electorate.COMMUNITY.value,
                "A whole community: every member gets a single-use voting code, printed or by e-mail",
            ),
        ],
        default=Electorate.PANEL.value,
        validators=[Optional()],
    )
    community_name = StringField(
        _l("Name of the community (community-wide vote)"), validators=[Optional(), up_to(200)]
    )
    ballot_type = RadioField(
        _l("The ballot"),
        choices=BALLOT_CHOICES,
        default=BallotType.APPROVAL.value,
        # A browser always sends the checked radio; older clients that omit it get approval.
        validators=[Optional()],
    )
    min_picks = IntegerField(
        _l("Fewest proposals a panel member must pick (optional)"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )
    max_picks = IntegerField(
        _l("Most proposals a panel member may pick (optional)"), validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    ballot_within_budget = BooleanField(_l("A ballot's picks must add up to no more than the pot"), default=True)
    points_total = IntegerField(
        _l("Points each panel member spreads (points ballot)"), validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    points_cap = IntegerField(
        _l("Most points on one proposal (points ballot, optional)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    score_max = IntegerField(
        _l("Highest score on each criterion (score ballot)"), validators=[Optional(), NumberRange(min=1, max=10)]
    )
    score_criteria = TextAreaField(
        _l("Published criteria, one on each line (score ballot)"), validators=[Optional(), up_to(4000)]
    )
    score_meanings = TextAreaField(
        _l("What each score means, one line for each score from 0 (score ballot, optional)"),
        validators=[Optional(), up_to(2000)],
    )
    score_skip_allowed = BooleanField(
        _l("A panel member may skip a proposal they do not have enough information to score (score ballot)")
    )
    rank_depth = IntegerField(
        _l("How many proposals a panel member puts in order (ranking ballot)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    min_support = IntegerField(
        _l("Least support a proposal needs to take part (optional; used by the threshold rule)"),
        validators=[Optional(), NumberRange(min=1, max=1000000)],
    )
    counting_rule = RadioField(
        _l("How votes are counted"),
        choices=COUNTING_CHOICES,
        default="greedy",
        validators=[InputRequired(_l("Choose how votes are counted"))],
    )
    quorum_min_ballots = IntegerField(
        _l("Fewest ballots for a decision (optional)"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    quorum_min_share_percent = IntegerField(
        _l("Smallest share of the panel that must vote, in per cent (optional)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    quorum_lived_experience_percent = IntegerField(
        _l("Smallest share of voters with lived experience, in per cent (optional)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    quorum_min_scorers = IntegerField(
        _l("Fewest voters free to vote on each proposal, after people stand aside (optional)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    quorum_policy = RadioField(
        _l("If quorum is not met"),
        choices=QUORUM_POLICY_CHOICES,
        default=QuorumPolicy.NO_DECISION.value,
        validators=[Optional()],
    )
    quorum_extend_days = IntegerField(
        _l("Days to extend voting by (if you chose to extend)"), validators=[Optional(), NumberRange(min=1, max=60)]
    )
    tie_break = RadioField(
        _l("If two proposals have the same support"),
        choices=TIE_BREAK_CHOICES,
        default=TieBreak.CHEAPER_FIRST.value,
        validators=[InputRequired(_l("Choose how ties are broken"))],
    )
    receipts = RadioField(
        _l("Receipts for voters"),
        choices=RECEIPT_CHOICES,
        default="on",
        # A form from before this choice existed keeps receipts on.
        validators=[Optional()],
    )
    support_contact = TextAreaField(
        _l("Who panel members can talk to for support"), validators=[Optional(), up_to(2000)]
    )
    reason = TextAreaField(_l("Why are you changing this?"), validators=[Optional(), up_to(2000)])

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
                later.errors.append(_("This date must be on or after “%(date)s”", date=earlier.label.text.lower()))
                ok = False
        if self.min_picks.data and self.max_picks.data and self.min_picks.data > self.max_picks.data:
            self.max_picks.errors.append(_("The most must be at least the fewest"))
            ok = False
        return ok


class StaffForm(FlaskForm):
    email = EmailField(
        _l("Their e-mail address"),
        validators=[DataRequired(_l("Enter an e-mail address")), Email(_l("Enter a real e-mail address")), up_to(254)],
    )
    role = RadioField(
        _l("Role"),
        choices=[
            SelectChoice("convenor", _l("Convenor: runs the table with you")),
            SelectChoice("treasurer", _l("Treasurer: records payments to groups")),
        ],
        validators=[InputRequired(_l("Choose a role"))],
    )


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class MoveOnForm(FlaskForm):
    """Move the table on; before its published date a reason is needed (shown on the timetable)."""

    reason = TextAreaField(
        _l("Why move on before the published date? This is shown on the timetable beside the new date."),
        validators=[Optional(), up_to(1000)],
    )
    override_reason = TextAreaField(
        _l("Why it cannot wait for the panel members given more time or paused. They are told first."),
        validators=[Optional(), up_to(1000)],
    )


# The new table's task list (grants/rounds/setup.py): one short form for each page, made of the
# same fields as the rules form, so each question reads and is checked the same way.
add_language_boxes(RoundForm, TEXT_BOXES)


class PurposePage(FlaskForm):
    languages = RoundForm.languages
    title = RoundForm.title
    purpose = RoundForm.purpose


add_language_boxes(PurposePage, {k: v for k, v in TEXT_BOXES.items() if k != "who_may_apply"})


class WhoPage(FlaskForm):
    who_may_apply = RoundForm.who_may_apply


add_language_boxes(WhoPage, {"who_may_apply": TEXT_BOXES["who_may_apply"]})


class MoneyPage(FlaskForm):
    max_grant = RoundForm.max_grant


class TimetablePage(FlaskForm):
    bids_open_on = RoundForm.bids_open_on
    bids_close_on = RoundForm.bids_close_on
    deliberation_opens_on = RoundForm.deliberation_opens_on
    voting_opens_on = RoundForm.voting_opens_on
    voting_closes_on = RoundForm.voting_closes_on

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        return _dates_in_order(self) and ok


def _dates_in_order(form: FlaskForm) -> bool:
    order = [
        form.bids_open_on,
        form.bids_close_on,
        form.deliberation_opens_on,
        form.voting_opens_on,
        form.voting_closes_on,
    ]
    ok = True
    for earlier, later in zip(order, order[1:], strict=False):
        if earlier.data and later.data and later.data < earlier.data:
            later.errors.append(_("This date must be on or after “%(date)s”", date=earlier.label.text.lower()))
            ok = False
    return ok


class BallotPage(FlaskForm):
    electorate = RoundForm.electorate
    community_name = RoundForm.community_name
    ballot_type = RoundForm.ballot_type


class _ReceiptsPage(FlaskForm):
    receipts = RoundForm.receipts


class ApprovalSettingsPage(_ReceiptsPage):
    min_picks = RoundForm.min_picks
    max_picks = RoundForm.max_picks
    ballot_within_budget = RoundForm.ballot_within_budget

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        if self.min_picks.data and self.max_picks.data and self.min_picks.data > self.max_picks.data:
            self.max_picks.errors.append(_("The most must be at least the fewest"))
            ok = False
        return ok


class PointsSettingsPage(_ReceiptsPage):
    points_total = RoundForm.points_total
    points_cap = RoundForm.points_cap


class ScoreSettingsPage(_ReceiptsPage):
    score_max = RoundForm.score_max
    score_criteria = RoundForm.score_criteria
    score_meanings = RoundForm.score_meanings
    score_skip_allowed = RoundForm.score_skip_allowed


class RankingSettingsPage(_ReceiptsPage):
    rank_depth = RoundForm.rank_depth


BALLOT_SETTINGS_PAGES = {
    BallotType.APPROVAL: ApprovalSettingsPage,
    BallotType.CUMULATIVE: PointsSettingsPage,
    BallotType.SCORE: ScoreSettingsPage,
    BallotType.RANKED: RankingSettingsPage,
    BallotType.CONSENSUS: _ReceiptsPage,
}


class CountingPage(FlaskForm):
    counting_rule = RoundForm.counting_rule
    min_support = RoundForm.min_support


class QuorumPage(FlaskForm):
    quorum_min_ballots = RoundForm.quorum_min_ballots
    quorum_min_share_percent = RoundForm.quorum_min_share_percent
    quorum_lived_experience_percent = RoundForm.quorum_lived_experience_percent
    quorum_min_scorers = RoundForm.quorum_min_scorers
    quorum_policy = RoundForm.quorum_policy
    quorum_extend_days = RoundForm.quorum_extend_days


class ConflictsPage(FlaskForm):
    support_contact = RoundForm.support_contact


class TieBreakPage(FlaskForm):
    tie_break = RoundForm.tie_break


SETUP_PAGES = {
    "purpose": PurposePage,
    "who": WhoPage,
    "money": MoneyPage,
    "timetable": TimetablePage,
    "ballot": BallotPage,
    "counting": CountingPage,
    "quorum": QuorumPage,
    "conflicts": ConflictsPage,
    "tie-break": TieBreakPage,
}
