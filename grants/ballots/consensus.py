"""Consensus records: for panels that decide by talking.

The facilitator records which proposals the panel decided to fund, who was present and
who stood aside. Each member present confirms the record individually; only confirmed
members count towards quorum. The record never says what anyone said. At the close,
grants/ballots/closing.py takes the confirmed record and stores its decision as it stores a count's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants import audit
from grants.ballots.election import Decision, Line
from grants.ballots.quorum import QuorumCheck
from grants.ballots.services import ballot_proposals
from grants.core import DomainError, NotAllowed, Problems, lock_for_update, raise_problems, transaction
from grants.extensions import db
from grants.language import joined
from grants.language.records import Money, Words, counted, typed
from grants.language.written import lazy_text
from grants.ledger import books
from grants.models import (
    N_,
    BallotType,
    ConsensusAttendance,
    ConsensusRecord,
    PanelMember,
    PanelRole,
    Participation,
    Person,
    Proposal,
    Round,
)
from grants.money_format import format_pence
from grants.notifications import notify
from grants.privacy import people_words
from grants.roles import is_convenor, panel_seat
from grants.site import link_to

REASON_LIMIT = 1000  # why a confirmation is missing: a few sentences, kept with the decision


def may_record(person: Person, round_id: int) -> bool:
    """The panel's facilitator, or a convenor, writes the consensus record."""
    seat = panel_seat(person, round_id)
    return (seat is not None and seat.role is PanelRole.FACILITATOR) or is_convenor(person, round_id)


def record_for(round_id: int) -> ConsensusRecord | None:
    """The round's consensus record, if one has been written."""
    return db.session.execute(select(ConsensusRecord).where(ConsensusRecord.round_id == round_id)).scalar_one_or_none()


@dataclass(frozen=True)
class ConsensusDraft:
    """A checked consensus record, ready to show back before saving."""

    funded: list[Proposal]
    present: list[PanelMember]
    stood_aside: set[int]


def check_record(rnd: Round, funded_ids: list[int], present_ids: list[int], aside_ids: list[int]) -> ConsensusDraft:
    """Check a consensus record: real proposals that fit the pot, real panel members present."""
    if rnd.ballot_type is not BallotType.CONSENSUS:
        raise DomainError(_("This table decides by ballot, not by a consensus record."))
    if not rnd.is_voting:
        raise DomainError(_("Decisions can be recorded only while the table is deciding (voting is open)."))
    by_id = {p.id: p for p in ballot_proposals(rnd.id)}
    if any(pid not in by_id for pid in funded_ids):
        raise DomainError(_("The record named a proposal that is not on this table."))
    funded = [by_id[pid] for pid in dict.fromkeys(funded_ids)]
    problems: list[tuple[str, str]] = []  # every part of the record to fix, said at once (issue 17)
    pot = books.round_summary(rnd.id).available_pence
    total = sum(p.requested_pence for p in funded)
    if total > pot:
        problems.append((
            "consensus-funded",
            _("The proposals recorded as funded add up to %(total)s, more than the pot of %(pot)s.",
              total=format_pence(total), pot=format_pence(pot)),
        ))  # fmt: skip
    seats = {
        s.person_id: s
        for s in db.session.execute(
            select(PanelMember).where(PanelMember.round_id == rnd.id, PanelMember.stepped_down_at.is_(None))
        ).scalars()
    }
    if not present_ids:
        problems.append(("consensus-present", _("Tick the panel members who were present.")))
    elif any(pid not in seats for pid in present_ids):
        raise DomainError(_("Only members of this table's panel can be recorded as present."))
    if any(pid not in present_ids for pid in aside_ids):
        problems.append(("consensus-aside", _("Only someone who was present can be recorded as standing aside.")))
    raise_problems(problems)
    return ConsensusDraft(
        funded=funded, present=[seats[pid] for pid in dict.fromkeys(present_ids)], stood_aside=set(aside_ids)
    )


def record_consensus(
    *, person: Person, round_id: int, funded_ids: list[int], present_ids: list[int], aside_ids: list[int]
) -> ConsensusRecord:
    """Write (or rewrite) the consensus record; any earlier confirmations are cleared."""
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if not may_record(person, rnd.id):
            raise NotAllowed(_("Only the panel's facilitator or a convenor can record the decision."))
        draft = check_record(rnd, funded_ids, present_ids, aside_ids)
        old = record_for(rnd.id)
        if old is not None:
            session.delete(old)
            session.flush()
            # Confirmations belonged to the old record; those people confirm again.
            for row in session.execute(
                select(Participation).where(Participation.round_id == rnd.id, Participation.channel == "consensus")
            ).scalars():
                session.delete(row)
            session.flush()
        record = ConsensusRecord(
            round_id=rnd.id,
            funded_ids=[p.id for p in draft.funded],
            recorded_by_id=person.id,
            recorded_at=datetime.now(UTC),
        )
        record.attendance = [
            ConsensusAttendance(person_id=s.person_id, stood_aside=s.person_id in draft.stood_aside)
            for s in draft.present
        ]
        session.add(record)
        audit.record(
            "consensus_recorded",
            f"The panel's decision was recorded: {len(draft.funded)} proposals to fund, "
            f"{len(draft.present)} present, {len(draft.stood_aside)} stood aside.",
            actor_id=person.id,
            round_id=rnd.id,
        )
        notify(
            [s.person_id for s in draft.present],
            "reminder",
            _l("Please confirm the panel's decision: %(title)s", title=lazy_text(rnd, "title")),
            _l(
                "The facilitator has recorded the decision the panel reached. Check it and confirm it on your panel "
                "page."
            ),
            link=link_to("panels.home", slug=rnd.slug),
        )
    return record


def confirm_consensus(*, person: Person, round_id: int) -> ConsensusAttendance:
    """A member who was present confirms the record. Their confirmation counts towards quorum."""
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if not rnd.is_voting:
            raise DomainError(_("The decision can be confirmed only while the table is deciding."))
        record = record_for(rnd.id)
        row = None
        if record is not None:
            row = next((a for a in record.attendance if a.person_id == person.id), None)
        if row is None:
            raise NotAllowed(_("Only panel members recorded as present can confirm the decision."))
        if row.confirmed_at is not None:
            raise DomainError(_("You have already confirmed this record."))
        row.confirmed_at = datetime.now(UTC)
        if not row.stood_aside:
            # The same unique row as a ballot: one say per person, and quorum counts it.
            session.add(Participation(round_id=rnd.id, person_id=person.id, channel="consensus"))
        session.flush()
    return row


def excuse_confirmation(*, person: Person, round_id: int, member_id: int, reason: str) -> ConsensusAttendance:
    """The facilitator records why a present member's confirmation is missing, so the decision can count."""
    with transaction():
        rnd = lock_for_update(Round, round_id)
        if not may_record(person, rnd.id):
            raise NotAllowed(_("Only the panel's facilitator or a convenor can record why a confirmation is missing."))
        if not rnd.is_voting:
            raise DomainError(_("The decision can be changed only while the table is deciding."))
        record = record_for(rnd.id)
        row = next((a for a in record.attendance if a.person_id == member_id), None) if record else None
        if row is None:
            raise DomainError(_("That person was not recorded as present."))
        if row.confirmed_at is not None:
            raise DomainError(_("They have already confirmed the record."))
        box = f"reason-{member_id}"  # the reason box under that member's name on the panel page
        if not reason.strip():
            raise Problems([(box, _("Say why their confirmation is missing. The reason is kept with the decision."))])
        if len(reason) > REASON_LIMIT:
            raise Problems([(box, _("Use %(max)d characters or fewer: this has %(length)d",
                                    max=REASON_LIMIT, length=len(reason)))])  # fmt: skip
        row.missing_reason = reason.strip()
        audit.record(
            "consensus_confirmation_excused",
            Words(N_("A present member's confirmation is missing. Why: %(reason)s"), reason=typed(reason.strip())),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
    return row


def missing_confirmations(record: ConsensusRecord) -> list[ConsensusAttendance]:
    """Members present who have neither confirmed nor had a recorded reason why not."""
    return [a for a in record.attendance if a.confirmed_at is None and not a.missing_reason]


def confirmed_record(rnd: Round) -> ConsensusRecord:
    """The round's consensus record, once every member present has confirmed it (or why not is recorded)."""
    record = record_for(rnd.id)
    if record is None:
        raise DomainError(_("The facilitator has not recorded the panel's decision yet."))
    waiting = missing_confirmations(record)
    if waiting:
        # A consensus decision is everyone present's: it counts only when each has confirmed it,
        # or the facilitator has recorded, with a reason, why a confirmation is missing.
        names = joined(a.person.display_name for a in waiting)
        raise DomainError(
            _(
                "Not every member present has confirmed the record: %(names)s. Ask them to confirm it on their panel "
                "page, or, as facilitator, record why a confirmation is missing.",
                names=names,
            )
        )
    return record


def confirmed_by(record: ConsensusRecord) -> list[ConsensusAttendance]:
    """Members present who confirmed the record and did not stand aside: they count towards quorum."""
    return [a for a in record.attendance if a.confirmed_at is not None and not a.stood_aside]


def recorded_decision(record: ConsensusRecord, proposals: list[Proposal], check: QuorumCheck, budget: int) -> Decision:
    """The decision the record holds, line by line, for the close to store like a count's."""
    funded_ids = set(record.funded_ids)
    confirmed = len(confirmed_by(record))
    present = len(record.attendance)
    aside = sum(1 for a in record.attendance if a.stood_aside)
    lines = []
    for p in sorted(proposals, key=lambda p: (p.id not in funded_ids, p.id)):
        is_funded = p.id in funded_ids
        lines.append(
            Line(
                proposal=p,
                support=float(confirmed) if is_funded else 0.0,
                is_funded=is_funded,
                explanation=(
                    "The panel decided by consensus to fund this proposal."
                    if is_funded
                    else "The panel decided by consensus not to fund this proposal."
                ),
                figures={
                    "confirmed_by": confirmed,
                    "present": present,
                    "stood_aside_from_decision": aside,
                    "stood_aside": check.recusals.get(p.id, 0),
                },
            )
        )
    decision = Decision(lines=lines, funded=[p for p in proposals if p.id in funded_ids], summary=None)
    # Figures about people go through the one suppression rule (the record is published).
    decision.summary = counted(
        "Decided by consensus: %(funded)s of %(num)d proposal funded, %(spent)s of %(budget)s. %(present)s panel "
        "members were present, %(aside)s stood aside, and %(confirmed)s confirmed the record (quorum %(quorum)s).",
        "Decided by consensus: %(funded)s of %(num)d proposals funded, %(spent)s of %(budget)s. %(present)s panel "
        "members were present, %(aside)s stood aside, and %(confirmed)s confirmed the record (quorum %(quorum)s).",
        len(proposals),
        funded=len(decision.funded),
        spent=Money(decision.spent_pence),
        budget=Money(budget),
        present=people_words(present),
        aside=people_words(aside),
        confirmed=people_words(confirmed),
        quorum=check.required,
    )
    return decision
