"""Panel forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from grants.fields import DayField, up_to


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter an e-mail address")),
            Email(_l("Enter a real e-mail address, like name@example.org")),
            up_to(254),
        ],
    )
    role = RadioField(
        _l("Role on the panel"),
        choices=[
            SelectChoice("member", _l("Panel member")),
            SelectChoice("facilitator", _l("Facilitator (also a panel member)")),
        ],
        default="member",
        validators=[InputRequired(_l("Choose a role"))],
    )


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(_l("Write a comment")), up_to(5000)])
    anonymous_to_peers = BooleanField(_l("Do not show my name to other panel members"))


class InterestForm(FlaskForm):
    nature = TextAreaField(
        _l("What is your connection to this proposal?"),
        validators=[DataRequired(_l("Say briefly what the connection is")), up_to(1000)],
    )


class ConfirmForm(FlaskForm):
    """Only a CSRF token: for buttons."""


class VolunteerForm(FlaskForm):
    lived_experience = RadioField(
        _l("Do you have lived experience of what this table is about?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(_l("Say whether you have lived experience of what this table is about"))],
    )
    access_needs = TextAreaField(_l("Anything that would help you take part"), validators=[Optional(), up_to(2000)])
    contact_by = RadioField(
        _l("How would you like us to contact you?"),
        choices=[
            SelectChoice("email", _l("E-mail")),
            SelectChoice("phone", _l("Phone call")),
            SelectChoice("text", _l("Text message")),
            SelectChoice("post", _l("Letter by post")),
        ],
        default="email",
        validators=[InputRequired(_l("Choose how you would like us to contact you"))],
    )
    # No Optional(): it would stop before validate_contact_details checks an empty box.
    contact_details = TextAreaField(_l("Phone number or address, if not e-mail"), validators=[up_to(500)])

    def validate_contact_details(self, field) -> None:  # noqa: ANN001
        # Said with every other problem, not found out later by the person trying to reach them.
        wanted = {
            "phone": _l("Give a phone number, so we can contact you as you chose"),
            "text": _l("Give a mobile number, so we can contact you as you chose"),
            "post": _l("Give a postal address, so we can contact you as you chose"),
        }
        if self.contact_by.data in wanted and not (field.data or "").strip():
            raise ValidationError(str(wanted[self.contact_by.data]))


class PanelSettingsForm(FlaskForm):
    call_text = TextAreaField(_l("What the call says to people thinking of volunteering"), validators=[up_to(5000)])
    panel_size = IntegerField(
        _l("Seats on the panel"),
        validators=[InputRequired(_l("Say how many seats")), NumberRange(1, 200, _l("From 1 to 200"))],
    )
    lived_experience_target_percent = IntegerField(
        _l("Share of seats for people with lived experience, at least (%)"),
        validators=[InputRequired(_l("Give a percentage")), NumberRange(0, 100, _l("A percentage from 0 to 100"))],
    )
    term_ends_on = DayField(_l("Panel members' term ends on"), validators=[Optional()])
    sources_of_help = TextAreaField(_l("Sources of help (shown on every panel page)"), validators=[up_to(3000)])
    where_else_to_look = TextAreaField(
        _l("Where else groups can look for money or support (told to groups that are not funded)"),
        validators=[up_to(3000)],
    )
    easy_read = TextAreaField(_l("Easy Read summary (short sentences, one idea each)"), validators=[up_to(5000)])


class GroundRulesForm(FlaskForm):
    text = TextAreaField(_l("Ground rules"), validators=[DataRequired(_l("Write the ground rules")), up_to(10000)])


class RulesResponseForm(FlaskForm):
    answer = RadioField(
        _l("Your answer"),
        choices=[
            SelectChoice("agree", _l("I agree to these ground rules")),
            SelectChoice("change", _l("I propose a change")),
        ],
        validators=[InputRequired(_l("Choose whether you agree or propose a change"))],
    )
    suggestion = TextAreaField(_l("The change you propose"), validators=[Optional(), up_to(3000)])


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Which ground rule does it break?"), validators=[DataRequired(_l("Give the reason")), up_to(1000)]
    )


class QuestionForm(FlaskForm):
    question = TextAreaField(
        _l("Your question to the group"), validators=[DataRequired(_l("Write your question")), up_to(3000)]
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(_l("Write your answer")), up_to(5000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(FlaskForm):
    title = StringField(_l("Meeting"), validators=[DataRequired(_l("Give the meeting a name")), up_to(200)])
    held_on = DayField(_l("Date"), validators=[InputRequired(_l("Give the date"))])
    agenda = TextAreaField(_l("Agenda"), validators=[up_to(10000)])
    attendees = MultiCheckboxField(_l("Who came"), coerce=int, validate_choice=False)
    notes = TextAreaField(_l("Notes"), validators=[up_to(20000)])
    decisions = TextAreaField(_l("Decisions"), validators=[up_to(10000)])
    links = TextAreaField(
        _l("Ballots or consensus records it led to (pages on this site, one a line)"), validators=[up_to(2000)]
    )


class PreferencesForm(FlaskForm):
    wants_reminders = BooleanField(_l("Send me a gentle reminder while voting is open and I have not voted"))
    content_notes_first = BooleanField(_l("Show a proposal's content note before its text"))


class TimeForm(FlaskForm):
    what = RadioField(
        _l("More time for"),
        choices=[SelectChoice("reading", _l("Reading")), SelectChoice("scoring", _l("Scoring or voting"))],
        default="reading",
        validators=[InputRequired(_l("Choose reading or scoring"))],
    )
    until = DayField(_l("Until"), validators=[InputRequired(_l("Give a date"))])


class ExtendForm(FlaskForm):
    field = RadioField(
        _l("Deadline"),
        choices=[
            SelectChoice("deliberation_opens_at", _l("The panel starts reading")),
            SelectChoice("voting_opens_at", _l("Voting opens")),
            SelectChoice("voting_closes_at", _l("Voting closes")),
        ],
        default="voting_closes_at",
        validators=[InputRequired(_l("Choose a deadline"))],
    )
    new_date = DayField(_l("New date"), validators=[InputRequired(_l("Give a date"))])
    reason = TextAreaField(_l("Why (shown on the timetable)"), validators=[DataRequired(_l("Say why")), up_to(1000)])


class ContentNoteForm(FlaskForm):
    note = TextAreaField(
        _l("Content note"),
        validators=[up_to(1000)],
    )


class FeedbackForm(FlaskForm):
    body = TextAreaField(_l("Feedback to the group"), validators=[DataRequired(_l("Write the feedback")), up_to(20000)])


class ReflectionForm(FlaskForm):
    what_worked = TextAreaField(_l("What worked?"), validators=[up_to(2000)])
    what_did_not = TextAreaField(_l("What did not work?"), validators=[up_to(2000)])
    felt = RadioField(
        _l("How did it feel?"),
        choices=[SelectChoice("3", _l("Good")), SelectChoice("2", _l("Mixed")), SelectChoice("1", _l("Hard"))],
        validators=[InputRequired(_l("Choose how it felt"))],
    )
    power = RadioField(
        _l("How much say did you have?"),
        choices=[
            SelectChoice("1", _l("I was told what was happening")),
            SelectChoice("2", _l("I was asked what I thought")),
            SelectChoice("3", _l("My views shaped what happened")),
            SelectChoice("4", _l("I decided together with others")),
            SelectChoice("5", _l("People like me decided")),
        ],
        validators=[InputRequired(_l("Choose how much say you had"))],
    )
