"""Paper and assisted voting: a convenor enters paper ballots in batches, a second person confirms each.

Each line of a batch is one paper ballot, naming proposals by their number on the printed
ballot paper. The ballots are checked by the same rules as online ballots. Who voted on
paper is recorded at once (so they cannot also vote online); the ballots are sealed at once
to the round's count key, like online ballots, and count only when a different convenor
confirms the batch, at which point the batch forgets who was in it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from grants import audit
from grants.ballots import sealing
from grants.ballots.services import BallotPaper, ballot_proposals, read_ballot
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.inputs import is_whole
from grants.language.records import Words, counted
from grants.models import (
    N_,
    BallotType,
    InterestDeclaration,
    PanelMember,
    PaperBatch,
    Participation,
    Person,
    Proposal,
    Round,
    SealedEnvelope,
)
from grants.privacy import MIN_PEOPLE, people_count
from grants.roles import is_convenor

PAPER_TYPES = (BallotType.APPROVAL, BallotType.CUMULATIVE, BallotType.RANKED)


class _Lines(dict):
    """Form-like access to one paper ballot, so the online checks apply unchanged."""

    def getlist(self, key: str) -> list[str]:
        value = self.get(key)
        return [] if value is None else (value if isinstance(value, list) else [value])


def _batch(size: int, exact: Words, fewer: str) -> Words:
    """A public record's sentence about a batch: a batch's ballots are its voters', so its size goes through
    the one suppression rule (grants/privacy.py), as `exact` or as `fewer` (marked with N_, `%(fewest)s` in it).
    The convenors' own paper page keeps each batch's exact size."""
    return exact if people_count(size) is not None else Words(fewer, fewest=MIN_PEOPLE)


def numbered(round_id: int) -> list[Proposal]:
    """The proposals as numbered on the printed ballot paper (1, 2, 3 ...)."""
    return ballot_proposals(round_id)


def _paper(rnd: Round, proposals: list[Proposal]) -> BallotPaper:
    return BallotPaper(round=rnd, proposals=proposals, stood_aside=set())


def parse_batch(rnd: Round, text: str) -> list[dict[str, int]]:
    """Read a batch: one ballot a line; refuse it naming the line and what to change."""
    if rnd.ballot_type not in PAPER_TYPES:
        raise DomainError(
            _(
                "Paper entry is for approval, points and ranking ballots. Score ballots need a comment for every "
                "score: help the person fill in the online ballot instead (assisted voting)."
            )
        )
    proposals = numbered(rnd.id)
    paper = _paper(rnd, proposals)
    ballots = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        form = _Lines()
        try:
            if line.lower() == "blank":
                pass
            else:
                for place, item in enumerate([i.strip() for i in line.split(",") if i.strip()], start=1):
                    number, _colon, points = item.partition(":")
                    if not is_whole(number.strip()) or not 1 <= int(number) <= len(proposals):
                        raise DomainError(
                            _(
                                "“%(item)s” is not a proposal number from 1 to %(last)s.",
                                item=item,
                                last=len(proposals),
                            )
                        )
                    pid = proposals[int(number) - 1].id
                    if rnd.ballot_type is BallotType.APPROVAL:
                        form.setdefault("proposal", []).append(str(pid))
                    elif rnd.ballot_type is BallotType.CUMULATIVE:
                        if not points.strip():
                            raise DomainError(
                                _("Write the points after the number, like %(number)s:3.", number=number.strip())
                            )
                        form[f"points-{pid}"] = points.strip()
                    else:
                        if f"rank-{pid}" in form:
                            raise DomainError(_("Proposal %(number)s is ranked twice.", number=number.strip()))
                        form[f"rank-{pid}"] = str(place)
            ballots.append(read_ballot(paper, form).marks)
        except DomainError as exc:
            raise DomainError(_("Ballot on line %(line)s: %(problem)s", line=line_no, problem=exc.message)) from exc
    if not ballots:
        raise DomainError(_("Enter at least one ballot, one on each line."))
    return ballots


def enter_batch(*, person: Person, round_id: int, voter_ids: list[int], text: str) -> PaperBatch:
    """Enter a batch of paper ballots and mark who voted on paper; it counts once someone else confirms it."""
    try:
        with transaction() as session:
            rnd = lock_for_update(Round, round_id)
            if not is_convenor(person, rnd.id):
                raise NotAllowed(_("Only a convenor of this table can enter paper ballots."))
            if not rnd.is_voting:
                raise DomainError(_("Paper ballots can be entered only while voting is open."))
            ballots = parse_batch(rnd, text)
            voters = list(dict.fromkeys(voter_ids))
            if len(voters) != len(ballots):
                raise DomainError(
                    _(
                        "The batch has %(ballots)s ballots but %(voters)s people are ticked as having voted on "
                        "paper. Each paper ballot needs its voter ticked, and no one else.",
                        ballots=len(ballots),
                        voters=len(voters),
                    )
                )
            seats = {
                s.person_id: s
                for s in session.execute(
                    select(PanelMember).where(
                        PanelMember.round_id == rnd.id,
                        PanelMember.person_id.in_(voters),
                        PanelMember.stepped_down_at.is_(None),
                    )
                ).scalars()
            }
            if len(seats) != len(voters):
                raise DomainError(_("Only members of this table's panel can vote on paper."))
            declared = (
                session.execute(
                    select(InterestDeclaration.person_id).where(
                        InterestDeclaration.round_id == rnd.id, InterestDeclaration.person_id.in_(voters)
                    )
                )
                .scalars()
                .first()
            )
            if declared is not None:
                raise DomainError(
                    _(
                        "%(name)s declared an interest in a proposal, so their paper "
                        "ballot cannot be checked against it once it is in a batch. Help them vote online instead.",
                        name=seats[declared].person.display_name,
                    )
                )
            already = (
                session.execute(
                    select(Participation.person_id).where(
                        Participation.round_id == rnd.id, Participation.person_id.in_(voters)
                    )
                )
                .scalars()
                .first()
            )
            if already is not None:
                raise DomainError(
                    _("%(name)s has already voted. Each person votes once.", name=seats[already].person.display_name)
                )
            for pid in voters:
                session.add(Participation(round_id=rnd.id, person_id=pid, channel="paper"))
            batch = PaperBatch(
                round_id=rnd.id,
                ballot_count=len(ballots),
                pending_ballots=[],
                pending_voters=voters,
                entered_by_id=person.id,
                entered_at=datetime.now(UTC),
            )
            session.add(batch)
            session.flush()
            # The ballots are sealed at once, in random order, to the round's count key: the batch
            # names its voters, so it must never hold what they marked in the clear.
            random.SystemRandom().shuffle(ballots)
            key = sealing.current_key(rnd.id, sealing.BALLOTS) or sealing.make_key(session, rnd.id, sealing.BALLOTS)
            sealing.seal(session, key, {"ballots": [{"marks": m} for m in ballots]}, paper_batch_id=batch.id)
            audit.record(
                "paper_batch_entered",
                _batch(
                    len(ballots),
                    counted(
                        "A batch of %(num)d paper ballot was entered and waits for a second person to confirm it.",
                        "A batch of %(num)d paper ballots was entered and waits for a second person to confirm it.",
                        len(ballots),
                    ),
                    N_(
                        "A batch of fewer than %(fewest)s paper ballots was entered and waits for a second person to "
                        "confirm it."
                    ),
                ),
                actor_id=person.id,
                round_id=rnd.id,
                public=True,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("Someone in this batch voted online a moment ago. Check the list and enter it again.")
        ) from exc
    return batch


def confirm_batch(*, person: Person, round_id: int, batch_id: int) -> PaperBatch:
    """A second convenor confirms a batch: its ballots join the count as anonymous ballots."""
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        batch = lock_for_update(PaperBatch, batch_id)
        if batch.round_id != rnd.id:
            raise DomainError(_("That batch belongs to another table."))
        if not is_convenor(person, rnd.id):
            raise NotAllowed(_("Only a convenor of this table can confirm paper ballots."))
        if batch.entered_by_id == person.id:
            raise NotAllowed(_("A second person must confirm the batch: ask another convenor of this table."))
        if batch.confirmed_at is not None:
            raise DomainError(_("This batch is already confirmed."))
        if not rnd.is_voting:
            raise DomainError(_("Voting has closed, so this batch can no longer be confirmed."))
        if batch.pending_ballots:  # entered before ballots were sealed (migration 0021)
            key = sealing.current_key(rnd.id, sealing.BALLOTS) or sealing.make_key(session, rnd.id, sealing.BALLOTS)
            sealing.seal(session, key, {"ballots": [{"marks": m} for m in batch.pending_ballots]})
            batch.pending_ballots = []
        # The sealed ballots join the count (they are opened with the rest at the close), and the
        # batch forgets who was in it.
        session.execute(
            update(SealedEnvelope).where(SealedEnvelope.paper_batch_id == batch.id).values(paper_batch_id=None)
        )
        batch.pending_voters = []
        batch.confirmed_by_id = person.id
        batch.confirmed_at = datetime.now(UTC)
        audit.record(
            "paper_batch_confirmed",
            _batch(
                batch.ballot_count,
                counted(
                    "A batch of %(num)d paper ballot was confirmed by a second person and now counts.",
                    "A batch of %(num)d paper ballots was confirmed by a second person and now counts.",
                    batch.ballot_count,
                ),
                N_("A batch of fewer than %(fewest)s paper ballots was confirmed by a second person and now counts."),
            ),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
    return batch


def unconfirmed_batches(round_id: int) -> int:
    """How many paper batches still wait for a second person."""
    return len(
        db.session.execute(
            select(PaperBatch.id).where(PaperBatch.round_id == round_id, PaperBatch.confirmed_at.is_(None))
        ).all()
    )


def discard_batch(*, person: Person, round_id: int, batch_id: int) -> None:
    """Discard an unconfirmed batch that was entered wrongly: its voters may vote again."""
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        batch = lock_for_update(PaperBatch, batch_id)
        if batch.round_id != rnd.id or not is_convenor(person, rnd.id):
            raise NotAllowed(_("Only a convenor of this table can discard its paper ballots."))
        if batch.confirmed_at is not None:
            raise DomainError(_("This batch is confirmed and counts; it cannot be discarded."))
        for row in session.execute(
            select(Participation).where(
                Participation.round_id == rnd.id,
                Participation.channel == "paper",
                Participation.person_id.in_(batch.pending_voters or [-1]),
            )
        ).scalars():
            session.delete(row)
        session.execute(delete(SealedEnvelope).where(SealedEnvelope.paper_batch_id == batch.id))
        session.delete(batch)
        audit.record(
            "paper_batch_discarded",
            _batch(
                batch.ballot_count,
                counted(
                    "A batch of %(num)d paper ballot was discarded before it was confirmed.",
                    "A batch of %(num)d paper ballots was discarded before it was confirmed.",
                    batch.ballot_count,
                ),
                N_("A batch of fewer than %(fewest)s paper ballots was discarded before it was confirmed."),
            ),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
