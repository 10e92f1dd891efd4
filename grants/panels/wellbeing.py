"""Looking after people, feedback and reflection: reminders (opt-in, gentle), more time,
deadline extensions shown on the timetable, content notes, feedback to every applicant,
the success rate, and anonymous reflections published only in aggregate."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grants import audit
from grants.ballots import sealing
from grants.ballots import services as ballot_services
from grants.ballots.explain import line_explanation, named_titles
from grants.core import DomainError, NotAllowed, hold, lock_for_update, transaction
from grants.extensions import db
from grants.language.records import Day, Label, Words, typed
from grants.language.written import lazy_text
from grants.models import (
    N_,
    ContentNote,
    Feedback,
    GroupMembership,
    PanelMember,
    Participation,
    Person,
    Proposal,
    ProposalStatus,
    Reflection,
    ReflectionRelease,
    ReflectionResponse,
    ResultLine,
    Round,
    RoundStatus,
    RuleChange,
    SealedEnvelope,
    TimeRequest,
)
from grants.notifications import notify
from grants.panels.deliberation import feedback_comments, is_facilitator
from grants.panels.formation import settings_for
from grants.roles import funds_round, is_convenor, is_group_member, panel_seat
from grants.site import link_to

# Published figures about people need at least this many answers (DESIGN: groups of at least 5).
MIN_REFLECTIONS = 5
POWER_LADDER = {
    1: _l("I was told what was happening"),
    2: _l("I was asked what I thought"),
    3: _l("My views shaped what happened"),
    4: _l("I decided together with others"),
    5: _l("People like me decided"),
}
POWER_SHORT = {1: _l("Informed"), 2: _l("Consulted"), 3: _l("Involved"), 4: _l("Shared the decision"), 5: _l("Decided")}
FELT = {1: _l("Hard"), 2: _l("Mixed"), 3: _l("Good")}
DECIDED = (RoundStatus.COUNTED, RoundStatus.AWARDING, RoundStatus.PAYING, RoundStatus.REPORTING, RoundStatus.CLOSED)
AFTER_VOTE = (*DECIDED, RoundStatus.NO_DECISION)


# Preferences ------------------------------------------------------------------------------


def set_preferences(*, person: Person, round_id: int, wants_reminders: bool, content_notes_first: bool) -> None:
    """A member's own choices: gentle reminders (off unless chosen) and content notes first."""
    with transaction():
        seat = panel_seat(person, round_id)
        if seat is None:
            raise NotAllowed(_("Only members of this table's panel can do that."))
        seat.wants_reminders = wants_reminders
        seat.content_notes_first = content_notes_first


def send_reminders(*, person: Person | None, round_id: int) -> int:
    """A gentle reminder to panel members who asked for reminders, have not paused and have not voted yet."""
    with transaction():
        rnd = db.session.get(Round, round_id)
        if person is not None and not is_convenor(person, round_id):
            raise NotAllowed(_("Only a convenor of this table can send reminders."))
        if not rnd.is_voting:
            raise DomainError(_("Reminders are about voting, and voting is not open."))
        voted = select(Participation.person_id).where(Participation.round_id == round_id)
        people = list(
            db.session.execute(
                select(PanelMember.person_id).where(
                    PanelMember.round_id == round_id,
                    PanelMember.stepped_down_at.is_(None),
                    PanelMember.is_paused.is_(False),
                    PanelMember.wants_reminders.is_(True),
                    PanelMember.person_id.not_in(voted),
                )
            ).scalars()
        )
        notify(
            people,
            "reminder",
            _l("Voting is open on %(title)s", title=lazy_text(rnd, "title")),
            _l(
                "Just a note, because you asked for reminders: voting on %(title)s is open until %(date)s. There "
                "is no rush. If now is not a good time, you can pause or ask for more time from your panel page, "
                "and you can turn these reminders off there too.",
                title=lazy_text(rnd, "title"),
                date=LazyString(format_date, rnd.voting_closes_at, "dd MMMM y"),
            ),
            link=link_to("panels.home", slug=rnd.slug),
        )
    return len(people)


# Time -------------------------------------------------------------------------------------


def ask_for_time(*, person: Person, round_id: int, what: str, until: date) -> TimeRequest:
    """More time on your own reading or scoring. No reason is asked; the convenor sees the date."""
    with transaction() as session:
        rnd = session.get(Round, round_id)
        if panel_seat(person, round_id) is None:
            raise NotAllowed(_("Only members of this table's panel can do that."))
        if what not in ("reading", "scoring"):
            raise DomainError(_("Choose reading or scoring."))
        if until <= datetime.now(UTC).date():
            raise DomainError(_("Choose a date after today."))
        if until > rnd.voting_closes_at.date():
            raise DomainError(
                _(
                    "Voting closes on %(date)s, so choose a date up to then. If you need longer, tell the convenor: "
                    "they can extend the deadline for everyone.",
                    date=format_date(rnd.voting_closes_at, "d MMMM y"),
                )
            )
        row = TimeRequest(round_id=round_id, person_id=person.id, what=what, until=until)
        session.add(row)
        # No message to the convenor: the request shows on their deadlines page, and needs no action.
    return row


def my_time(person: Person, round_id: int) -> list[TimeRequest]:
    """The person's own extra time, latest first."""
    return list(
        db.session.execute(
            select(TimeRequest)
            .where(TimeRequest.round_id == round_id, TimeRequest.person_id == person.id)
            .order_by(TimeRequest.id.desc())
        ).scalars()
    )


def time_requests(round_id: int) -> list[TimeRequest]:
    """Everyone's extra time, for the convenor."""
    return list(
        db.session.execute(
            select(TimeRequest).where(TimeRequest.round_id == round_id).order_by(TimeRequest.id.desc())
        ).scalars()
    )


DEADLINES = {
    "deliberation_opens_at": "The panel starts reading",
    "voting_opens_at": "Voting opens",
    "voting_closes_at": "Voting closes",
}


def extend_deadline(*, person: Person, round_id: int, field: str, new_date: date, reason: str) -> RuleChange:
    """Give everyone more time: move a deadline later, with a reason shown on the timetable.

    Rules are frozen once voting opens, but more time for everyone is a timetable change
    that takes nothing away from anyone, so it is allowed up to the close, and published.
    """
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only a convenor of this table can extend deadlines."))
        if field not in DEADLINES:
            raise DomainError(_("Choose which deadline to extend."))
        if not reason.strip():
            raise DomainError(_("Say why the deadline is extended. This is shown on the timetable."))
        if rnd.status in AFTER_VOTE:
            raise DomainError(_("Voting has closed, so its deadlines can no longer change."))
        if field != "voting_closes_at" and rnd.rules_frozen:
            raise DomainError(_("Voting has opened; only the closing date can still be extended."))
        old: datetime = getattr(rnd, field)
        new = datetime.combine(new_date, old.timetz() if old.tzinfo else time(0, tzinfo=UTC))
        if new <= old:
            raise DomainError(_("An extension moves the date later than %(date)s.", date=format_date(old, "d MMMM y")))
        if field == "voting_opens_at" and new >= rnd.voting_closes_at:
            raise DomainError(_("Voting must open before it closes. Extend the closing date first."))
        if field == "deliberation_opens_at" and new >= rnd.voting_opens_at:
            raise DomainError(_("The panel starts reading before voting opens. Extend the opening of voting first."))
        setattr(rnd, field, new)
        change = RuleChange(round_id=rnd.id, field=DEADLINES[field], old_value=f"{old:%d %B %Y}",
                            new_value=f"{new:%d %B %Y}", reason=reason.strip(), changed_by_id=person.id)  # fmt: skip
        session.add(change)
        audit.record("deadline_extended", Words(N_("%(step)s moved to %(date)s: %(reason)s"),
                                                step=Label(DEADLINES[field]), date=Day(new.date()),
                                                reason=typed(reason.strip())),
                     actor_id=person.id, round_id=rnd.id, public=True)  # fmt: skip
        # Told gently, and only to members who asked for reminders and have not paused.
        panel = session.execute(
            select(PanelMember.person_id).where(
                PanelMember.round_id == rnd.id,
                PanelMember.stepped_down_at.is_(None),
                PanelMember.is_paused.is_(False),
                PanelMember.wants_reminders.is_(True),
            )
        ).scalars()
        notify(
            panel,
            "reminder",
            _l("More time on %(title)s", title=lazy_text(rnd, "title")),
            _l(
                "%(deadline)s is now %(new)s (it was %(old)s). Why: %(reason)s",
                deadline=DEADLINES[field],
                new=LazyString(format_date, new, "dd MMMM y"),
                old=LazyString(format_date, old, "dd MMMM y"),
                reason=reason.strip(),
            ),
            link=link_to("panels.home", slug=rnd.slug),
        )
    return change


# Content notes ----------------------------------------------------------------------------


def content_note(proposal_id: int) -> ContentNote | None:
    """A proposal's content note, if the group added one."""
    return db.session.execute(select(ContentNote).where(ContentNote.proposal_id == proposal_id)).scalar_one_or_none()


def save_content_note(*, person: Person, proposal_id: int, note: str) -> ContentNote | None:
    """A group adds, changes or removes the content note on its proposal."""
    with transaction() as session:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise DomainError(_("That proposal does not exist."))
        hold(Proposal, proposal_id)  # saved twice at once (a double click): the second sees the first's note
        if not is_group_member(person, proposal.group_id):
            raise NotAllowed(_("Only members of the group can add a content note to its proposal."))
        if proposal.round.rules_frozen:
            raise DomainError(_("Voting has opened, so the proposal can no longer change."))
        row = content_note(proposal_id)
        note = note.strip()
        if not note:
            if row is not None:
                session.delete(row)
            return None
        if row is None:
            row = ContentNote(proposal_id=proposal_id, note=note)
            session.add(row)
        row.note = note
        row.updated_at = datetime.now(UTC)
    return row


# Feedback ---------------------------------------------------------------------------------

# Other features can add where feedback comes from (e.g. the decision engine's score
# comments): each source takes a proposal id and returns (heading, texts) without names.
FeedbackSource = Callable[[int], tuple[str, list[str]]]


def _score_comments(proposal_id: int) -> tuple[str, list[str]]:
    """The anonymous scores and comments from score ballots, once voting has closed."""

    proposal = db.session.get(Proposal, proposal_id)
    try:
        comments = ballot_services.feedback_for(proposal) if proposal is not None else []
    except DomainError:  # still sealed: voting has not closed
        comments = []
    return "Scores and comments from the panel", [f"{c.criterion}: {c.score}. {c.comment}" for c in comments]


FEEDBACK_SOURCES: list[FeedbackSource] = [
    lambda pid: ("What the panel said", feedback_comments(pid)),
    _score_comments,
]


def register_feedback_source(source: FeedbackSource) -> None:
    """Add a source of anonymous panel remarks (score comments, for instance) to feedback drafts."""
    if source not in FEEDBACK_SOURCES:
        FEEDBACK_SOURCES.append(source)


def _outcome_line(proposal: Proposal) -> ResultLine | None:
    return (
        db.session.execute(
            select(ResultLine).where(ResultLine.proposal_id == proposal.id).order_by(ResultLine.id.desc())
        )
        .scalars()
        .first()
    )


def draft_feedback(proposal: Proposal) -> str:
    """A first draft for the facilitator to edit: the outcome and why, the panel's remarks, where else to look."""
    rnd = proposal.round
    line = _outcome_line(proposal)
    parts = [f"Thank you for your proposal “{proposal.title}” to {rnd.title}."]
    if proposal.status is ProposalStatus.FUNDED:
        parts.append("The panel decided to fund it. Congratulations.")
    elif rnd.status is RoundStatus.NO_DECISION:
        parts.append("Not enough panel members voted for a decision this time, so nothing was funded.")
    else:
        parts.append("The panel did not fund it this time.")
    if line is not None:
        parts.append(f"Why: {line_explanation(line, rnd, named_titles(rnd.id))}")
    for heading, texts in (source(proposal.id) for source in FEEDBACK_SOURCES):
        if texts:
            parts.append(heading + ":\n" + "\n".join(f"- {t}" for t in texts))
    if proposal.status is not ProposalStatus.FUNDED:
        elsewhere = settings_for(rnd.id).where_else_to_look.strip()
        parts.append("Where else to look:\n" + (elsewhere or "Ask the convenor about other funds and support."))
    return "\n\n".join(parts)


def _feedback_gate(person: Person, proposal: Proposal) -> None:
    if not is_facilitator(person, proposal.round_id):
        raise NotAllowed(_("Only a facilitator can write feedback to groups."))
    if proposal.round.status not in AFTER_VOTE:
        raise DomainError(_("Feedback is written after the panel has decided."))


def feedback_for(proposal_id: int) -> Feedback | None:
    """The feedback for a proposal, if written."""
    return db.session.execute(select(Feedback).where(Feedback.proposal_id == proposal_id)).scalar_one_or_none()


def save_feedback(*, person: Person, proposal_id: int, body: str, send: bool) -> Feedback:
    """Save the facilitator's edited feedback, and send it to the group if asked."""
    with transaction() as session:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise DomainError(_("That proposal does not exist."))
        _feedback_gate(person, proposal)
        hold(Proposal, proposal_id)  # saved twice at once (a double click): the second sees the first's draft
        body = body.strip()
        if not body:
            raise DomainError(_("Write the feedback."))
        row = feedback_for(proposal_id)
        if row is not None and row.sent_at is not None:
            raise DomainError(_("This feedback has been sent already."))
        if row is None:
            row = Feedback(proposal_id=proposal_id, body=body, updated_by_id=person.id)
            session.add(row)
        row.body = body
        row.updated_by_id = person.id
        row.updated_at = datetime.now(UTC)
        if send:
            row.sent_at = row.updated_at
            members = session.execute(
                select(GroupMembership.person_id).where(GroupMembership.group_id == proposal.group_id)
            ).scalars()
            subject = _l("Feedback from the panel on “%(title)s”", title=lazy_text(proposal, "title"))
            notify(members, "result", subject, body, link=link_to("panels.feedback_read", proposal_id=proposal.id))
            audit.record("feedback_sent", "The panel's feedback was sent to a group.", actor_id=person.id,
                         round_id=proposal.round_id, details={"proposal_id": proposal.id})  # fmt: skip
    return row


@dataclass(frozen=True)
class SuccessRate:
    """How many decided proposals were funded."""

    funded: int
    decided: int

    @property
    def percent(self) -> int:
        return round(100 * self.funded / self.decided) if self.decided else 0


def success_rate(round_id: int) -> SuccessRate | None:
    """The round's published success rate, once it has decided."""
    rnd = db.session.get(Round, round_id)
    if rnd is None or rnd.status not in AFTER_VOTE:
        return None
    rows = db.session.execute(
        select(Proposal.status, func.count())
        .where(Proposal.round_id == round_id, Proposal.status.in_([ProposalStatus.FUNDED, ProposalStatus.NOT_FUNDED,
                                                                   ProposalStatus.SUBMITTED]))
        .group_by(Proposal.status)
    ).all()  # fmt: skip
    counts = dict(rows)
    funded = counts.get(ProposalStatus.FUNDED, 0)
    return SuccessRate(funded=funded, decided=sum(counts.values()))


# Reflections ------------------------------------------------------------------------------


def took_part(person: Person, round_id: int) -> bool:
    """Everyone involved: panel (past or present), applicant groups, convenors and funders."""
    if is_convenor(person, round_id) or funds_round(person, round_id):
        return True
    if db.session.execute(
        select(PanelMember.id).where(PanelMember.round_id == round_id, PanelMember.person_id == person.id)
    ).first():
        return True
    return (
        db.session.execute(
            select(GroupMembership.id)
            .join(Proposal, Proposal.group_id == GroupMembership.group_id)
            .where(
                Proposal.round_id == round_id,
                GroupMembership.person_id == person.id,
                Proposal.status != ProposalStatus.DRAFT,
            )
        ).first()
        is not None
    )


def reflections_waiting(person: Person) -> list[Round]:
    """Decided tables this person took part in whose reflection they have not answered yet, newest first:
    their own page tells them it is open, rather than leaving it to a link on the public page."""
    answered = select(ReflectionResponse.round_id).where(ReflectionResponse.person_id == person.id)
    rounds = db.session.execute(
        select(Round).where(Round.status.in_(AFTER_VOTE), Round.id.not_in(answered)).order_by(Round.id.desc())
    ).scalars()
    return [rnd for rnd in rounds if took_part(person, rnd.id)]


def has_reflected(person: Person, round_id: int) -> bool:
    """The person has answered this round's reflection."""
    return (
        db.session.execute(
            select(ReflectionResponse.id).where(
                ReflectionResponse.round_id == round_id, ReflectionResponse.person_id == person.id
            )
        ).first()
        is not None
    )


def submit_reflection(
    *, person: Person, round_id: int, what_worked: str, what_did_not: str, felt: int, power: int
) -> None:
    """Answer the anonymous reflection: stored apart from who answered, in the same transaction."""
    try:
        with transaction() as session:
            rnd = lock_for_update(Round, round_id)
            if rnd.status not in AFTER_VOTE:
                raise DomainError(_("The reflection opens once the panel has decided."))
            if not took_part(person, round_id):
                raise NotAllowed(_("The reflection is for people who took part in this table."))
            if felt not in FELT or power not in POWER_LADDER:
                raise DomainError(_("Choose an answer for how it felt and how much say you had."))
            if has_reflected(person, round_id):
                raise DomainError(_("You have already answered. Thank you."))
            session.add(ReflectionResponse(round_id=round_id, person_id=person.id))
            # Sealed to the round's key for this step of five answers (grants/ballots/sealing.py):
            # the response row written beside it links a person only to ciphertext. The fifth
            # answer opens the step's envelopes, adds them to the release and destroys the key.
            key = sealing.current_key(round_id, sealing.REFLECTIONS) or sealing.make_key(
                session, round_id, sealing.REFLECTIONS
            )
            answer = [what_worked.strip()[:2000], what_did_not.strip()[:2000], felt, power]
            sealing.seal(session, key, answer)
            waiting = session.execute(
                select(func.count()).select_from(SealedEnvelope).where(SealedEnvelope.key_id == key.id)
            ).scalar_one()
            if waiting >= MIN_REFLECTIONS:
                _release(session, round_id, [tuple(a) for a in sealing.open_all(session, key)])
            session.flush()
    except IntegrityError as exc:
        raise DomainError(_("You have already answered. Thank you.")) from exc


@dataclass(frozen=True)
class ReflectionSummary:
    """Reflections in aggregate: counts per answer, and the written answers in random order."""

    answered: int
    felt: dict[int, int]
    power: dict[int, int]
    worked: list[str]
    did_not: list[str]


def _release(session: Session, round_id: int, answers: list[tuple[str, str, int, int]]) -> None:
    """Add a step of five answers to the published aggregate: counts added, written answers shuffled in.

    Between one release and the next, five more people have answered, so no difference
    between two releases picks out one person's answers. Answers stored in the clear before
    migration 0021 (`Reflection` rows, from which the old release was made) are folded in once
    in its place, and deleted.
    """
    release = session.execute(
        select(ReflectionRelease).where(ReflectionRelease.round_id == round_id)
    ).scalar_one_or_none()
    felt, power, worked, did_not = Counter(), Counter(), [], []
    legacy = list(session.execute(select(Reflection).where(Reflection.round_id == round_id)).scalars())
    if legacy:
        answers = answers + [(r.what_worked, r.what_did_not, r.felt, r.power) for r in legacy]
        session.execute(delete(Reflection).where(Reflection.round_id == round_id))
    elif release is not None:
        felt.update({int(k): n for k, n in release.felt.items()})
        power.update({int(k): n for k, n in release.power.items()})
        worked, did_not = list(release.worked), list(release.did_not)
    felt.update(f for *_, f, _p in answers)
    power.update(p for *_, p in answers)
    worked += [w for w, *_ in answers if w]
    did_not += [d for _w, d, *_ in answers if d]
    random.SystemRandom().shuffle(worked)
    random.SystemRandom().shuffle(did_not)
    if release is None:
        release = ReflectionRelease(round_id=round_id)
        session.add(release)
    release.felt = {str(k): felt.get(k, 0) for k in FELT}
    release.power = {str(k): power.get(k, 0) for k in POWER_LADDER}
    release.worked = worked
    release.did_not = did_not


def reflection_summary(round_id: int) -> ReflectionSummary | None:
    """The latest release (made at every fifth answer), or None until 5 people have answered."""
    release = db.session.execute(
        select(ReflectionRelease).where(ReflectionRelease.round_id == round_id)
    ).scalar_one_or_none()
    if release is None:
        return None
    return ReflectionSummary(
        answered=release.answered,
        felt={k: release.felt.get(str(k), 0) for k in FELT},
        power={k: release.power.get(str(k), 0) for k in POWER_LADDER},
        worked=list(release.worked),
        did_not=list(release.did_not),
    )


def reflection_count(round_id: int) -> int:
    """How many have answered (a count is safe to show at any size)."""
    return db.session.execute(
        select(func.count()).select_from(ReflectionResponse).where(ReflectionResponse.round_id == round_id)
    ).scalar_one()


def may_see_feedback(person: Person, proposal: Proposal) -> bool:
    """The group's members and the round's facilitators may read a proposal's feedback."""
    return is_group_member(person, proposal.group_id) or is_facilitator(person, proposal.round_id)
