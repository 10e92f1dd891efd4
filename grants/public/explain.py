"""A result line's explanation in plain words, from the structured reason the engine stored.

The engine (grants/tally/reasons.py) keeps every figure behind an outcome in the line's
``figures["reason"]``; grants/tally/text.py turns it into sentences. Here we add what only
the table knows: the proposals' public names (a group that asked not to be named stays
unnamed), how many could vote on each proposal (people who stood aside do not count), which
proposals a tie-break really decided between, and how the table's ties are settled.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, ResultLine, Round
from grants.money_format import format_pence
from grants.public.queries import PUBLIC_PROPOSAL
from grants.tally.text import describe, describe_fairness

UNNAMED = "a proposal from a group that asked not to be named"

TIE_HOW = {
    "lottery": "the published lottery",
    "cheaper_first": "the published tie-break (the cheaper proposal first)",
    "newer_group_first": "the published tie-break (the newer group first)",
}


def tie_how(rnd: Round) -> str:
    """How this table settles ties, in words (with the lottery's seed)."""
    how = TIE_HOW.get(rnd.tie_break.value, "the published tie-break")
    if rnd.tie_break.value == "lottery" and rnd.lottery_seed:
        how = f"{how} (seed {rnd.lottery_seed})"
    return how


def line_explanation(line: ResultLine, rnd: Round, titles: Mapping[int, str]) -> str:
    """The line's explanation for people; lines counted before reasons were kept keep their text.

    ``titles`` maps the ids of proposals whose groups agreed to be named to their shown title.
    """
    figures = line.figures or {}
    reason = figures.get("reason")
    if not isinstance(reason, dict) or "kind" not in reason:
        return line.explanation
    could_vote = figures.get("voters_free_to_vote")
    if not isinstance(could_vote, int) or could_vote < int(reason.get("supporters", 0)) or could_vote <= 0:
        could_vote = None
    between = figures.get("tie_break_between")
    tied = [pid for pid in between if pid != str(line.proposal_id)] if isinstance(between, list) else []

    def name(pid: str) -> str:
        try:
            return titles.get(int(pid)) or UNNAMED
        except ValueError:
            return UNNAMED

    return describe(
        reason, names=name, format_money=format_pence, could_vote=could_vote, tied_with=tied, tie_how=tie_how(rnd)
    )


def named_titles(round_id: int) -> dict[int, str]:
    """The shown titles of a table's proposals that may be named in public."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.round_id == round_id, PUBLIC_PROPOSAL)
    ).all()
    return {pid: f"“{title}”" for pid, title in rows}


def fairness_sentences(result, titles: Mapping[int, str]) -> list[str]:  # noqa: ANN001
    """How fair the result is, in sentences (nothing for results counted before it was kept)."""

    def name(pid: str) -> str:
        try:
            return titles.get(int(pid)) or UNNAMED
        except ValueError:
            return UNNAMED

    return describe_fairness(result.fairness, names=name)
