"""Export a decided round as a Pabulib file; import a Pabulib file as a round.

The export is the anonymous ballot file with a `selected` column, so anyone can recount
the decision with other tools. Importing lets a group moving from paper (or a test)
start from a `.pb` file: it becomes a round in its voting stage, with the file's
projects as submitted proposals and its votes as ballots keyed by their voter ids.
"""

from __future__ import annotations

import csv
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, select

from grants import audit, jobs
from grants.ballots.election import (
    MIN_VOTERS_FOR_BALLOT_FILE,
    ballot_file,
    build_election,
    decision_text,
    fingerprint,
)
from grants.ballots.services import ballot_proposals
from grants.core import DomainError, add_with_unique_slug, transaction
from grants.extensions import db
from grants.inputs import MAX_PENCE, has_control
from grants.jobs import enqueue_job
from grants.language.records import counted
from grants.models import (
    Ballot,
    BallotType,
    BudgetLine,
    CountingRule,
    Group,
    GroupMembership,
    GroupRole,
    OutboxJob,
    PbImport,
    Person,
    Proposal,
    ProposalStatus,
    QuorumPolicy,
    Result,
    Round,
    RoundStaff,
    RoundStatus,
    StaffRole,
    TieBreak,
)
from grants.models.rounds import RULES_FOR_BALLOT
from grants.money_format import format_pence
from grants.tally import Election, PabulibError, read_pb

# Limits on an import, so that one file cannot hold the database's write lock for long (the
# file is read and checked in full before the one transaction that writes it) or overflow a column.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_LINE = 100_000  # characters on one line (Python's csv module stops at 131,072)
MAX_IMPORT_PROJECTS = 500
MAX_IMPORT_VOTERS = 20_000
MAX_IMPORT_NUMBER = 1_000_000  # points, scores, fewest or most picks, thresholds

DECIDED = (RoundStatus.COUNTED, RoundStatus.AWARDING, RoundStatus.PAYING, RoundStatus.REPORTING, RoundStatus.CLOSED)


class FileHasWarnings(DomainError):
    """The file breaks its own rules in ways we can count past; the person confirms before import."""

    field = "accept_warnings"

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(
            ngettext(
                "The file breaks its own rules in %(num)d place (listed below). "
                "Nothing was imported. If the votes should be counted as they are, as pabutools and the official "
                "count do, choose the file again, tick the box and import.",
                "The file breaks its own rules in %(num)d places (listed below). "
                "Nothing was imported. If the votes should be counted as they are, as pabutools and the official "
                "count do, choose the file again, tick the box and import.",
                len(warnings),
            )
        )
        self.warnings = warnings


class NotPublished(DomainError):
    """There is no decision file to publish for this round, and the message says why."""


class FileNoLongerMatches(DomainError):
    """The decision file made now differs from the one whose fingerprint was published at the count."""


@dataclass(frozen=True)
class DecisionFile:
    """A decided round's Pabulib text and its file name.

    `before_selected` marks the file of a table counted before 6 December 2026, offered exactly as
    its fingerprint was published then: the anonymous ballots, with no `selected` column and no
    tie-break lines (the funded proposals are on the table's page)."""

    text: str
    filename: str
    before_selected: bool = False


# Tie-break lines the decision file has carried since 6 December 2026 (absent from earlier files).
TIE_BREAK_META = ("tie_break", "seed", "tie_break_order")


def decision_file(rnd: Round) -> DecisionFile:
    """The decided round as Pabulib text, exactly the bytes whose fingerprint was published at its count.

    Made again from the stored ballots and result: as the count publishes it now (with `selected`,
    the tie-break lines and the fairness figures) or, for a table counted before 6 December 2026,
    as its count published it (the ballots alone). Whichever has the published fingerprint is
    offered; if neither has, nothing is (the SHA-256 is what proves the file exact)."""
    result = db.session.execute(select(Result).where(Result.round_id == rnd.id)).scalar_one_or_none()
    if rnd.status not in DECIDED or result is None or not result.quorum_met:
        raise NotPublished(_("This table has no decision yet, so there is no decision file."))
    consensus = rnd.ballot_type is BallotType.CONSENSUS
    if not consensus and result.ballots_counted < MIN_VOTERS_FOR_BALLOT_FILE:
        raise NotPublished(
            _(
                "Fewer than %(min)s people voted, so only totals are published, to keep ballots secret.",
                min=MIN_VOTERS_FOR_BALLOT_FILE,
            )
        )
    proposals = ballot_proposals(rnd.id)
    election = build_election(rnd, proposals, result.budget_pence)
    selected = [str(line.proposal_id) for line in result.lines if line.is_funded]
    filename = f"{rnd.slug}-decision.pb"
    text = decision_text(election, selected, result.fairness)
    if fingerprint(text) == result.ballot_fingerprint:
        return DecisionFile(text=text, filename=filename)
    if result.fairness is None:
        # Counted before 6 December 2026 (no fairness kept): the fingerprint then was of the ballot file alone.
        earlier = replace(election, meta={k: v for k, v in election.meta.items() if k not in TIE_BREAK_META})
        text = ballot_file(earlier)
        if fingerprint(text) == result.ballot_fingerprint:
            return DecisionFile(text=text, filename=filename, before_selected=True)
    # The published fingerprint is the promise: never offer bytes that do not match it.
    logging.getLogger(__name__).error("The decision file of %s no longer matches its fingerprint.", rnd.slug)
    raise FileNoLongerMatches(
        _(
            "This table's decision file no longer matches the fingerprint published when it was counted, so it "
            "is not offered: a file that fails its own fingerprint would prove nothing. Ask the table's convenors."
        )
    )


# Whether each decided table's file can be offered, by (table, published fingerprint): worked out
# once per process (it reads every ballot), since a counted table's ballots and result do not change.
_OFFERED: dict[tuple[str, str], DecisionFile | None] = {}
_OFFERED_MOST = 1000


def decision_file_offered(rnd: Round, result: Result | None) -> DecisionFile | None:
    """The file /tables/<table>/decision.pb offers, or None when there is none (the page links to it only then)."""
    if rnd.status not in DECIDED or result is None or not result.quorum_met:
        return None
    if rnd.ballot_type is not BallotType.CONSENSUS and result.ballots_counted < MIN_VOTERS_FOR_BALLOT_FILE:
        return None
    key = (rnd.slug, result.ballot_fingerprint)
    if key not in _OFFERED:
        try:
            made = decision_file(rnd)
        except (NotPublished, FileNoLongerMatches):
            made = None
        if len(_OFFERED) >= _OFFERED_MOST:
            _OFFERED.clear()
        # Only whether it is offered, and how it was made: never the text (it may be large).
        _OFFERED[key] = made and DecisionFile(text="", filename=made.filename, before_selected=made.before_selected)
    return _OFFERED[key]


# Pabulib vote types as our ballots.
BALLOT_FOR_VOTE_TYPE = {
    "approval": BallotType.APPROVAL,
    "choose-1": BallotType.APPROVAL,
    "cumulative": BallotType.CUMULATIVE,
    "scoring": BallotType.SCORE,
    "ordinal": BallotType.RANKED,
}


def _pence(value, project_id: str, in_pence: bool) -> int:  # noqa: ANN001
    amount = Fraction(value) if not isinstance(value, Decimal) else Fraction(value)
    amount = amount if in_pence else amount * 100
    if amount.denominator != 1:
        raise DomainError(_("Project %(project)s's cost is not a whole number of pence.", project=project_id))
    return int(amount)


def _check_lines(data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            _("This is not a valid Pabulib file: it is not UTF-8 text (%(reason)s).", reason=exc.reason)
        ) from exc
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_IMPORT_LINE:
            raise DomainError(
                _(
                    "Line %(line)s is longer than %(max)s characters, the most a line may have.",
                    line=number,
                    max=format(MAX_IMPORT_LINE, ","),
                )
            )
        if has_control(line.removesuffix("\r")):
            raise DomainError(
                _(
                    "Line %(line)s has a control character (such as a NUL byte) in it. Remove it and try again.",
                    line=number,
                )
            )


def parse_upload(data: bytes) -> Election:
    """Read an uploaded .pb file, refusing a malformed one with a message that names the line."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(
            _("The file is larger than %(max)s MB, the most an import may be.", max=MAX_IMPORT_BYTES // (1024 * 1024))
        )
    _check_lines(data)
    try:
        election = read_pb(data)
    except PabulibError as exc:
        raise DomainError(_("This is not a valid Pabulib file: %(problem)s", problem=str(exc))) from exc
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        raise DomainError(_("This is not a valid Pabulib file: %(problem)s", problem=str(exc))) from exc
    if len(election.projects) > MAX_IMPORT_PROJECTS:
        raise DomainError(
            _(
                "The file lists %(count)s projects; an import may have at most %(max)s.",
                count=format(len(election.projects), ","),
                max=format(MAX_IMPORT_PROJECTS, ","),
            )
        )
    if len(election.ballots) > MAX_IMPORT_VOTERS:
        raise DomainError(
            _(
                "The file has %(count)s votes; an import may have at most %(max)s.",
                count=format(len(election.ballots), ","),
                max=format(MAX_IMPORT_VOTERS, ","),
            )
        )
    return election


def _whole_points(election: Election) -> None:
    """Refuse points that are not whole numbers in range (they were once cut down to whole numbers)."""
    for i, ballot in enumerate(election.ballots):
        voter = election.voter_ids[i] if election.voter_ids else str(i + 1)
        for pid, points in ballot.items():
            if Fraction(points).denominator != 1:
                raise DomainError(
                    _(
                        "Voter %(voter)s gives project %(project)s %(points)s points: points must be whole numbers.",
                        voter=voter,
                        project=pid,
                        points=points,
                    )
                )
            if not 0 <= points <= MAX_IMPORT_NUMBER:
                raise DomainError(
                    _(
                        "Voter %(voter)s gives project %(project)s %(points)s points: "
                        "points must be from 0 to %(max)s.",
                        voter=voter,
                        project=pid,
                        points=points,
                        max=format(MAX_IMPORT_NUMBER, ","),
                    )
                )


# Where each whole-number setting of a table comes from in the file's META, for messages.
_META_NAMES = {
    "min_picks": "min_length",
    "max_picks": "max_length",
    "points_total": "max_sum_points",
    "points_cap": "max_points",
    "score_max": "max_points",
    "rank_depth": "max_length",
    "min_support": "min_project_score_threshold",
}


def _in_range(values: dict) -> None:
    for key, meta in _META_NAMES.items():
        value = values.get(key)
        if value is not None and not 0 <= value <= MAX_IMPORT_NUMBER:
            raise DomainError(
                _(
                    "META %(meta)s is %(value)s: it must be from 0 to %(max)s.",
                    meta=meta,
                    value=value,
                    max=format(MAX_IMPORT_NUMBER, ","),
                )
            )


@dataclass(frozen=True)
class ReadImport:
    """A .pb file read and checked in full, with nothing written yet: what `write_import` stores."""

    election: Election
    ballot_type: BallotType
    values: dict
    costs: dict[str, int]
    name: str
    now: datetime


def read_import(data: bytes, *, title: str = "", accept_warnings: bool = False) -> ReadImport:
    """Read and check a Pabulib file completely, touching no database (so no lock is held while it runs).

    A file that breaks its own META (a project repeated in a ballot, a ballot over max_length,
    counts that disagree) is refused with FileHasWarnings unless ``accept_warnings``.
    """
    election = parse_upload(data)
    if not election.projects:
        raise DomainError(_("The file lists no projects."))
    ballot_type = BALLOT_FOR_VOTE_TYPE[election.vote_type]
    allowed = RULES_FOR_BALLOT[ballot_type]
    rule = next((r for r in allowed if r.value == (election.rule or "")), allowed[0])
    in_pence = election.meta.get("cost_unit") == "pence" or election.meta.get("unit") == "Our Tables"
    name = (title or election.meta.get("description") or election.meta.get("instance") or "Imported table").strip()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    costs = {p.id: _pence(p.cost, p.id, in_pence) for p in election.projects}
    for pid, pence in costs.items():
        if pence > MAX_PENCE:
            raise DomainError(
                _(
                    "Project %(project)s costs more than %(max)s, the most one project may cost.",
                    project=pid,
                    max=format_pence(MAX_PENCE),
                )
            )
    if ballot_type is not BallotType.RANKED:
        _whole_points(election)
    lengths = [len(b) for b in election.ballots]
    values = {
        "title": name[:200],
        "purpose": f"Imported from a Pabulib file ({election.vote_type} ballots).",
        "who_may_apply": "The projects listed in the imported file.",
        "max_grant_pence": max(max(costs.values()), 1),
        "bids_open_at": now,
        "bids_close_at": now,
        "deliberation_opens_at": now,
        "voting_opens_at": now,
        "voting_closes_at": now + timedelta(days=7),
        "ballot_type": ballot_type,
        "min_picks": election.min_length if ballot_type is BallotType.APPROVAL else None,
        "max_picks": (1 if election.vote_type == "choose-1" else election.max_length)
        if ballot_type is BallotType.APPROVAL
        else None,
        "ballot_within_budget": False,
        "points_total": int(election.max_sum_points or max([sum(b.values()) for b in election.ballots] or [1]))
        if ballot_type is BallotType.CUMULATIVE
        else None,
        "points_cap": int(election.max_points)
        if ballot_type is BallotType.CUMULATIVE and election.max_points
        else None,
        "score_max": int(election.max_points or max([max(b.values(), default=0) for b in election.ballots] or [1]) or 1)
        if ballot_type is BallotType.SCORE
        else None,
        "score_criteria": ["Overall score"] if ballot_type is BallotType.SCORE else [],
        "rank_depth": int(election.max_length or max(lengths or [1])) if ballot_type is BallotType.RANKED else None,
        "counting_rule": rule,
        "min_support": int(election.min_project_score_threshold)
        if rule is CountingRule.GREEDY_THRESHOLD and election.min_project_score_threshold is not None
        else None,
        "quorum_min_ballots": None,
        "quorum_min_share_percent": None,
        "quorum_lived_experience_percent": None,
        "quorum_min_scorers": None,
        "quorum_policy": QuorumPolicy.NO_DECISION,
        "quorum_extend_days": None,
        "tie_break": TieBreak.CHEAPER_FIRST,
        "support_contact": "",
    }
    _in_range(values)
    # Limits first: a file over them is refused outright, whatever the person would accept.
    if election.warnings and not accept_warnings:
        raise FileHasWarnings([str(w) for w in election.warnings])
    if rule is CountingRule.GREEDY_THRESHOLD and values["min_support"] is None:
        raise DomainError(_("The file names the threshold rule but gives no min_project_score_threshold in META."))
    return ReadImport(election=election, ballot_type=ballot_type, values=values, costs=costs, name=name, now=now)


def import_round(*, person: Person, data: bytes, title: str = "", accept_warnings: bool = False) -> Round:
    """Create a round in its voting stage from a Pabulib file: projects become proposals, votes ballots.

    Money still comes in through funders, so the convenor records funds before closing the vote.
    The file is read in full first, then written in one short transaction.
    """
    read = read_import(data, title=title, accept_warnings=accept_warnings)
    return write_import(person_id=person.id, read=read)


def write_import(*, person_id: int, read: ReadImport, pb_import_id: int | None = None) -> Round:
    """Write a file already read as a new round, in one transaction (and mark its waiting import done)."""
    election, ballot_type, values, costs, name, now = (
        read.election,
        read.ballot_type,
        read.values,
        read.costs,
        read.name,
        read.now,
    )
    with transaction() as session:
        person = session.get(Person, person_id)
        rnd = Round(created_by_id=person.id, status=RoundStatus.VOTING, published_at=now, **values)
        add_with_unique_slug(session, rnd, values["title"])
        session.add(RoundStaff(round_id=rnd.id, person_id=person.id, role=StaffRole.CONVENOR))
        group = Group(
            name=f"Projects imported into {name}"[:200],
            description="The projects of an election imported from a Pabulib file.",
            is_lived_experience_led=False,
            contact_email=person.email,
        )
        add_with_unique_slug(session, group, f"{name} projects")
        session.add(GroupMembership(group_id=group.id, person_id=person.id, role=GroupRole.LEAD))
        added: dict[str, Proposal] = {}
        for project in election.projects:
            proposal = Proposal(
                round_id=rnd.id,
                group_id=group.id,
                title=(project.name or f"Project {project.id}")[:200],
                summary=f"Project {project.id} in the imported file.",
                activities="",
                beneficiaries="",
                agreed_to_be_named=True,
                status=ProposalStatus.SUBMITTED,
                created_by_id=person.id,
                submitted_at=now,
            )
            proposal.budget_lines = [
                BudgetLine(position=0, item="Cost in the imported file", amount_pence=costs[project.id])
            ]
            session.add(proposal)
            added[project.id] = proposal
        session.flush()  # one flush for all (not one a project): the write lock is held for less time
        new_ids = {pid: str(proposal.id) for pid, proposal in added.items()}
        rows = []
        voter_ids = election.voter_ids or [""] * len(election.ballots)
        taken = set(
            session.execute(select(Ballot.receipt).where(Ballot.receipt.in_([v for v in voter_ids if v]))).scalars()
        )
        for i, ballot in enumerate(election.ballots):
            if ballot_type is BallotType.RANKED:
                order = election.rankings[i] if election.rankings else tuple(ballot)
                marks = {new_ids[pid]: place for place, pid in enumerate(order, start=1)}
            else:
                marks = {new_ids[pid]: int(points) for pid, points in ballot.items()}
            receipt = voter_ids[i]
            if not receipt or len(receipt) > 32 or receipt in taken:
                receipt = secrets.token_hex(8).upper()
            taken.add(receipt)
            rows.append({"id": secrets.token_hex(16), "round_id": rnd.id, "marks": marks, "receipt": receipt})
        if rows:
            session.execute(insert(Ballot), rows)
        audit.record(
            "round_imported",
            counted(
                "The table was imported from a Pabulib file with %(projects)s projects and %(num)d ballot.",
                "The table was imported from a Pabulib file with %(projects)s projects and %(num)d ballots.",
                len(election.ballots),
                projects=len(election.projects),
            ),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
        if pb_import_id is not None:
            _finish(session.get(PbImport, pb_import_id), PbImport.IMPORTED, round_id=rnd.id)
    return rnd


# ------------------------------------------------------------------ large files, in the worker

IMPORT_JOB = "decisions.import_pb"


def runs_in_background(data: bytes) -> bool:
    """Whether a file is large enough to be read by the worker (PB_IMPORT_INLINE_BYTES) rather than now."""
    return len(data) > int(current_app.config.get("PB_IMPORT_INLINE_BYTES", 256 * 1024))


def queue_import(
    *, person: Person, data: bytes, filename: str = "", title: str = "", accept_warnings: bool = False
) -> PbImport:
    """Keep a large file for the worker to read and import, and record that job, in one short transaction.

    Only the size is checked here; everything else is checked by the worker, and the person
    sees the outcome (the table, or the reason with its line) on the import's own page."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(
            _("The file is larger than %(max)s MB, the most an import may be.", max=MAX_IMPORT_BYTES // (1024 * 1024))
        )
    with transaction() as session:
        row = PbImport(
            person_id=person.id,
            filename=(filename or "")[:200],
            title=(title or "")[:200],
            accept_warnings=accept_warnings,
            data=data,
            state=PbImport.WAITING,
            warnings=[],
        )
        session.add(row)
        session.flush()
        enqueue_job(IMPORT_JOB, _job_key(row.id), import_id=row.id)
    return row


@jobs.job(IMPORT_JOB)
def _import_in_background(key: str, import_id: int) -> None:  # noqa: ARG001 - the row says whether it is done
    """The worker's entry point: read the file with no transaction open, then write it in one."""
    row = db.session.get(PbImport, import_id)
    if row is None or row.state != PbImport.WAITING or row.data is None:
        db.session.rollback()
        return  # done already (a retry after the commit)
    data, title, accept, person_id = row.data, row.title, row.accept_warnings, row.person_id
    db.session.rollback()  # nothing is held while the file is read: other people write as usual
    try:
        read = read_import(data, title=title, accept_warnings=accept)
    except FileHasWarnings as exc:
        with transaction() as session:
            _finish(session.get(PbImport, import_id), PbImport.HAS_WARNINGS, message=exc.message, warnings=exc.warnings)
        return
    except DomainError as exc:
        with transaction() as session:
            _finish(session.get(PbImport, import_id), PbImport.REFUSED, message=exc.message)
        return
    write_import(person_id=person_id, read=read, pb_import_id=import_id)


def _finish(
    row: PbImport,
    state: str,
    *,
    message: str | None = None,
    warnings: list[str] | None = None,
    round_id: int | None = None,
) -> None:
    row.state, row.message, row.warnings, row.round_id = state, message, list(warnings or []), round_id
    row.data = None  # the file is not kept once read
    row.finished_at = datetime.now(UTC)


def _job_key(import_id: int) -> str:
    return f"pb-import-{import_id}"


def import_for(person: Person, import_id: int) -> PbImport | None:
    """The person's own waiting or finished import (None for anyone else's, or none)."""
    row = db.session.get(PbImport, import_id)
    return row if row is not None and row.person_id == person.id else None


def import_job_failed(row: PbImport) -> bool:
    """Whether the worker gave up on a waiting import after every retry (an error nobody expected)."""
    state = db.session.execute(select(OutboxJob.state).where(OutboxJob.key == _job_key(row.id))).scalar()
    return row.state == PbImport.WAITING and state == "failed"
