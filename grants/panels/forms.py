"""Panel forms."""

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
        "E-mail address",
        validators=[
            DataRequired("Enter an e-mail address"),
            Email("Enter a real e-mail address, like name@example.org"),
            up_to(254),
        ],
    )
    role = RadioField(
        "Role on the panel",
        choices=[
            SelectChoice("member", "Panel member"),
            SelectChoice("facilitator", "Facilitator (also a panel member)"),
        ],
        default="member",
        validators=[InputRequired("Choose a role")],
    )


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment", validators=[DataRequired("Write a comment"), up_to(5000)])
    anonymous_to_peers = BooleanField("Do not show my name to other panel members")


class InterestForm(FlaskForm):
    nature = TextAreaField(
        "What is your connection to this proposal?",
        validators=[DataRequired("Say briefly what the connection is"), up_to(1000)],
    )


class ConfirmForm(FlaskForm):
    """Only a CSRF token: for buttons."""


class VolunteerForm(FlaskForm):
    lived_experience = RadioField(
        "Do you have lived experience of what this table is about?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired("Say whether you have lived experience of what this table is about")],
    )
    access_needs = TextAreaField("Anything that would help you take part", validators=[Optional(), up_to(2000)])
    contact_by = RadioField(
        "How would you like us to contact you?",
        choices=[
            SelectChoice("email", "E-mail"),
            SelectChoice("phone", "Phone call"),
            SelectChoice("text", "Text message"),
            SelectChoice("post", "Letter by post"),
        ],
        default="email",
        validators=[InputRequired("Choose how you would like us to contact you")],
    )
    # No Optional(): it would stop before validate_contact_details checks an empty box.
    contact_details = TextAreaField("Phone number or address, if not e-mail", validators=[up_to(500)])

    def validate_contact_details(self, field) -> None:  # noqa: ANN001
        # Said with every other problem, not found out later by the person trying to reach them.
        wanted = {"phone": "a phone number", "text": "a mobile number", "post": "a postal address"}
        if self.contact_by.data in wanted and not (field.data or "").strip():
            raise ValidationError(f"Give {wanted[self.contact_by.data]}, so we can contact you as you chose")


class PanelSettingsForm(FlaskForm):
    call_text = TextAreaField("What the call says to people thinking of volunteering", validators=[up_to(5000)])
    panel_size = IntegerField(
        "Seats on the panel", validators=[InputRequired("Say how many seats"), NumberRange(1, 200, "From 1 to 200")]
    )
    lived_experience_target_percent = IntegerField(
        "Share of seats for people with lived experience, at least (%)",
        validators=[InputRequired("Give a percentage"), NumberRange(0, 100, "A percentage from 0 to 100")],
    )
    term_ends_on = DayField("Panel members' term ends on", validators=[Optional()])
    sources_of_help = TextAreaField("Sources of help (shown on every panel page)", validators=[up_to(3000)])
    where_else_to_look = TextAreaField(
        "Where else groups can look for money or support (told to groups that are not funded)",
        validators=[up_to(3000)],
    )
    easy_read = TextAreaField("Easy Read summary (short sentences, one idea each)", validators=[up_to(5000)])


class GroundRulesForm(FlaskForm):
    text = TextAreaField("Ground rules", validators=[DataRequired("Write the ground rules"), up_to(10000)])


class RulesResponseForm(FlaskForm):
    answer = RadioField(
        "Your answer",
        choices=[SelectChoice("agree", "I agree to these ground rules"), SelectChoice("change", "I propose a change")],
        validators=[InputRequired("Choose whether you agree or propose a change")],
    )
    suggestion = TextAreaField("The change you propose", validators=[Optional(), up_to(3000)])


class HideForm(FlaskForm):
    reason = TextAreaField(
        "Which ground rule does it break?", validators=[DataRequired("Give the reason"), up_to(1000)]
    )


class QuestionForm(FlaskForm):
    question = TextAreaField(
        "Your question to the group", validators=[DataRequired("Write your question"), up_to(3000)]
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField("Your answer", validators=[DataRequired("Write your answer"), up_to(5000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(FlaskForm):
    title = StringField("Meeting", validators=[DataRequired("Give the meeting a name"), up_to(200)])
    held_on = DayField("Date", validators=[InputRequired("Give the date, like 2026-05-14")])
    agenda = TextAreaField("Agenda", validators=[up_to(10000)])
    attendees = MultiCheckboxField("Who came", coerce=int, validate_choice=False)
    notes = TextAreaField("Notes", validators=[up_to(20000)])
    decisions = TextAreaField("Decisions", validators=[up_to(10000)])
    links = TextAreaField(
        "Ballots or consensus records it led to (pages on this site, one a line)", validators=[up_to(2000)]
    )


class PreferencesForm(FlaskForm):
    wants_reminders = BooleanField("Send me a gentle reminder while voting is open and I have not voted")
    content_notes_first = BooleanField("Show a proposal's content note before its text")


class TimeForm(FlaskForm):
    what = RadioField(
        "More time for",
        choices=[SelectChoice("reading", "Reading"), SelectChoice("scoring", "Scoring or voting")],
        default="reading",
        validators=[InputRequired("Choose reading or scoring")],
    )
    until = DayField("Until", validators=[InputRequired("Give a date, like 2026-05-14")])


class ExtendForm(FlaskForm):
    field = RadioField(
        "Deadline",
        choices=[
            SelectChoice("deliberation_opens_at", "The panel starts reading"),
            SelectChoice("voting_opens_at", "Voting opens"),
            SelectChoice("voting_closes_at", "Voting closes"),
        ],
        default="voting_closes_at",
        validators=[InputRequired("Choose a deadline")],
    )
    new_date = DayField("New date", validators=[InputRequired("Give a date, like 2026-05-14")])
    reason = TextAreaField("Why (shown on the timetable)", validators=[DataRequired("Say why"), up_to(1000)])


class ContentNoteForm(FlaskForm):
    note = TextAreaField(
        "Content note",
        validators=[up_to(1000)],
    )


class FeedbackForm(FlaskForm):
    body = TextAreaField("Feedback to the group", validators=[DataRequired("Write the feedback"), up_to(20000)])


class ReflectionForm(FlaskForm):
    what_worked = TextAreaField("What worked?", validators=[up_to(2000)])
    what_did_not = TextAreaField("What did not work?", validators=[up_to(2000)])
    felt = RadioField(
        "How did it feel?",
        choices=[SelectChoice("3", "Good"), SelectChoice("2", "Mixed"), SelectChoice("1", "Hard")],
        validators=[InputRequired("Choose how it felt")],
    )
    power = RadioField(
        "How much say did you have?",
        choices=[
            SelectChoice("1", "I was told what was happening"),
            SelectChoice("2", "I was asked what I thought"),
            SelectChoice("3", "My views shaped what happened"),
            SelectChoice("4", "I decided together with others"),
            SelectChoice("5", "People like me decided"),
        ],
        validators=[InputRequired("Choose how much say you had")],
    )
