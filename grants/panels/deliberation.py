"""Deliberation: ground rules, the conflicts register, comments (named or anonymous to
peers), hiding posts, questions to applicants and meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from grants import audit
from grants.core import DomainError, NotAllowed, hold, transaction
from grants.extensions import db
from grants.language.written import lazy_text
from grants.models import (
    GroundRules,
    GroundRulesResponse,
    GroupMembership,
    InterestDeclaration,
    InterestHistory,
    Meeting,
    MeetingAttendance,
    PanelComment,
    PanelMember,
    PanelQuestion,
    PanelRole,
    Participation,
    Person,
    Proposal,
    Round,
    RoundStatus,
)
from grants.notifications import notify
from grants.roles import is_convenor, is_group_member, panel_seat
from grants.site import link_to

GROUND_RULES_TEMPLATE = """1. We listen to each other and take turns. Nobody has to speak.
2. We talk about proposals, not about people.
3. What is said in the panel stays in the panel. We do not share other members' stories.
4. Everyone's lived experience counts. Nobody has to share more than they want to.
5. We say when we have a connection to a group, and stand aside from its proposal.
6. Anyone can pause or step back at any time, without giving a reason.
7. We are kind in what we write, including in feedback to groups.
8. If something is hard, we tell the facilitator or the support contact."""

# Conflicts can be declared or updated until the result; withdrawn only before voting opens,
# so nobody can withdraw a conflict to vote on a proposal they stood aside from.
INTEREST_OPEN = (RoundStatus.OPEN_FOR_BIDS, RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION, RoundStatus.VOTING)
WITHDRAW_OPEN = (RoundStatus.OPEN_FOR_BIDS, RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION)


def is_facilitator(person: Person, round_id: int) -> bool:
    """A facilitator holds the panel's space: sees who posted, hides posts, keeps meeting notes."""
    seat = panel_seat(person, round_id)
    return seat is not None and seat.role is PanelRole.FACILITATOR


def wait_for_ballots_in_flight(round_id: int) -> None:
    """Hold the table's row until this transaction ends, before reading who has voted.

    A ballot holds the row `FOR SHARE` from reading its paper to its commit (grants/ballots/
    services.py), so a ballot in flight finishes first and is seen as cast, and one that starts
    later sees what this transaction writes. Without it, an interest declared while the ballot
    was being cast stood beside that ballot's mark on the same proposal (PostgreSQL; SQLite lets
    one writer in at a time). A ballot waits for this only as long as the declaration takes."""
    hold(Round, round_id)


def _seat_or_refuse(person: Person, round_id: int) -> PanelMember:
    seat = panel_seat(person, round_id)
    if seat is None:
        raise NotAllowed(_("Only members of this table's panel can do that."))
    return seat


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not proposal.is_submitted:
        raise DomainError(_("That proposal does not exist."))
    return proposal


# Ground rules ---------------------------------------------------------------------------


def ground_rules(round_id: int) -> GroundRules | None:
    """The round's current ground rules, if written."""
    return db.session.execute(select(GroundRules).where(GroundRules.round_id == round_id)).scalar_one_or_none()


def write_ground_rules(*, person: Person, round_id: int, text: str) -> GroundRules:
    """Start or change the ground rules (convenor or facilitator). A change needs everyone's agreement again."""
    with transaction() as session:
        if not (is_convenor(person, round_id) or is_facilitator(person, round_id)):
            raise NotAllowed(_("Only the convenor or a facilitator can write the ground rules."))
        text = text.strip()
        if not text:
            raise DomainError(_("Write the ground rules."))
        hold(Round, round_id)  # written twice at once (a double click): the second sees the first
        rules = ground_rules(round_id)
        if rules is None:
            rules = GroundRules(round_id=round_id, text=text, version=1, updated_by_id=person.id)
            session.add(rules)
        elif rules.text != text:
            rules.text = text
            rules.version += 1
            rules.updated_at = datetime.now(UTC)
            rules.updated_by_id = person.id
    return rules


def respond_to_ground_rules(*, person: Person, round_id: int, agreed: bool, suggestion: str = "") -> None:
    """Agree to the current ground rules, or propose a change."""
    with transaction() as session:
        _seat_or_refuse(person, round_id)
        rules = ground_rules(round_id)
        if rules is None:
            raise DomainError(_("The ground rules have not been written yet."))
        if not agreed and not suggestion.strip():
            raise DomainError(_("Say what change you would like to the ground rules."))
        session.add(
            GroundRulesResponse(
                round_id=round_id,
                person_id=person.id,
                version=rules.version,
                agreed=agreed,
                suggestion=suggestion.strip(),
            )  # fmt: skip
        )


def _has_agreed(person_id: int, rules: GroundRules) -> bool:
    latest = db.session.execute(
        select(GroundRulesResponse.agreed)
        .where(
            GroundRulesResponse.round_id == rules.round_id,
            GroundRulesResponse.person_id == person_id,
            GroundRulesResponse.version == rules.version,
        )
        .order_by(GroundRulesResponse.id.desc())
    ).first()
    return bool(latest and latest[0])


@dataclass(frozen=True)
class RulesStatus:
    """Where the panel is with agreeing its ground rules."""

    rules: GroundRules | None
    members: int
    agreed: int
    i_agreed: bool
    suggestions: list[GroundRulesResponse]

    @property
    def all_agreed(self) -> bool:
        return self.rules is not None and self.members > 0 and self.agreed >= self.members


def rules_status(round_id: int, person: Person | None = None) -> RulesStatus:
    """Who has agreed the current version (as counts), and the changes members proposed."""
    rules = ground_rules(round_id)
    members = db.session.execute(
        select(PanelMember.person_id).where(PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None))
    ).scalars()
    member_ids = set(members)
    if rules is None:
        return RulesStatus(None, len(member_ids), 0, False, [])
    responses = list(
        db.session.execute(
            select(GroundRulesResponse)
            .where(GroundRulesResponse.round_id == round_id, GroundRulesResponse.version == rules.version)
            .order_by(GroundRulesResponse.responded_at, GroundRulesResponse.id)
        ).scalars()
    )
    latest: dict[int, GroundRulesResponse] = {}
    for r in responses:
        latest[r.person_id] = r
    agreed = {pid for pid, r in latest.items() if r.agreed and pid in member_ids}
    suggestions = [r for r in latest.values() if not r.agreed]
    return RulesStatus(rules, len(member_ids), len(agreed), person is not None and person.id in agreed, suggestions)


# Conflicts register ---------------------------------------------------------------------


def record_history(declaration_round: int, proposal_id: int, person_id: int, action: str, nature: str) -> None:
    """Add a line to the conflicts register (in the caller's transaction): declared, updated or withdrawn."""
    db.session.add(
        InterestHistory(
            round_id=declaration_round, proposal_id=proposal_id, person_id=person_id, action=action, nature=nature
        )  # fmt: skip
    )


def _has_voted(person_id: int, round_id: int) -> bool:

    return (
        db.session.execute(
            select(Participation.id).where(Participation.round_id == round_id, Participation.person_id == person_id)
        ).first()
        is not None
    )


def declare_interest(*, person: Person, proposal_id: int, nature: str) -> InterestDeclaration:
    """Declare, or update, a conflict of interest: you stand aside from this proposal."""
    with transaction() as session:
        proposal = _proposal(proposal_id)
        _seat_or_refuse(person, proposal.round_id)
        wait_for_ballots_in_flight(proposal.round_id)
        if proposal.round.status not in INTEREST_OPEN:
            raise DomainError(_("This table has finished deciding, so the register is closed."))
        nature = nature.strip()
        if not nature:
            raise DomainError(_("Say briefly what your connection to the proposal is."))
        row = session.execute(
            select(InterestDeclaration).where(
                InterestDeclaration.proposal_id == proposal.id, InterestDeclaration.person_id == person.id
            )
        ).scalar_one_or_none()
        action = "updated" if row else "declared"
        if row is None and _has_voted(person.id, proposal.round_id):
            # Interests are declared before voting; a cast secret ballot cannot be taken apart afterwards.
            raise DomainError(
                _(
                    "You have already voted, and a secret ballot cannot be changed. Tell the convenor about the "
                    "connection so it can be recorded with the decision."
                )
            )
        if row is None:
            row = InterestDeclaration(round_id=proposal.round_id, proposal_id=proposal.id, person_id=person.id,
                                      nature=nature)  # fmt: skip
            session.add(row)
        else:
            row.nature = nature
        record_history(proposal.round_id, proposal.id, person.id, action, nature)
        audit.record(f"interest_{action}", f"A panel member {action} an interest in a proposal.", actor_id=person.id,
                     round_id=proposal.round_id, details={"proposal_id": proposal.id})  # fmt: skip
    return row


def withdraw_interest(*, person: Person, proposal_id: int) -> None:
    """Withdraw a declaration made in error (only before voting opens)."""
    with transaction() as session:
        proposal = _proposal(proposal_id)
        _seat_or_refuse(person, proposal.round_id)
        if proposal.round.status not in WITHDRAW_OPEN:
            raise DomainError(_("Voting has opened, so a declared interest stays on the record and you stand aside."))
        row = session.execute(
            select(InterestDeclaration).where(
                InterestDeclaration.proposal_id == proposal.id, InterestDeclaration.person_id == person.id
            )
        ).scalar_one_or_none()
        if row is None:
            raise DomainError(_("You have not declared an interest in this proposal."))
        session.execute(delete(InterestDeclaration).where(InterestDeclaration.id == row.id))
        record_history(proposal.round_id, proposal.id, person.id, "withdrawn", "")
        audit.record("interest_withdrawn", "A panel member withdrew a declared interest.", actor_id=person.id,
                     round_id=proposal.round_id, details={"proposal_id": proposal.id})  # fmt: skip


def my_register(person: Person, round_id: int) -> dict[int, InterestDeclaration]:
    """The person's current declarations in a round, by proposal id."""
    rows = db.session.execute(
        select(InterestDeclaration).where(
            InterestDeclaration.round_id == round_id, InterestDeclaration.person_id == person.id
        )
    ).scalars()
    return {r.proposal_id: r for r in rows}


def round_register(round_id: int) -> list[tuple[Person, Proposal, InterestDeclaration]]:
    """Every current declaration in a round, for the convenor and facilitator (it is part of the decision)."""
    return list(
        db.session.execute(
            select(Person, Proposal, InterestDeclaration)
            .join(InterestDeclaration, InterestDeclaration.person_id == Person.id)
            .join(Proposal, Proposal.id == InterestDeclaration.proposal_id)
            .where(InterestDeclaration.round_id == round_id)
            .order_by(Proposal.id, Person.display_name)
        ).all()
    )


def register_history(round_id: int) -> list[InterestHistory]:
    """Every declaration, update and withdrawal, oldest first."""
    return list(
        db.session.execute(
            select(InterestHistory).where(InterestHistory.round_id == round_id).order_by(InterestHistory.id)
        ).scalars()
    )


# Comments ---------------------------------------------------------------------------------


def add_comment(*, person: Person, proposal_id: int, body: str, anonymous_to_peers: bool = False) -> PanelComment:
    """Comment on a proposal for the panel only; optionally without your name for other members."""
    with transaction() as session:
        proposal = _proposal(proposal_id)
        _seat_or_refuse(person, proposal.round_id)
        if db.session.execute(
            select(InterestDeclaration.id).where(
                InterestDeclaration.proposal_id == proposal.id, InterestDeclaration.person_id == person.id
            )
        ).first():
            raise DomainError(_("You declared an interest in this proposal, so you stand aside from discussing it."))
        rules = ground_rules(proposal.round_id)
        if rules is not None and not _has_agreed(person.id, rules):
            raise DomainError(
                _(
                    "Before discussing proposals, please read the panel's ground rules and agree them or propose a "
                    "change."
                )
            )
        body = body.strip()
        if not body:
            raise DomainError(_("Write a comment."))
        comment = PanelComment(
            proposal_id=proposal.id, author_id=person.id, body=body, is_anonymous_to_peers=anonymous_to_peers
        )
        session.add(comment)
    return comment


def hide_comment(*, person: Person, comment_id: int, reason: str) -> PanelComment:
    """A facilitator hides a post that breaks the ground rules; the author sees the reason."""
    with transaction():
        comment = db.session.get(PanelComment, comment_id)
        if comment is None:
            raise DomainError(_("That comment does not exist."))
        if not is_facilitator(person, comment.proposal.round_id):
            raise NotAllowed(_("Only a facilitator can hide a post."))
        reason = reason.strip()
        if not reason:
            raise DomainError(_("Say which ground rule the post breaks. The person who wrote it will see this."))
        if comment.hidden_at is not None:
            raise DomainError(_("That post is already hidden."))
        comment.hidden_at = datetime.now(UTC)
        comment.hidden_reason = reason
        comment.hidden_by_id = person.id
        audit.record("panel_post_hidden", "A facilitator hid a panel post.", actor_id=person.id,
                     round_id=comment.proposal.round_id, details={"comment_id": comment.id})  # fmt: skip
    return comment


@dataclass(frozen=True)
class CommentView:
    """A comment as one viewer may see it: the author's name only where they may see it."""

    id: int
    author_label: str
    body: str | None
    created_at: datetime
    is_anonymous_to_peers: bool
    is_mine: bool
    hidden_reason: str | None
    can_hide: bool


def comments_for(viewer: Person, proposal: Proposal) -> list[CommentView]:
    """The panel's comments on a proposal as `viewer` may see them.

    Anonymous-to-peers posts show the author to the author and to facilitators only.
    A hidden post's text is shown to its author (with the reason) and to facilitators.
    """
    facilitator = is_facilitator(viewer, proposal.round_id)
    rows = db.session.execute(
        select(PanelComment).where(PanelComment.proposal_id == proposal.id).order_by(PanelComment.created_at,
                                                                                     PanelComment.id)
    ).scalars()  # fmt: skip
    out = []
    for c in rows:
        mine = c.author_id == viewer.id
        if not c.is_anonymous_to_peers:
            label = c.author.display_name
        elif mine:
            label = _("You (other members do not see your name)")
        elif facilitator:
            label = _("%(name)s (anonymous to other members)", name=c.author.display_name)
        else:
            label = _("A panel member")
        hidden = c.hidden_at is not None
        out.append(
            CommentView(
                id=c.id,
                author_label=label,
                body=c.body if (not hidden or mine or facilitator) else None,
                created_at=c.created_at,
                is_anonymous_to_peers=c.is_anonymous_to_peers,
                is_mine=mine,
                hidden_reason=c.hidden_reason if hidden and (mine or facilitator) else ("" if hidden else None),
                can_hide=facilitator and not hidden,
            )
        )
    return out


def feedback_comments(proposal_id: int) -> list[str]:
    """The panel's visible comments on a proposal, without any names (a source for feedback)."""
    return list(
        db.session.execute(
            select(PanelComment.body)
            .where(PanelComment.proposal_id == proposal_id, PanelComment.hidden_at.is_(None))
            .order_by(PanelComment.created_at, PanelComment.id)
        ).scalars()
    )


# Questions to applicants ------------------------------------------------------------------


def ask_question(*, person: Person, proposal_id: int, body: str) -> PanelQuestion:
    """The panel asks the group a question; the group is told and answers in the platform."""
    with transaction() as session:
        proposal = _proposal(proposal_id)
        _seat_or_refuse(person, proposal.round_id)
        if proposal.round.status in (RoundStatus.COUNTED, RoundStatus.NO_DECISION, RoundStatus.CLOSED) or (
            proposal.round.rules_frozen
        ):
            raise DomainError(_("Questions to groups close when voting opens."))
        if db.session.execute(
            select(InterestDeclaration.id).where(
                InterestDeclaration.proposal_id == proposal.id, InterestDeclaration.person_id == person.id
            )
        ).first():
            raise DomainError(_("You declared an interest in this proposal, so you stand aside from asking about it."))
        body = body.strip()
        if not body:
            raise DomainError(_("Write your question."))
        question = PanelQuestion(proposal_id=proposal.id, asked_by_id=person.id, body=body)
        session.add(question)
        session.flush()
        members = session.execute(
            select(GroupMembership.person_id).where(GroupMembership.group_id == proposal.group_id)
        ).scalars()
        notify(
            members,
            "panel_question",
            _l("A question from the panel about “%(title)s”", title=lazy_text(proposal, "title")),
            _l(
                "The panel for %(round)s has a question about your proposal:\n\n%(question)s\n\n"
                "Answer it when you can, on the page linked below.",
                round=proposal.round.title,
                question=body,
            ),
            link=link_to("panels.group_questions", proposal_id=proposal.id),
        )
    return question


def answer_question(*, person: Person, question_id: int, answer: str) -> PanelQuestion:
    """A member of the group answers the panel's question."""
    with transaction():
        question = db.session.get(PanelQuestion, question_id)
        if question is None:
            raise DomainError(_("That question does not exist."))
        if not is_group_member(person, question.proposal.group_id):
            raise NotAllowed(_("Only members of the group can answer questions about its proposal."))
        answer = answer.strip()
        if not answer:
            raise DomainError(_("Write your answer."))
        if question.proposal.round.status in (RoundStatus.COUNTED, RoundStatus.NO_DECISION, RoundStatus.CLOSED):
            raise DomainError(_("The panel has decided, so answers are closed."))
        question.answer = answer
        question.answered_by_id = person.id
        question.answered_at = datetime.now(UTC)
    return question


def questions_for(proposal_id: int) -> list[PanelQuestion]:
    """The panel's questions on a proposal with any answers, oldest first."""
    return list(
        db.session.execute(
            select(PanelQuestion).where(PanelQuestion.proposal_id == proposal_id).order_by(PanelQuestion.id)
        ).scalars()
    )


# Meetings ---------------------------------------------------------------------------------


def may_keep_notes(person: Person, round_id: int) -> bool:
    """Convenors and facilitators write meeting records."""
    return is_convenor(person, round_id) or is_facilitator(person, round_id)


def _safe_links(links: str) -> str:
    kept = []
    for line in links.splitlines():
        line = line.strip()
        if not line:
            continue
        # Only pages on this site: no other site's links in the panel's record.
        if not line.startswith("/") or line.startswith("//") or "\\" in line:
            raise DomainError(_("Links must be pages on this site, starting with /, for example /tables/my-table."))
        kept.append(line)
    return "\n".join(kept)


def save_meeting(
    *, person: Person, round_id: int, meeting_id: int | None, title: str, held_on: date, agenda: str, notes: str,
    decisions: str, links: str, attendee_ids: list[int],
) -> Meeting:  # fmt: skip
    """Record a meeting: agenda, who came, notes, decisions, and where they led."""
    with transaction() as session:
        if not may_keep_notes(person, round_id):
            raise NotAllowed(_("Only the convenor or a facilitator can keep meeting records."))
        if meeting_id is None:
            meeting = Meeting(round_id=round_id, created_by_id=person.id, title="", held_on=held_on)
            session.add(meeting)
        else:
            meeting = session.get(Meeting, meeting_id)
            if meeting is None or meeting.round_id != round_id:
                raise DomainError(_("That meeting does not exist."))
        panel = set(session.execute(select(PanelMember.person_id).where(PanelMember.round_id == round_id)).scalars())
        if any(pid not in panel for pid in attendee_ids):
            raise DomainError(_("Attendance lists panel members only."))
        meeting.title = title.strip()
        meeting.held_on = held_on
        meeting.agenda = agenda.strip()
        meeting.notes = notes.strip()
        meeting.decisions = decisions.strip()
        meeting.links = _safe_links(links)
        meeting.updated_at = datetime.now(UTC)
        # Keep the rows of people still listed: replacing them all would insert before it deletes,
        # and the (meeting, person) unique key refuses that when a meeting is saved again unchanged.
        kept = {row.person_id: row for row in meeting.attendance}
        meeting.attendance = [kept.get(pid) or MeetingAttendance(person_id=pid) for pid in dict.fromkeys(attendee_ids)]
    return meeting


def meetings_for(round_id: int) -> list[Meeting]:
    """The panel's meetings, newest first."""
    return list(
        db.session.execute(
            select(Meeting).where(Meeting.round_id == round_id).order_by(Meeting.held_on.desc(), Meeting.id.desc())
        ).scalars()
    )


def panel_people(round_id: int) -> list[Person]:
    """Everyone who has sat on the panel (for attendance lists)."""
    return list(
        db.session.execute(
            select(Person)
            .join(PanelMember, PanelMember.person_id == Person.id)
            .where(PanelMember.round_id == round_id)
            .order_by(Person.display_name)
        ).scalars()
    )
