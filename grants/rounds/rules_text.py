"""The one place that says a table's quorum rules in words; every page that describes them uses it.

The public rules, the panel's "how we work" page and the result all read these sentences, so
they cannot say different things. The result reports each part as applied at the count.
"""

from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import ngettext

from grants.models import BallotType, QuorumPolicy, Round
from grants.privacy import people_part, people_text
from grants.rounds import bp


def _consensus(rnd: Round) -> bool:
    return rnd.ballot_type is BallotType.CONSENSUS


def quorum_sentences(rnd: Round) -> list[str]:
    """Each published part of the quorum rule, as one plain sentence."""
    parts = []
    if rnd.quorum_min_ballots:
        n = rnd.quorum_min_ballots
        if _consensus(rnd):
            parts.append(ngettext("At least %(num)d confirmation.", "At least %(num)d confirmations.", n))
        else:
            parts.append(ngettext("At least %(num)d ballot.", "At least %(num)d ballots.", n))
    if rnd.quorum_min_share_percent:
        share = rnd.quorum_min_share_percent
        example = math.ceil(9 * share / 100)
        parts.append(
            _(
                "At least %(share)s%% of the panel, not counting members who have paused (for example, with a "
                "panel of 9 that would be %(example)s).",
                share=share,
                example=example,
            )
        )
    if not rnd.quorum_min_ballots and not rnd.quorum_min_share_percent:
        parts.append(_("At least one confirmation.") if _consensus(rnd) else _("At least one ballot."))
    if rnd.quorum_lived_experience_percent:
        parts.append(
            _(
                "At least %(share)s%% of those who vote have lived experience (only the overall share is published).",
                share=rnd.quorum_lived_experience_percent,
            )
        )
    if rnd.quorum_min_scorers:
        n = rnd.quorum_min_scorers
        parts.append(_("At least %(num)s voters free to vote on each proposal, after people stand aside.", num=n))
    return parts


def quorum_policy_sentence(rnd: Round) -> str:
    """What happens when quorum is not met, under the table's published policy."""
    if rnd.quorum_policy is QuorumPolicy.EXTEND:
        days = rnd.quorum_extend_days or 0
        return ngettext(
            "If quorum is not met, voting is extended once by %(num)d day; if it is still not met, no decision is "
            "made.",
            "If quorum is not met, voting is extended once by %(num)d days; if it is still not met, no decision is "
            "made.",
            days,
        )
    return _("If quorum is not met, no decision is made.")


def quorum_report(rnd: Round, parts: list[dict] | None, titles: dict[int, str]) -> list[str]:
    """Each part of the quorum as it was applied at the count, met or not; people-figures under 5 suppressed."""
    lines = []
    for part in parts or []:
        met = _("met") if part.get("met") else _("not met")
        if part["kind"] == "ballots":
            found, needed = people_text(part["found"]), part["needed"]
            if _consensus(rnd):
                line = _(
                    "Confirmations: %(found)s cast; the quorum needed %(needed)s – %(met)s.",
                    found=found,
                    needed=needed,
                    met=met,
                )
            else:
                line = _(
                    "Ballots: %(found)s cast; the quorum needed %(needed)s – %(met)s.",
                    found=found,
                    needed=needed,
                    met=met,
                )
            lines.append(line)
        elif part["kind"] == "lived_experience":
            shown = people_part(part["with"], part["voters"])
            share = (
                f"{round(100 * shown / part['voters'])}%"
                if shown is not None and part["voters"]
                else _("not shown (too few to publish safely)")
            )
            if part.get("needed_percent"):
                lines.append(
                    _(
                        "Share of those who voted with lived experience: %(share)s; the quorum needed %(needed)s%% – "
                        "%(met)s.",
                        share=share,
                        needed=part["needed_percent"],
                        met=met,
                    )
                )
            else:
                lines.append(_("Share of those who voted with lived experience: %(share)s.", share=share))
        elif part["kind"] == "free_to_vote":
            if part["met"]:
                lines.append(
                    _(
                        "Voters free to vote on each proposal: at least %(needed)s on every one – met.",
                        needed=part["needed"],
                    )
                )
            else:
                unnamed = _("a proposal from a group that asked not to be named")
                short = ", ".join(
                    _(
                        "%(proposal)s (%(free)s free to vote)",
                        proposal=titles.get(s["proposal_id"], unnamed),
                        free=people_text(s["free"]),
                    )
                    for s in part["short"]
                )
                lines.append(
                    _(
                        "Voters free to vote on each proposal: the quorum needed %(needed)s – not met on %(short)s.",
                        needed=part["needed"],
                        short=short,
                    )
                )
    return lines


@bp.app_context_processor
def _quorum_words() -> dict:
    return {
        "quorum_sentences": quorum_sentences,
        "quorum_policy_sentence": quorum_policy_sentence,
        "quorum_report": quorum_report,
    }
