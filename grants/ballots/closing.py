"""Closing the vote: quorum first, then the published counting rule (or the panel's consensus), then awards.

One path for every ballot type: the ballots are opened (a consensus table has its confirmed
record instead), quorum is checked, and under the round's policy voting is extended once or
no decision is made; otherwise the count (grants/ballots/election.py) or the consensus record
(grants/ballots/consensus.py) gives a decision, which is stored as the result, its awards
committed and the outcome announced. The result is stored once and never recomputed silently.

Ballots arrive sealed to the round's count key; the close opens them once and writes them as
plain rows in random order (`open_sealed_ballots`), so nothing stored links them to the
participation records.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import insert, select

from grants import audit, language
from grants.ballots import announce, consensus, sealing
from grants.ballots.election import ballot_file, build_election, count_ballots, decision_text, fingerprint
from grants.ballots.paper_ballots import unconfirmed_batches
from grants.ballots.quorum import QuorumCheck, check_quorum, reasons_joined, reasons_listed
from grants.ballots.services import ballot_proposals, new_receipt
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.language.records import Day, Words
from grants.language.written import lazy_text
from grants.ledger import books
from grants.models import (
    N_,
    Ballot,
    BallotType,
    CountKey,
    PanelMember,
    Person,
    ProposalStatus,
    QuorumPolicy,
    Result,
    ResultLine,
    Round,
    RoundStatus,
    ScoreComment,
)
from grants.money.services import commit_awards
from grants.notifications import notify
from grants.roles import is_convenor
from grants.rounds import timetable
from grants.rounds.services import keep_timetable
from grants.site import link_to


def open_sealed_ballots(session, rnd: Round) -> int:  # noqa: ANN001
    """Open the round's sealed ballots once and write them as plain rows in random order.

    Every envelope sealed to the round's ballot keys is opened, its ballots and rubric
    comments written in this one transaction in a random order with new random ids, the
    envelopes deleted and the keys destroyed (their files once this commits). So the plain
    rows share one transaction, written by the close, and nothing the database keeps links
    them to the participation rows written while people voted. Returns how many were opened.
    """
    keys = session.execute(
        select(CountKey).where(
            CountKey.round_id == rnd.id, CountKey.purpose == sealing.BALLOTS, CountKey.destroyed_at.is_(None)
        )
    ).scalars()
    ballots: list[dict] = []
    for key in list(keys):
        for content in sealing.open_all(session, key):
            # A paper batch is one envelope holding its ballots; an online ballot is one envelope.
            ballots.extend(content["ballots"] if "ballots" in content else [content])
    shuffle = random.SystemRandom().shuffle
    shuffle(ballots)
    rows, comments = [], []
    for ballot in ballots:
        receipt = ballot.get("receipt")
        if receipt is None and rnd.receipts_on:
            receipt = new_receipt()  # a paper ballot's, for the file; nobody holds it
        rows.append({"id": secrets.token_hex(16), "round_id": rnd.id, "marks": ballot["marks"], "receipt": receipt})
        comments.extend(ballot.get("comments") or [])
    shuffle(comments)
    if rows:
        session.execute(insert(Ballot.__table__), rows)
    if comments:
        session.execute(
            insert(ScoreComment.__table__),
            [
                {
                    "id": secrets.token_hex(16),
                    "round_id": rnd.id,
                    "proposal_id": proposal_id,
                    "criterion": criterion,
                    "score": score,
                    "comment": comment,
                }
                for proposal_id, criterion, score, comment in comments
            ],
        )
    return len(rows)


@dataclass
class Extension:
    """Quorum was not met and the round's policy extended voting once; nothing was counted."""

    summary: str  # the record, in English
    closes_at: datetime
    quorum_met: bool = False
    told: object = None  # the same for people, put into words in the reader's language (a lazy string)


def _extend_voting(rnd: Round, check: QuorumCheck, person) -> Extension:  # noqa: ANN001
    """Extend voting once, as the round's quorum policy says, and tell the panel why; nothing is counted."""
    now = datetime.now(UTC)
    rnd.voting_extended_at = now
    rnd.voting_closes_at = max(now, rnd.voting_closes_at) + timedelta(days=rnd.quorum_extend_days or 0)
    words = Words(
        N_(
            "Quorum was not met: %(reasons)s. Under the published rules voting is extended once, to %(date)s. "
            "Nothing has been counted."
        ),
        reasons=reasons_listed(check),
        date=Day(rnd.voting_closes_at.date()),
    )
    summary = words.english()
    audit.record("voting_extended", words, actor_id=person.id if person else None, round_id=rnd.id, public=True)
    panel = db.session.execute(
        select(PanelMember.person_id).where(
            PanelMember.round_id == rnd.id, PanelMember.stepped_down_at.is_(None), PanelMember.is_paused.is_(False)
        )
    ).scalars()
    told = _l(
        "Quorum was not met: %(reasons)s. Under the published rules voting is extended once, to %(date)s. "
        "Nothing has been counted.",
        reasons=reasons_joined(check),
        date=LazyString(format_date, rnd.voting_closes_at, "dd MMMM y"),
    )
    notify(
        panel,
        "reminder",
        _l("Voting extended: %(title)s", title=lazy_text(rnd, "title")),
        told,
        link=link_to("panels.home", slug=rnd.slug),
    )
    return Extension(summary=summary, closes_at=rnd.voting_closes_at, told=told)


def close_voting(*, person, round_id: int) -> Result | Extension:  # noqa: ANN001
    """Close voting and count (or take the panel's consensus record). `person` is None when the timetable closes it.

    Quorum comes first. If it is not met, the round's published policy applies: voting is
    extended once, or the result records that no decision was made. Never a silent tally.
    """
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if person is not None and not is_convenor(person, rnd.id):
            raise NotAllowed(_("Only a convenor of this table can close voting."))
        if rnd.status is not RoundStatus.VOTING:
            raise DomainError(_("Voting is not open on this table, so there is nothing to close."))
        waiting = unconfirmed_batches(rnd.id)
        if waiting:
            raise DomainError(
                ngettext(
                    "%(num)d batch of paper ballots still waits for a second person to confirm it. "
                    "Confirm it before closing, so every ballot counts.",
                    "%(num)d batches of paper ballots still wait for a second person to confirm them. "
                    "Confirm them before closing, so every ballot counts.",
                    waiting,
                )
            )
        by_consensus = rnd.ballot_type is BallotType.CONSENSUS
        if by_consensus:
            record = consensus.confirmed_record(rnd)
        else:
            open_sealed_ballots(session, rnd)
        proposals = ballot_proposals(rnd.id)
        budget = max(books.round_summary(rnd.id).available_pence, 0)
        election = build_election(rnd, proposals, budget)
        # A consensus table's "ballots" are the confirmations of those present who did not stand aside.
        ballots_counted = len(consensus.confirmed_by(record)) if by_consensus else len(election.ballots)
        check = check_quorum(rnd, proposals, ballots_counted)
        if not check.met and rnd.quorum_policy is QuorumPolicy.EXTEND and rnd.voting_extended_at is None:
            if not by_consensus:
                # The ballots so far are opened and their key destroyed; the extension gets a new key.
                sealing.make_key(session, rnd.id, sealing.BALLOTS)
            return _extend_voting(rnd, check, person)
        result = Result(
            round_id=rnd.id,
            ballots_counted=ballots_counted,
            eligible_voters=check.eligible,
            quorum_required=check.required,
            rule=rnd.counting_rule.value if not by_consensus else "consensus",
            tie_break=rnd.tie_break.value,
            budget_pence=budget,
            spent_pence=0,
            # No decision, no file offered: this is the anonymous ballots' fingerprint, never shown.
            ballot_fingerprint=fingerprint(ballot_file(election)),
            computed_at=datetime.now(UTC),
            quorum_met=check.met,
            quorum_parts=check.parts,
            summary="",
        )
        session.add(result)
        if not result.quorum_met:
            words = Words(
                N_(
                    "No decision: %(reasons)s. Voting had already been extended once. The round's policy is that "
                    "no decision is made."
                )
                if rnd.voting_extended_at
                else N_("No decision: %(reasons)s. The round's policy is that no decision is made."),
                reasons=reasons_listed(check),
            )
            result.summary = words.english()
            rnd.status = RoundStatus.NO_DECISION
            announce.outcome(rnd, result, person, proposals, words)
            return result
        session.flush()

        if by_consensus:
            decision = consensus.recorded_decision(record, proposals, check, budget)
        else:
            decision = count_ballots(rnd, election, proposals, check)
        # The published fingerprint is of the exact bytes offered at decision.pb, `selected` included.
        result.fairness = decision.fairness
        funded_ids = [str(p.id) for p in decision.funded]
        result.ballot_fingerprint = fingerprint(decision_text(election, funded_ids, result.fairness))
        for position, line in enumerate(decision.lines, start=1):
            session.add(
                ResultLine(
                    result_id=result.id,
                    proposal_id=line.proposal.id,
                    position=position,
                    support=line.support,
                    cost_pence=line.proposal.requested_pence,
                    is_funded=line.is_funded,
                    explanation=line.explanation,
                    figures=line.figures,
                )
            )
            line.proposal.status = ProposalStatus.FUNDED if line.is_funded else ProposalStatus.NOT_FUNDED
        commit_awards(rnd, decision.funded, awarded_on=result.computed_at.date())
        result.spent_pence = decision.spent_pence
        result.summary = decision.summary.english()
        rnd.status = RoundStatus.COUNTED
        announce.outcome(rnd, result, person, proposals, decision.summary)
    return result


def close_voting_now(
    *, person: Person, round_id: int, reason: str = "", override_reason: str = ""
) -> Result | Extension:
    """A convenor closes voting: the timetable's rules kept first, then the count, in one transaction."""
    with transaction():
        rnd = db.session.get(Round, round_id)
        if rnd is not None and rnd.status is RoundStatus.VOTING:
            keep_timetable(
                person=person, round_id=round_id, step="close", reason=reason, override_reason=override_reason
            )
        return close_voting(person=person, round_id=round_id)


@timetable.step("close")
def _close_on_the_day(round_id: int) -> str:
    """The timetable's step on the published closing date (the worker's `rounds.move_tables_on`, `rounds tick`)."""
    return close_voting(person=None, round_id=round_id).summary


def in_readers_words(outcome: Result | Extension) -> str:
    """What a close did, for the person who closed it: the record's own English for an English
    reader (it says the most), else the same put into words in their language."""
    if language.chosen() == language.DEFAULT:
        return outcome.summary
    if isinstance(outcome, Extension):
        return str(outcome.told)
    # The stored lines say what was funded: no proposal is loaded for this.
    lines = outcome.lines
    return str(announce.in_words(outcome, len(lines), sum(1 for line in lines if line.is_funded)))
