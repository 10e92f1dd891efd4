"""The one place that says a table's quorum rules in words; every page that describes them uses it.

The public rules, the panel's "how we work" page and the result all read these sentences, so
they cannot say different things. The result reports each part as applied at the count.
"""

from __future__ import annotations

import math

from grants.models import BallotType, QuorumPolicy, Round
from grants.public.privacy import people_part, people_text
from grants.rounds import bp


def _votes(rnd: Round, n: int | None = None) -> str:
    word = "confirmation" if rnd.ballot_type is BallotType.CONSENSUS else "ballot"
    return word if n == 1 else word + "s"


def quorum_sentences(rnd: Round) -> list[str]:
    """Each published part of the quorum rule, as one plain sentence."""
    parts = []
    if rnd.quorum_min_ballots:
        parts.append(f"At least {rnd.quorum_min_ballots} {_votes(rnd, rnd.quorum_min_ballots)}.")
    if rnd.quorum_min_share_percent:
        share = rnd.quorum_min_share_percent
        example = math.ceil(9 * share / 100)
        parts.append(
            f"At least {share}% of the panel (not counting members who have paused; with 9 members, that is {example})."
        )
    if not rnd.quorum_min_ballots and not rnd.quorum_min_share_percent:
        parts.append(f"At least one {_votes(rnd, 1)}.")
    if rnd.quorum_lived_experience_percent:
        parts.append(
            f"At least {rnd.quorum_lived_experience_percent}% of those who vote have lived experience "
            "(only the overall share is published)."
        )
    if rnd.quorum_min_scorers:
        n = rnd.quorum_min_scorers
        parts.append(f"At least {n} voters free to vote on each proposal, after people stand aside.")
    return parts


def quorum_policy_sentence(rnd: Round) -> str:
    """What happens when quorum is not met, under the table's published policy."""
    if rnd.quorum_policy is QuorumPolicy.EXTEND:
        days = rnd.quorum_extend_days or 0
        return (
            f"If quorum is not met, voting is extended once by {days} day{'' if days == 1 else 's'}; "
            "if it is still not met, no decision is made."
        )
    return "If quorum is not met, no decision is made."


def quorum_report(rnd: Round, parts: list[dict] | None, titles: dict[int, str]) -> list[str]:
    """Each part of the quorum as it was applied at the count, met or not; people-figures under 5 suppressed."""
    lines = []
    for part in parts or []:
        met = "met" if part.get("met") else "not met"
        if part["kind"] == "ballots":
            lines.append(
                f"{_votes(rnd).capitalize()}: {people_text(part['found'])} cast; the quorum needed "
                f"{part['needed']} – {met}."
            )
        elif part["kind"] == "lived_experience":
            shown = people_part(part["with"], part["voters"])
            share = (
                f"{round(100 * shown / part['voters'])}%"
                if shown is not None and part["voters"]
                else "not shown (too few to publish safely)"
            )
            rule = f"; the quorum needed {part['needed_percent']}% – {met}" if part.get("needed_percent") else ""
            lines.append(f"Share of those who voted with lived experience: {share}{rule}.")
        elif part["kind"] == "free_to_vote":
            if part["met"]:
                lines.append(f"Voters free to vote on each proposal: at least {part['needed']} on every one – met.")
            else:
                short = ", ".join(
                    f"{titles.get(s['proposal_id'], 'a proposal from a group that asked not to be named')} "
                    f"({people_text(s['free'])} free to vote)"
                    for s in part["short"]
                )
                needed = part["needed"]
                lines.append(f"Voters free to vote on each proposal: the quorum needed {needed} – not met on {short}.")
    return lines


@bp.app_context_processor
def _quorum_words() -> dict:
    return {
        "quorum_sentences": quorum_sentences,
        "quorum_policy_sentence": quorum_policy_sentence,
        "quorum_report": quorum_report,
    }
