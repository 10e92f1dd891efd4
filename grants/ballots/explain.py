"""A result line's explanation in plain words, from the structured reason the engine stored.

The engine (grants/tally/reasons.py) keeps every figure behind an outcome in the line's
``figures["reason"]``; grants/tally/text.py turns it into sentences. Here we add what only
the table knows: the proposals' public names (a group that asked not to be named stays
unnamed), how many could vote on each proposal (people who stood aside do not count), which
proposals a tie-break really decided between, and how the table's ties are settled.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from grants.extensions import db
from grants.language import joined
from grants.models import PUBLIC_PROPOSAL, Proposal, ResultLine, Round
from grants.money_format import format_pence
from grants.tally.text import describe, describe_fairness


def unnamed() -> str:
    """How a proposal whose group asked not to be named is called in a sentence."""
    return _("a proposal from a group that asked not to be named")


def _name(pid: object, titles: Mapping[int, str]) -> str:
    """A proposal named in a sentence by its id as a result keeps it (a string, or a number): its shown
    title from `titles`, else `unnamed()` (its group asked not to be named, or the id is not one)."""
    try:
        return titles.get(int(pid)) or unnamed()
    except (TypeError, ValueError):
        return unnamed()


def tie_how(rnd: Round) -> str:
    """How this table settles ties, in words (with the lottery's seed)."""
    how = {
        "lottery": _("the published lottery"),
        "cheaper_first": _("the published tie-break (the cheaper proposal first)"),
        "newer_group_first": _("the published tie-break (the newer group first)"),
    }.get(rnd.tie_break.value) or _("the published tie-break")
    if rnd.tie_break.value == "lottery" and rnd.lottery_seed:
        how = _("%(how)s (seed %(seed)s)", how=how, seed=rnd.lottery_seed)
    return how


# The engine's sentences (grants/tally/text.py SENTENCES and FAIRNESS_SENTENCES), one gettext
# message for each key, with the same values; a key whose sentence counts something has its
# plural forms (``count`` is the number, written with separators). grants/tally stays free of Flask.
_SENTENCES = {
    "backed": lambda n, v: _("%(supporters)s of %(could_vote)s who could vote on it backed it.", **v),
    "backed_points": lambda n, v: _(
        "%(supporters)s of %(could_vote)s who could vote on it gave it points, %(support)s in all.", **v
    ),
    "no_support": lambda n, v: _("Nobody who could vote on it backed it."),
    "es_funded": lambda n, v: _(
        "It was funded in round %(round)s: its supporters still had %(money)s between them, "
        "enough for its %(cost)s cost, and none of them paid more than %(most_paid)s.",
        **v,
    ),
    "es_free": lambda n, v: _("It was funded first: it costs nothing and people backed it."),
    "es_short_most": lambda n, v: ngettext(
        "Its one supporter had %(money)s left, less than its %(cost)s cost, because most of "
        "their share had gone to %(names)s, which they also backed.",
        "Its %(count)s supporters had %(money)s left between them, less than its %(cost)s cost, "
        "because most of their share had gone to %(names)s, which they also backed.",
        n,
        **v,
    ),
    "es_short_some": lambda n, v: ngettext(
        "Its one supporter had %(money)s left, less than its %(cost)s cost; %(spent)s of their "
        "share had gone to %(names)s, which they also backed.",
        "Its %(count)s supporters had %(money)s left between them, less than its %(cost)s cost; "
        "%(spent)s of their share had gone to %(names)s, which they also backed.",
        n,
        **v,
    ),
    "es_short_few": lambda n, v: ngettext(
        "Its one supporter's equal share came to %(money)s, less than its %(cost)s cost.",
        "Its %(count)s supporters' equal shares came to %(money)s between them, less than its %(cost)s cost.",
        n,
        **v,
    ),
    "es_needed": lambda n, v: ngettext(
        "It would have needed one more supporter with a full share, if nothing else had changed.",
        "It would have needed %(count)s more supporters with a full share each, if nothing else had changed.",
        n,
        **v,
    ),
    "greedy_funded": lambda n, v: _(
        "It was funded: when its turn came %(money)s was left, enough for its %(cost)s cost.", **v
    ),
    "greedy_no_room": lambda n, v: ngettext(
        "When its turn came, after one proposal was funded, %(money)s was left, less than its %(cost)s cost.",
        "When its turn came, after %(count)s proposals were funded, %(money)s was left, less than its %(cost)s cost.",
        n,
        **v,
    ),
    "completed_funded": lambda n, v: _(
        "Equal Shares did not fund it; it was funded afterwards from the %(money)s left over, "
        "enough for its %(cost)s cost.",
        **v,
    ),
    "greedy_over_budget": lambda n, v: _("Its %(cost)s cost is more than the whole budget of %(money)s.", **v),
    "greedy_stopped": lambda n, v: _(
        "Counting stopped before its turn, at %(blocker)s, the next in line, which did not fit in the %(money)s left.",
        **v,
    ),
    "below_threshold": lambda n, v: _("Its support was below the minimum of %(threshold)s needed.", **v),
    "not_positive": lambda n, v: _("Its points came to %(support)s in all, not above zero.", **v),
    "utilitarian_in": lambda n, v: _("It is part of the affordable set of proposals with the most support in total."),
    "utilitarian_out": lambda n, v: _(
        "The affordable set of proposals with the most support in total does not include it."
    ),
    "tie_won": lambda n, v: _("It tied with %(names)s; the tie was settled by %(how)s, in its favour.", **v),
    "tie_lost": lambda n, v: _("It tied with %(names)s; the tie was settled by %(how)s, and not in its favour.", **v),
}

_FAIRNESS = {
    "share": lambda n, v: _("%(percent)s of voters backed at least one funded proposal.", **v),
    "average": lambda n, v: _("On average, a voter backed %(average)s of the funded proposals.", **v),
    "gini": lambda n, v: _(
        "How unequally the money went to what each voter backed, from 0 (equally) to 1: %(gini)s.", **v
    ),
    "proportional": lambda n, v: _(
        "Every group of voters large enough to deserve a proposal they all backed got their "
        "fair share, up to one proposal (the EJR and PJR checks)."
    ),
    "ejr_failed": lambda n, v: ngettext(
        "The EJR check, up to one proposal, is not met: %(voters)s voter who backed %(names)s "
        "got less than their fair share.",
        "The EJR check, up to one proposal, is not met: %(voters)s voters who all backed %(names)s "
        "got less than their fair share.",
        n,
        **v,
    ),
    "pjr_failed": lambda n, v: ngettext(
        "The PJR check is not met: %(voters)s voter who backed %(names)s got less than their fair share.",
        "The PJR check is not met: %(voters)s voters who all backed %(names)s got less than their "
        "fair share between them.",
        n,
        **v,
    ),
    "pjr_failed_one": lambda n, v: ngettext(
        "The PJR check is met only up to one proposal: %(voters)s voter who backed %(names)s "
        "got one proposal less than their fair share.",
        "The PJR check is met only up to one proposal: %(voters)s voters who all backed %(names)s "
        "got one proposal less than their fair share between them.",
        n,
        **v,
    ),
    "too_large": lambda n, v: _(
        "The proportionality checks were not run: they are exact, and this count is too large for them."
    ),
}


def _say(key: str, count: int | None = None, **values: object) -> str:
    """One of the engine's sentences in the page's language (see grants/tally/text.py `say`)."""
    values["count"] = f"{count:,}" if count is not None else ""
    return _SENTENCES[key](count if count is not None else 0, values)


def _say_fairness(key: str, count: int | None = None, **values: object) -> str:
    return _FAIRNESS[key](count if count is not None else 0, values)


def join_names(names: list[str]) -> str:
    """Names as a list in a sentence, in the page's language: "A", "A and B", "A, B and C"."""
    return joined(names) if names else ""


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
    return describe(
        reason,
        names=lambda pid: _name(pid, titles),
        format_money=format_pence,
        could_vote=could_vote,
        tied_with=tied,
        tie_how=tie_how(rnd),
        sentence=_say,
        join=join_names,
    )


def tie_notes(lines, rnd: Round, titles: Mapping[int, str]) -> list[str]:  # noqa: ANN001
    """Each tie a tie-break settled, once, in the page's language: between whom, and how.

    Worded from the line's figures (`tie_break_between`), not the English note stored with it,
    which is shown only for a line that kept no more than that."""
    notes: list[str] = []
    for line in lines:
        figures = line.figures or {}
        between = figures.get("tie_break_between")
        if isinstance(between, list) and between:
            note = _(
                "A tie between %(names)s was settled by %(how)s.",
                names=join_names([_name(pid, titles) for pid in between]),
                how=tie_how(rnd),
            )
        elif isinstance(figures.get("tie_break_note"), str) and figures["tie_break_note"]:
            note = figures["tie_break_note"]
        else:
            continue
        if note not in notes:
            notes.append(note)
    return notes


def named_titles(round_id: int) -> dict[int, str]:
    """The shown titles of a table's proposals that may be named in public."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.round_id == round_id, PUBLIC_PROPOSAL)
    ).all()
    return {pid: f"“{title}”" for pid, title in rows}


def fairness_sentences(result, titles: Mapping[int, str]) -> list[str]:  # noqa: ANN001
    """How fair the result is, in sentences (nothing for results counted before it was kept)."""
    return describe_fairness(
        result.fairness, names=lambda pid: _name(pid, titles), sentence=_say_fairness, join=join_names
    )
