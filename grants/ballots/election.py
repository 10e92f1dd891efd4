"""The election as Pabulib sees it, its count under the published rule and tie-break, and the decision file.

`build_election` turns a round's stored ballots into the pure engine's `Election`; `count_ballots`
counts it and says, proposal by proposal, what was decided and why (a `Decision`, which the close
stores); `decision_text` and `fingerprint` give the exact file offered for download and its hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from grants.ballots.quorum import QuorumCheck
from grants.extensions import db
from grants.language.records import Label, Listed, Money, Named, Words, counted
from grants.models import N_, Ballot, BallotType, Group, Proposal, Round, TieBreak
from grants.money_format import format_pence
from grants.privacy import people_words
from grants.tally import Election, Project, count, lottery_order, write_pb
from grants.tally.fairness import fairness_meta

# Rounds with fewer voters than this publish totals only, never the ballot file.
MIN_VOTERS_FOR_BALLOT_FILE = 5


@dataclass
class Line:
    """One proposal's line of a decision: its support, whether it is funded, and why."""

    proposal: Proposal
    support: float
    is_funded: bool
    explanation: str
    figures: dict = field(default_factory=dict)


@dataclass
class Decision:
    """What a count (or a consensus record) decided: its lines in result order, and the awards in order."""

    lines: list[Line]
    funded: list[Proposal]
    summary: Words | None  # the result's sentence as its parts (the stored summary is its English)
    # The count's satisfaction figures and proportionality checks (none for a consensus record).
    fairness: dict | None = None

    @property
    def spent_pence(self) -> int:
        """What the funded proposals add up to."""
        return sum(p.requested_pence for p in self.funded)


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
        election = replace(election, meta={**election.meta, **fairness_meta(fairness)})
    return ballot_file(election, selected=selected)


def fingerprint(text: str) -> str:
    """SHA-256 of the UTF-8 bytes offered for download, as `sha256sum` prints it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TIE_BREAK_WORDS = {
    TieBreak.LOTTERY: N_("the published lottery"),
    TieBreak.CHEAPER_FIRST: N_("the published tie-break (the cheaper proposal first)"),
    TieBreak.NEWER_GROUP_FIRST: N_("the published tie-break (the newer group first)"),
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


def _tie_names(proposals: list[Proposal], ids: list[str]) -> Listed:
    by_id = {str(p.id): p for p in proposals}
    unnamed = Label(N_("a proposal from a group that asked not to be named"))
    return Listed(
        tuple(
            Words(N_("“%(title)s”"), title=Named.of(by_id[pid])) if by_id[pid].agreed_to_be_named else unnamed
            for pid in ids
        )
    )


def tie_sentence(rnd: Round, proposals: list[Proposal], ids: list[str]) -> Words:
    """The sentence naming the proposals a tie-break decided between, and how it was settled."""
    names = _tie_names(proposals, ids)
    how = Label(TIE_BREAK_WORDS[rnd.tie_break])
    if rnd.tie_break is TieBreak.LOTTERY:
        return Words(
            N_("A tie between %(names)s was settled by %(how)s (seed %(seed)s)."),
            names=names,
            how=how,
            seed=rnd.lottery_seed or "",
        )
    return Words(N_("A tie between %(names)s was settled by %(how)s."), names=names, how=how)


def count_ballots(rnd: Round, election: Election, proposals: list[Proposal], check: QuorumCheck) -> Decision:
    """Count the election under the round's published rule and tie-break; say what was decided and why."""
    order_ids = tie_break_order(rnd, proposals)
    min_support = rnd.min_support if rnd.counting_rule.value == "greedy-threshold" else None
    outcome = count(
        election,
        rnd.counting_rule.value,
        tie_break=order_ids,
        min_support=min_support,
        format_money=format_pence,
    )
    tied = settled_by_tie_break(
        election, rnd.counting_rule.value, order_ids, outcome.selected, outcome.support, min_support
    )
    tie_words = tie_sentence(rnd, proposals, tied) if tied else None
    tie_note = tie_words.english() if tie_words else ""
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
    lines = []
    for proposal in ranked:
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
        lines.append(
            Line(
                proposal=proposal,
                support=float(outcome.support.get(pid, 0)),
                is_funded=pid in selected,
                explanation=text,
                figures=figures,
            )
        )
    # In the order the rule selected them, so awards are committed in that order.
    funded = sorted((p for p in proposals if str(p.id) in selected), key=lambda p: order[str(p.id)])
    fairness = _plain({k: outcome.details.get(k) for k in ("satisfaction", "proportionality")})
    decision = Decision(lines=lines, funded=funded, summary=None, fairness=fairness)
    # Figures about people go through the one suppression rule (the record is published).
    decision.summary = counted(
        "%(funded)s of %(num)d proposal funded, %(spent)s of %(budget)s, from %(ballots)s ballots "
        "(%(eligible)s panel members could vote; quorum %(quorum)s).",
        "%(funded)s of %(num)d proposals funded, %(spent)s of %(budget)s, from %(ballots)s ballots "
        "(%(eligible)s panel members could vote; quorum %(quorum)s).",
        len(proposals),
        funded=len(funded),
        spent=Money(decision.spent_pence),
        budget=Money(election.budget),
        ballots=people_words(check.ballots),
        eligible=people_words(check.eligible),
        quorum=check.required,
    )
    if tie_words is not None:
        decision.summary = Words("%(summary)s %(tie)s", summary=decision.summary, tie=tie_words)
    return decision


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
