"""Closing the vote: quorum first, then the published counting rule, then awards.

The result is stored once and never recomputed silently. Ballots arrive sealed to the
round's count key; the close opens them once and writes them as plain rows in random order
(`open_sealed_ballots`), so nothing stored links them to the participation records.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import load_only

from grants import audit
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.models import (
    Ballot,
    BallotType,
    Group,
    GroupMembership,
    InterestDeclaration,
    PanelMember,
    Participation,
    Proposal,
    ProposalStatus,
    QuorumPolicy,
    Result,
    ResultLine,
    Round,
    RoundStatus,
    ScoreComment,
    TieBreak,
)
from grants.money import ledger
from grants.money.services import commit_awards
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import is_convenor
from grants.tally import Election, Project, count, lottery_order, write_pb

# Rounds with fewer voters than this publish totals only, never the ballot file.
MIN_VOTERS_FOR_BALLOT_FILE = 5


def quorum_required(rnd: Round, eligible: int) -> int:
    """The fewest ballots for a decision under the round's published quorum rule."""
    needed = rnd.quorum_min_ballots or 0
    if rnd.quorum_min_share_percent:
        needed = max(needed, math.ceil(eligible * rnd.quorum_min_share_percent / 100))
    return max(needed, 1)


def eligible_voters(round_id: int) -> int:
    """Who counts towards quorum: active, unpaused panel members; for a community-wide vote, codes given out."""
    from grants.models import Electorate

    rnd = db.session.get(Round, round_id)
    if rnd is not None and rnd.electorate is Electorate.COMMUNITY:
        from grants.ballots.codes import codes_issued

        return codes_issued(round_id)
    return len(
        db.session.execute(
            select(PanelMember.id).where(
                PanelMember.round_id == round_id,
                PanelMember.stepped_down_at.is_(None),
                PanelMember.is_paused.is_(False),
            )
        ).all()
    )


def ballot_proposals(round_id: int, *, for_checking: bool = False) -> list[Proposal]:
    """The proposals on a round's ballot (submitted ones), in a stable order.

    `for_checking` loads only what checking a cast ballot reads (the rest loads if asked for).
    """
    stmt = select(Proposal)
    if for_checking:
        stmt = stmt.options(load_only(Proposal.id, Proposal.title, Proposal.requested_pence))
    return list(
        db.session.execute(
            stmt.where(
                Proposal.round_id == round_id,
                Proposal.status.in_(
                    [
                        ProposalStatus.SUBMITTED,
                        ProposalStatus.FUNDED,
                        ProposalStatus.NOT_FUNDED,
                    ]
                ),
            )
            .order_by(Proposal.id)
        ).scalars()
    )


def tie_break_order(rnd: Round, proposals: list[Proposal]) -> list[str]:
    """The round's published tie-break as an explicit priority order of proposal ids."""
    if rnd.tie_break is TieBreak.LOTTERY:
        return lottery_order([str(p.id) for p in proposals], rnd.lottery_seed or "")
    if rnd.tie_break is TieBreak.NEWER_GROUP_FIRST:
        created = dict(
            db.session.execute(
                select(Group.id, Group.created_at).where(Group.id.in_({p.group_id for p in proposals}))
            ).all()
        )
        ordered = sorted(proposals, key=lambda p: (-created[p.group_id].timestamp(), p.id))
        return [str(p.id) for p in ordered]
    return [str(p.id) for p in sorted(proposals, key=lambda p: (p.requested_pence, p.id))]


def build_election(rnd: Round, proposals: list[Proposal], budget: int) -> Election:
    """The anonymous election: projects, budget and ballots keyed by receipt, as Pabulib sees them.

    Approval ballots mark 1 per pick; points ballots the points; score ballots the total
    score over the criteria; ranked ballots store places (1 = first) and are published as
    Pabulib ordinal ballots whose points run from the number of places down to 1.
    """
    # By receipt, so a voter finds theirs; with no receipts, in the random order of their random ids.
    rows = list(
        db.session.execute(
            select(Ballot).where(Ballot.round_id == rnd.id).order_by(Ballot.receipt, Ballot.id)
        ).scalars()
    )
    vote_type = rnd.ballot_type.pabulib_vote_type
    limits: dict = {}
    rankings = None
    if rnd.ballot_type is BallotType.RANKED:
        depth = rnd.rank_depth or 1
        rankings = []
        ballots = []
        for b in rows:
            order = sorted(b.marks, key=lambda pid: int(b.marks[pid]))
            rankings.append(tuple(order))
            ballots.append({pid: depth - int(b.marks[pid]) + 1 for pid in order})
        limits = {"max_length": depth}
    else:
        ballots = [{k: int(v) for k, v in b.marks.items()} for b in rows]
    if rnd.ballot_type is BallotType.APPROVAL:
        limits = {"min_length": rnd.min_picks, "max_length": rnd.max_picks}
    elif rnd.ballot_type is BallotType.CUMULATIVE:
        limits = {"max_sum_points": rnd.points_total, "max_points": rnd.points_cap or rnd.points_total}
    elif rnd.ballot_type is BallotType.SCORE:
        limits = {"min_points": 0, "max_points": (rnd.score_max or 0) * len(rnd.score_criteria or [])}
    meta = {
        "description": rnd.title,
        "country": "United Kingdom",
        "unit": "Our Tables",
        "instance": rnd.slug,
        "currency": rnd.currency,
        # Costs and the budget are whole pence, so nobody recounting has to guess.
        "cost_unit": "pence",
        "rule": rnd.counting_rule.value,
        "vote_type": vote_type,
        # The published tie-break, so a recount from this file alone breaks ties the same way:
        # its name, the lottery's seed, and the order it gave (earlier wins a tie).
        "tie_break": rnd.tie_break.value,
    }
    if rnd.tie_break is TieBreak.LOTTERY:
        meta["seed"] = rnd.lottery_seed or ""
    if proposals:
        meta["tie_break_order"] = ",".join(tie_break_order(rnd, proposals))
    if rnd.min_support and rnd.counting_rule.value == "greedy-threshold":
        limits["min_project_score_threshold"] = rnd.min_support
    return Election(
        # Titles only for groups that agreed to be named: the file is public even for unfunded bids.
        projects=[
            Project(id=str(p.id), cost=p.requested_pence, name=p.title if p.agreed_to_be_named else "")
            for p in proposals
        ],
        budget=budget,
        vote_type=vote_type,
        ballots=ballots,
        rankings=rankings,
        voter_ids=[b.receipt or str(i) for i, b in enumerate(rows, start=1)],
        meta=meta,
        **limits,
    )


def ballot_file(election: Election, selected: list[str] | None = None) -> str:
    """The anonymous ballot file in Pabulib format; voters find their receipt in it."""
    return write_pb(election, selected=selected)


def decision_text(election: Election, selected: list[str] | None, fairness: dict | None = None) -> str:
    """The exact text offered at /tables/<table>/decision.pb; its SHA-256 is the published fingerprint.

    ``fairness`` (the result's, when it kept one) adds its figures and checks as META keys.
    """
    if fairness:
        from grants.tally.fairness import fairness_meta

        election = replace(election, meta={**election.meta, **fairness_meta(fairness)})
    return ballot_file(election, selected=selected)


def fingerprint(text: str) -> str:
    """SHA-256 of the UTF-8 bytes offered for download, as `sha256sum` prints it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TIE_BREAK_WORDS = {
    TieBreak.LOTTERY: "the published lottery",
    TieBreak.CHEAPER_FIRST: "the published tie-break (the cheaper proposal first)",
    TieBreak.NEWER_GROUP_FIRST: "the published tie-break (the newer group first)",
}


def settled_by_tie_break(
    election: Election, rule: str, order: list[str], selected: list[str], support: dict, min_support
) -> list[str]:  # noqa: ANN001
    """The proposals a tie-break decided between (empty when no tie-break changed the outcome).

    Counted again with the tie-break order reversed and rotated: if the selection changes, the
    tie-break decided something. Under greedy rules the proposals tied with a changed one (same
    support) are named too, so a three-way tie names all three.
    """
    if len(order) < 2:
        return []
    chosen = set(selected)
    changed: set[str] = set()
    for other in (order[::-1], order[1:] + order[:1]):
        again = count(election, rule, tie_break=other, min_support=min_support)
        changed |= chosen ^ set(again.selected)
    if not changed:
        return []
    if rule.startswith("greedy") or rule == "score-average":
        levels = {support.get(pid) for pid in changed}
        changed |= {pid for pid in order if support.get(pid) in levels and support.get(pid, 0) > 0}
    return [pid for pid in order if pid in changed]


def _tie_names(proposals: list[Proposal], ids: list[str]) -> list[str]:
    by_id = {str(p.id): p for p in proposals}
    unnamed = "a proposal from a group that asked not to be named"
    return [f"“{by_id[pid].title}”" if by_id[pid].agreed_to_be_named else unnamed for pid in ids]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _tie_sentence(rnd: Round, names: list[str]) -> str:
    how = TIE_BREAK_WORDS[rnd.tie_break]
    seed = f" (seed {rnd.lottery_seed})" if rnd.tie_break is TieBreak.LOTTERY else ""
    return f"A tie between {_and(names)} was settled by {how}{seed}."


def open_sealed_ballots(session, rnd: Round) -> int:  # noqa: ANN001
    """Open the round's sealed ballots once and write them as plain rows in random order.

    Every envelope sealed to the round's ballot keys is opened, its ballots and rubric
    comments written in this one transaction in a random order with new random ids, the
    envelopes deleted and the keys destroyed (their files once this commits). So the plain
    rows share one transaction, written by the close, and nothing the database keeps links
    them to the participation rows written while people voted. Returns how many were opened.
    """
    from grants.ballots import sealing
    from grants.ballots.services import new_receipt
    from grants.models import CountKey

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
class QuorumCheck:
    """Every published quorum rule, checked: whether all are met, and plain reasons when not."""

    eligible: int
    required: int
    ballots: int
    met: bool = True
    reasons: list[str] = field(default_factory=list)
    lived_experience_percent: int | None = None
    free_to_vote: dict[int, int] = field(default_factory=dict)
    recusals: dict[int, int] = field(default_factory=dict)
    # Every part as applied, met or not, for the public result (figures about people are
    # suppressed when shown, never here): kind, what it needed, what was found, met.
    parts: list[dict] = field(default_factory=list)


def recusals_by_proposal(round_id: int) -> dict[int, int]:
    """How many panel members stood aside from each proposal (a count; never who)."""
    rows = db.session.execute(
        select(InterestDeclaration.proposal_id, func.count(InterestDeclaration.id))
        .where(InterestDeclaration.round_id == round_id)
        .group_by(InterestDeclaration.proposal_id)
    ).all()
    return {pid: n for pid, n in rows}


def check_quorum(rnd: Round, proposals: list[Proposal], ballots: int) -> QuorumCheck:
    """Check the round's combined quorum rules: ballots, lived experience share, voters per proposal."""
    eligible = eligible_voters(rnd.id)
    check = QuorumCheck(eligible=eligible, required=quorum_required(rnd, eligible), ballots=ballots)
    check.recusals = recusals_by_proposal(rnd.id)
    check.parts.append(
        {
            "kind": "ballots",
            "needed": check.required,
            "found": ballots,
            "min_ballots": rnd.quorum_min_ballots,
            "share_percent": rnd.quorum_min_share_percent,
            "eligible": eligible,
            "met": ballots >= check.required,
        }
    )
    if ballots < check.required:
        check.met = False
        check.reasons.append(f"{ballots} ballots were cast and the published quorum needed {check.required}")
    voters = db.session.execute(
        select(Participation.person_id, PanelMember.has_lived_experience)
        .join(
            PanelMember,
            (PanelMember.person_id == Participation.person_id) & (PanelMember.round_id == Participation.round_id),
            isouter=True,
        )
        .where(Participation.round_id == rnd.id)
    ).all()
    if voters:
        with_experience = sum(1 for _pid, lived in voters if lived)
        check.lived_experience_percent = math.floor(100 * with_experience / len(voters))
    with_lived = sum(1 for _pid, lived in voters if lived)
    lived_met = (check.lived_experience_percent or 0) >= (rnd.quorum_lived_experience_percent or 0)
    check.parts.append(
        {
            "kind": "lived_experience",
            "needed_percent": rnd.quorum_lived_experience_percent,
            "with": with_lived,
            "voters": len(voters),
            "met": lived_met if rnd.quorum_lived_experience_percent else None,
        }
    )
    if rnd.quorum_lived_experience_percent:
        share = check.lived_experience_percent or 0
        if share < rnd.quorum_lived_experience_percent:
            check.met = False
            check.reasons.append(
                f"{share}% of those who voted have lived experience and the published quorum needed "
                f"{rnd.quorum_lived_experience_percent}%"
            )
    voter_ids = {pid for pid, _lived in voters}
    declared = db.session.execute(
        select(InterestDeclaration.proposal_id, InterestDeclaration.person_id).where(
            InterestDeclaration.round_id == rnd.id
        )
    ).all()
    aside: dict[int, set[int]] = {}
    for proposal_id, person_id in declared:
        aside.setdefault(proposal_id, set()).add(person_id)
    for p in proposals:
        # Every ballot counts, less those of voters who stood aside from this proposal. Ballots
        # with no participation row (voting codes, imported files) carry no recusal.
        check.free_to_vote[p.id] = ballots - len(voter_ids & aside.get(p.id, set()))
    if rnd.quorum_min_scorers:
        short = [p for p in proposals if check.free_to_vote[p.id] < rnd.quorum_min_scorers]
        check.parts.append(
            {
                "kind": "free_to_vote",
                "needed": rnd.quorum_min_scorers,
                "short": [{"proposal_id": p.id, "free": check.free_to_vote[p.id]} for p in short],
                "met": not short,
            }
        )
        if short:
            check.met = False
            names = ", ".join(f"“{p.title}” ({check.free_to_vote[p.id]})" for p in short[:3])
            check.reasons.append(
                f"the published quorum needs {rnd.quorum_min_scorers} voters free to vote on each proposal, "
                f"and fewer voted on {names}{' and others' if len(short) > 3 else ''}"
            )
    return check


@dataclass
class Extension:
    """Quorum was not met and the round's policy extended voting once; nothing was counted."""

    summary: str
    closes_at: datetime
    quorum_met: bool = False


def _extend_voting(rnd: Round, check: QuorumCheck, person) -> Extension:  # noqa: ANN001
    now = datetime.now(UTC)
    rnd.voting_extended_at = now
    rnd.voting_closes_at = max(now, rnd.voting_closes_at) + timedelta(days=rnd.quorum_extend_days or 0)
    summary = (
        f"Quorum was not met: {'; '.join(check.reasons)}. Under the published rules voting is extended once, "
        f"to {rnd.voting_closes_at:%d %B %Y}. Nothing has been counted."
    )
    audit.record("voting_extended", summary, actor_id=person.id if person else None, round_id=rnd.id, public=True)
    panel = db.session.execute(
        select(PanelMember.person_id).where(
            PanelMember.round_id == rnd.id, PanelMember.stepped_down_at.is_(None), PanelMember.is_paused.is_(False)
        )
    ).scalars()
    notify(panel, "reminder", f"Voting extended: {rnd.title}", summary, link=f"/panel/{rnd.slug}")
    return Extension(summary=summary, closes_at=rnd.voting_closes_at)


def close_voting(*, person, round_id: int) -> Result | Extension:  # noqa: ANN001
    """Close voting and count. `person` is None when the timetable closes it.

    Quorum comes first. If it is not met, the round's published policy applies: voting is
    extended once, or the result records that no decision was made. Never a silent tally.
    """
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if person is not None and not is_convenor(person, rnd.id):
            raise NotAllowed("Only a convenor of this table can close voting.")
        if rnd.status is not RoundStatus.VOTING:
            raise DomainError("Voting is not open on this table, so there is nothing to close.")
        from grants.ballots.paper import unconfirmed_batches

        waiting = unconfirmed_batches(rnd.id)
        if waiting:
            raise DomainError(
                f"{waiting} batch{'' if waiting == 1 else 'es'} of paper ballots still wait for a second person to "
                "confirm them. Confirm them before closing, so every ballot counts."
            )
        if rnd.ballot_type is BallotType.CONSENSUS:
            from grants.ballots.consensus import close_consensus

            return close_consensus(rnd, person)
        open_sealed_ballots(session, rnd)
        proposals = ballot_proposals(rnd.id)
        budget = ledger.round_summary(rnd.id).available_pence
        election = build_election(rnd, proposals, max(budget, 0))
        ballots_counted = len(election.ballots)
        check = check_quorum(rnd, proposals, ballots_counted)
        if not check.met and rnd.quorum_policy is QuorumPolicy.EXTEND and rnd.voting_extended_at is None:
            from grants.ballots import sealing

            # The ballots so far are opened and their key destroyed; the extension gets a new key.
            sealing.make_key(session, rnd.id, sealing.BALLOTS)
            return _extend_voting(rnd, check, person)
        eligible, required = check.eligible, check.required
        result = Result(
            round_id=rnd.id,
            ballots_counted=ballots_counted,
            eligible_voters=eligible,
            quorum_required=required,
            rule=rnd.counting_rule.value,
            tie_break=rnd.tie_break.value,
            budget_pence=max(budget, 0),
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
            extended = " Voting had already been extended once." if rnd.voting_extended_at else ""
            result.summary = (
                f"No decision: {'; '.join(check.reasons)}.{extended} The round's policy is that no decision is made."
            )
            rnd.status = RoundStatus.NO_DECISION
            _announce(rnd, result, person, proposals)
            return result
        session.flush()

        order_ids = tie_break_order(rnd, proposals)
        min_support = rnd.min_support if rnd.counting_rule.value == "greedy-threshold" else None
        outcome = count(
            election,
            rnd.counting_rule.value,
            tie_break=order_ids,
            min_support=min_support,
            format_money=format_pence,
        )
        result.fairness = _plain({k: outcome.details.get(k) for k in ("satisfaction", "proportionality")})
        # The published fingerprint is of the exact bytes offered at decision.pb, `selected` included.
        result.ballot_fingerprint = fingerprint(decision_text(election, outcome.selected, result.fairness))
        tied = settled_by_tie_break(
            election, rnd.counting_rule.value, order_ids, outcome.selected, outcome.support, min_support
        )
        tie_note = _tie_sentence(rnd, _tie_names(proposals, tied)) if tied else ""
        selected = set(outcome.selected)
        order = {pid: i for i, pid in enumerate(outcome.selected)}
        ranked = sorted(
            proposals,
            key=lambda p: (
                str(p.id) not in selected,
                order.get(str(p.id), 0),
                -outcome.support.get(str(p.id), 0),
                p.id,
            ),
        )
        for position, proposal in enumerate(ranked, start=1):
            pid = str(proposal.id)
            why = outcome.explanations[pid]
            figures = {k: _plain(v) for k, v in why.figures.items()}
            figures["stood_aside"] = check.recusals.get(proposal.id, 0)
            figures["voters_free_to_vote"] = check.free_to_vote.get(proposal.id, 0)
            text = why.text
            if pid in tied:
                figures["tie_break_between"] = tied
                figures["tie_break_note"] = tie_note
                text = f"{text} {tie_note}"
            session.add(
                ResultLine(
                    result_id=result.id,
                    proposal_id=proposal.id,
                    position=position,
                    support=float(outcome.support.get(pid, 0)),
                    cost_pence=proposal.requested_pence,
                    is_funded=pid in selected,
                    explanation=text,
                    figures=figures,
                )
            )
            proposal.status = ProposalStatus.FUNDED if pid in selected else ProposalStatus.NOT_FUNDED
        funded = [p for p in proposals if str(p.id) in selected]
        funded.sort(key=lambda p: order[str(p.id)])
        commit_awards(rnd, funded, awarded_on=result.computed_at.date())
        result.spent_pence = sum(p.requested_pence for p in funded)
        result.summary = (
            f"{len(funded)} of {len(proposals)} proposals funded, {format_pence(result.spent_pence)} "
            f"of {format_pence(result.budget_pence)}, from {ballots_counted} ballots "
            f"({eligible} panel members could vote; quorum {required})."
        )
        if tie_note:
            result.summary = f"{result.summary} {tie_note}"
        rnd.status = RoundStatus.COUNTED
        _announce(rnd, result, person, proposals)
    return result


def _announce(rnd: Round, result: Result, person, proposals: list[Proposal]) -> None:  # noqa: ANN001
    """Audit the close and the result, and tell the panel and the groups."""
    audit.record(
        "voting_closed",
        f"Voting closed with {result.ballots_counted} ballots.",
        actor_id=person.id if person else None,
        round_id=rnd.id,
        public=True,
    )
    audit.record(
        "result_published",
        result.summary,
        actor_id=person.id if person else None,
        round_id=rnd.id,
        public=True,
        details={"fingerprint": result.ballot_fingerprint},
    )
    panel = db.session.execute(select(PanelMember.person_id).where(PanelMember.round_id == rnd.id)).scalars()
    notify(panel, "voting_closed", f"Voting has closed: {rnd.title}", result.summary, link=f"/tables/{rnd.slug}")
    members = db.session.execute(
        select(GroupMembership.person_id, Proposal.title)
        .join(Proposal, Proposal.group_id == GroupMembership.group_id)
        .where(Proposal.id.in_([p.id for p in proposals]))
    ).all()
    for person_id, title in members:
        notify(
            [person_id],
            "result",
            f"The result for “{title}”",
            f"The panel for {rnd.title} has decided. {result.summary} See how your proposal did and why.",
            link=f"/tables/{rnd.slug}",
        )


def _plain(value):  # noqa: ANN001, ANN202
    """JSON-safe figures (fractions and decimals become floats, others stay)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
