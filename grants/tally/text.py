"""Plain-English lines for explanations; every figure is also kept in Explanation.figures."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from .prepare import Prepared


def number_text(value: int | Fraction) -> str:
    """Whole numbers with thousands separators; fractions to two decimal places."""
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


def plural(n: int, word: str) -> str:
    """"1 proposal", "2 proposals"."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class Texts:
    """Sentences for one count, using the caller's money formatter and the ballot's word."""

    def __init__(self, prep: Prepared, format_money: Callable[[int], str]) -> None:
        self.prep = prep
        self._format_money = format_money
        self.word = prep.word

    def money(self, amount: int | Fraction) -> str:
        """Format an amount; a part-unit amount is rounded down to a whole unit first."""
        if isinstance(amount, Fraction) or not isinstance(amount, int):
            amount = math.floor(amount)
        return self._format_money(int(amount))

    def support(self, i: int, value: int | Fraction, average: bool = False) -> str:
        p = self.prep
        if average:
            return f"an average of {number_text(value)} {self.word} from {p.named[i]:,} voters"
        if self.word == "votes":
            return f"{number_text(value)} of {p.n_voters:,} votes"
        return f"{number_text(value)} points from {p.supporters[i]:,} of {p.n_voters:,} voters"

    def greedy_funded(self, i: int, value: int | Fraction, remaining: int | Fraction, average: bool) -> str:
        return f"Funded: {self.support(i, value, average)}; it fitted in the remaining {self.money(remaining)}."

    def did_not_fit(self, funded: int, remaining: int | Fraction, cost: int | Fraction) -> str:
        return (
            f"Not funded: after funding {plural(funded, 'proposal')} {self.money(remaining)} "
            f"remained, less than its {self.money(cost)}."
        )

    def stopped(self, blocker: str, funded: int, remaining: int | Fraction) -> str:
        return (
            f"Not funded: counting stopped at proposal {blocker}, the next in line, which did "
            f"not fit; after funding {plural(funded, 'proposal')} {self.money(remaining)} "
            f"remained."
        )

    def no_support(self) -> str:
        return f"Not funded: it received no {self.word}."

    def not_positive(self, value: int | Fraction) -> str:
        return f"Not funded: its {self.word} came to {number_text(value)} in total, not above zero."

    def below_threshold(self, value: int | Fraction, threshold: int | Fraction, average: bool = False) -> str:
        what = "an average of " if average else ""
        return (
            f"Not funded: it received {what}{number_text(value)} {self.word}, below the minimum "
            f"of {number_text(threshold)} needed."
        )


# --- Sentences from structured reasons (grants/tally/reasons.py) -------------------------
#
# Whole-sentence templates, one per message, each with its forms by plural category of the
# number it counts (CLDR categories: English has "one" and "other"; Welsh will add "zero",
# "two", "few" and "many"). A translation supplies its own SENTENCES, PLURAL and JOIN: no
# sentence here is built from fragments, and no plural is made by adding an "s".

SENTENCES: dict[str, dict[str, str]] = {
    "backed": {"other": "{supporters} of {could_vote} who could vote on it backed it."},
    "backed_points": {"other": "{supporters} of {could_vote} who could vote on it gave it points, {support} in all."},
    "no_support": {"other": "Nobody who could vote on it backed it."},
    "es_funded": {
        "other": "It was funded in round {round}: its supporters still had {money} between them, "
        "enough for its {cost} cost, and none of them paid more than {most_paid}.",
    },
    "es_free": {"other": "It was funded first: it costs nothing and people backed it."},
    "es_short_most": {
        "one": "Its one supporter had {money} left, less than its {cost} cost, because most of "
        "their share had gone to {names}, which they also backed.",
        "other": "Its {count} supporters had {money} left between them, less than its {cost} cost, "
        "because most of their share had gone to {names}, which they also backed.",
    },
    "es_short_some": {
        "one": "Its one supporter had {money} left, less than its {cost} cost; {spent} of their "
        "share had gone to {names}, which they also backed.",
        "other": "Its {count} supporters had {money} left between them, less than its {cost} cost; "
        "{spent} of their share had gone to {names}, which they also backed.",
    },
    "es_short_few": {
        "one": "Its one supporter's equal share came to {money}, less than its {cost} cost.",
        "other": "Its {count} supporters' equal shares came to {money} between them, less than its "
        "{cost} cost.",
    },
    "es_needed": {
        "one": "It would have needed one more supporter with a full share, if nothing else had changed.",
        "other": "It would have needed {count} more supporters with a full share each, if nothing "
        "else had changed.",
    },
    "greedy_funded": {"other": "It was funded: when its turn came {money} was left, enough for its {cost} cost."},
    "greedy_no_room": {
        "one": "When its turn came, after one proposal was funded, {money} was left, less than its {cost} cost.",
        "other": "When its turn came, after {count} proposals were funded, {money} was left, less "
        "than its {cost} cost.",
    },
    "completed_funded": {
        "other": "Equal Shares did not fund it; it was funded afterwards from the {money} left over, "
        "enough for its {cost} cost.",
    },
    "phragmen_funded": {
        "other": "It was funded in round {round}: once each of its supporters had earned {money}, together "
        "they could pay its {cost} cost.",
    },
    "phragmen_completed": {
        "other": "Equal Shares did not fund it; sequential Phragmén funded it afterwards, in round {round}, "
        "once each of its supporters had earned {money}.",
    },
    "phragmen_no_room": {
        "one": "It was next in line, but after one proposal was funded {money} was left, less than its "
        "{cost} cost, so counting stopped here.",
        "other": "It was next in line, but after {count} proposals were funded {money} was left, less "
        "than its {cost} cost, so counting stopped here.",
    },
    "phragmen_stopped": {
        "other": "Counting stopped at {blocker}, the next in line, which did not fit in the {money} left, "
        "before its supporters had earned enough to pay for it.",
    },
    "greedy_over_budget": {"other": "Its {cost} cost is more than the whole budget of {money}."},
    "greedy_stopped": {
        "other": "Counting stopped before its turn, at {blocker}, the next in line, which did not fit in the "
        "{money} left.",
    },
    "below_threshold": {"other": "Its support was below the minimum of {threshold} needed."},
    "not_positive": {"other": "Its points came to {support} in all, not above zero."},
    "utilitarian_in": {"other": "It is part of the affordable set of proposals with the most support in total."},
    "utilitarian_out": {"other": "The affordable set of proposals with the most support in total does not include it."},
    "tie_won": {"other": "It tied with {names}; the tie was settled by {how}, in its favour."},
    "tie_lost": {"other": "It tied with {names}; the tie was settled by {how}, and not in its favour."},
}

#: How a tie was settled when the caller does not say.
DEFAULT_HOW = "the published tie-break order"


def plural_category(n: int) -> str:
    """English plural categories (CLDR): "one" for 1, "other" otherwise."""
    return "one" if n == 1 else "other"


def join_names(names: list[str]) -> str:
    """Names as a list in a sentence: "A", "A and B", "A, B and C"."""
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def say(key: str, count: int | None = None, **values: object) -> str:
    """One sentence from its template, in the form for ``count``."""
    forms = SENTENCES[key]
    form = forms.get(plural_category(count), forms["other"]) if count is not None else forms["other"]
    return form.format(count=f"{count:,}" if count is not None else "", **values)


def describe(
    reason: dict,
    *,
    names: Callable[[str], str] = str,
    format_money: Callable[[int], str] = str,
    could_vote: int | None = None,
    tied_with: list[str] | None = None,
    tie_how: str | None = None,
    sentence: Callable[..., str] | None = None,
    join: Callable[[list[str]], str] | None = None,
) -> str:
    """A plain-words explanation of one structured reason (see grants/tally/reasons.py).

    ``names`` turns a project id into the words to show for it; ``could_vote`` replaces the
    number of voters when fewer could vote on this project (people who stood aside do not
    count); ``tied_with`` and ``tie_how`` override the tie the engine saw (a caller that
    re-counted with other tie-break orders knows better), and say how ties are settled.
    ``sentence`` and ``join`` replace `say` and `join_names` (the same keys and values): a
    caller showing another language maps each key to its own whole sentence.
    """
    say_ = sentence or say
    join_ = join or join_names

    def money(value: float | int) -> str:
        return format_money(math.floor(value + 1e-6))

    def money_up(value: float | int) -> str:
        return format_money(math.ceil(value - 1e-6))

    kind = reason.get("kind")
    supporters = int(reason.get("supporters", 0))
    total = could_vote if could_vote is not None else int(reason.get("could_vote", 0))
    cost = money(reason.get("cost", 0))
    out: list[str] = []
    if kind == "no_support":
        return say_("no_support")
    if reason.get("word") == "points":
        out.append(say_("backed_points", supporters=f"{supporters:,}", could_vote=f"{total:,}",
                       support=number_text(Fraction(reason.get("support", 0)).limit_denominator(100))))
    else:
        out.append(say_("backed", supporters=f"{supporters:,}", could_vote=f"{total:,}"))
    if kind == "es_funded" and reason.get("round", 0) == 0:
        out.append(say_("es_free"))
    elif kind == "es_funded":
        out.append(say_("es_funded", round=reason["round"], money=money(reason["money_behind"]), cost=cost,
                       most_paid=money_up(reason["most_paid"])))
    elif kind == "es_short":
        spent_on = [(pid, amount) for pid, amount in reason.get("spent_on", []) if amount >= 0.5]
        left = money(reason["money_left"])
        if spent_on:
            listed = [pid for pid, _ in spent_on]
            listed_total = sum(a for _, a in spent_on)
            key = "es_short_most" if listed_total * 2 > reason.get("money_at_start", 0) else "es_short_some"
            out.append(say_(key, supporters, money=left, cost=cost, names=join_([names(p) for p in listed]),
                           spent=money(listed_total)))
        else:
            out.append(say_("es_short_few", supporters, money=left, cost=cost))
        more = reason.get("more_supporters_needed")
        if more:
            out.append(say_("es_needed", int(more)))
    elif kind == "completed_funded":
        out.append(say_("completed_funded", money=money(reason["remaining_before"]), cost=cost))
    elif kind in ("greedy_funded", "greedy_no_room"):
        remaining = reason["remaining_before"]
        if kind == "greedy_funded":
            out.append(say_("greedy_funded", money=money(remaining), cost=cost))
        elif reason.get("funded_before", 0) == 0 and reason["cost"] > reason.get("budget", remaining):
            out.append(say_("greedy_over_budget", money=money(reason.get("budget", remaining)), cost=cost))
        else:
            out.append(say_("greedy_no_room", int(reason.get("funded_before", 0)), money=money(remaining), cost=cost))
    elif kind == "greedy_stopped":
        out.append(say_("greedy_stopped", blocker=names(str(reason.get("stopped_by", ""))),
                       money=money(reason.get("remaining_before", 0))))
    elif kind == "phragmen_funded":
        key = "phragmen_completed" if reason.get("completion") == "phragmen" else "phragmen_funded"
        out.append(say(key, round=reason["round"], money=money(reason["max_load"]), cost=cost))
    elif kind == "phragmen_no_room":
        if reason.get("funded_before", 0) == 0 and reason["cost"] > reason.get("budget", 0):
            out.append(say("greedy_over_budget", money=money(reason.get("budget", 0)), cost=cost))
        else:
            out.append(say("phragmen_no_room", int(reason.get("funded_before", 0)),
                           money=money(reason["remaining_before"]), cost=cost))
    elif kind == "phragmen_stopped":
        out.append(say("phragmen_stopped", blocker=names(str(reason.get("stopped_by", ""))),
                       money=money(reason.get("remaining_before", 0))))
    elif kind == "below_threshold":
        threshold = number_text(Fraction(reason.get("threshold", 0)).limit_denominator(100))
        out.append(say_("below_threshold", threshold=threshold))
    elif kind == "not_positive":
        out.append(say_("not_positive", support=number_text(Fraction(reason.get("support", 0)).limit_denominator(100))))
    elif kind in ("utilitarian_in", "utilitarian_out"):
        out.append(say_(kind))
    tied = tied_with if tied_with is not None else reason.get("tied_with")
    if tied:
        funded = kind in ("es_funded", "greedy_funded", "completed_funded", "phragmen_funded")
        won = bool(reason.get("tie_won")) if tied_with is None else funded
        out.append(say_("tie_won" if won else "tie_lost", names=join_([names(p) for p in tied]),
                       how=tie_how or DEFAULT_HOW))
    return " ".join(out)


# --- How fair an outcome is (grants/tally/fairness.py), in whole sentences ----------------

FAIRNESS_SENTENCES: dict[str, str] = {
    "share": "{percent} of voters backed at least one funded proposal.",
    "average": "On average, a voter backed {average} of the funded proposals.",
    "gini": "How unequally the money went to what each voter backed, from 0 (equally) to 1: {gini}.",
    "proportional": "Every group of voters large enough to deserve a proposal they all backed got their "
    "fair share, up to one proposal (the EJR and PJR checks).",
    "ejr_failed": "The EJR check, up to one proposal, is not met: {voters} voters who all backed {names} "
    "got less than their fair share.",
    "pjr_failed": "The PJR check is not met: {voters} voters who all backed {names} got less than their "
    "fair share between them.",
    "pjr_failed_one": "The PJR check is met only up to one proposal: {voters} voters who all backed {names} "
    "got one proposal less than their fair share between them.",
    "too_large": "The proportionality checks were not run: they are exact, and this count is too large for "
    "them.",
}


def _fairness_sentence(key: str, count: int | None = None, **values: object) -> str:
    return FAIRNESS_SENTENCES[key].format(**values)


def describe_fairness(
    fairness: dict | None,
    *,
    names: Callable[[str], str] = str,
    sentence: Callable[..., str] | None = None,
    join: Callable[[list[str]], str] | None = None,
) -> list[str]:
    """Whole sentences about how fair an outcome is, from ``{"satisfaction", "proportionality"}``.

    ``sentence(key, count, **values)`` replaces the English FAIRNESS_SENTENCES (``count`` is the
    number of voters a sentence counts, for its plural form), and ``join`` replaces `join_names`."""
    if not fairness:
        return []
    fair = sentence or _fairness_sentence
    join_ = join or join_names
    out: list[str] = []
    sat = fairness.get("satisfaction") or {}
    if "share_with_a_funded_project" in sat:
        out.append(fair("share", percent=f"{round(100 * sat['share_with_a_funded_project'])}%"))
        out.append(fair("average", average=f"{sat['average_funded_backed']:.1f}"))
        out.append(fair("gini", gini=f"{sat['gini_cost_satisfaction']:.2f}"))
    checks = fairness.get("proportionality") or {}
    if checks.get("checked"):

        def group(sentence_key: str, key: str) -> str:
            g = checks.get(key) or {}
            voters = int(g.get("voters", 0))
            listed = join_([names(p) for p in g.get("projects", [])])
            return fair(sentence_key, voters, voters=f"{voters:,}", names=listed)

        if not checks["ejr_up_to_one"]:
            out.append(group("ejr_failed", "ejr_up_to_one_group"))
        if not checks["pjr_up_to_one"]:
            out.append(group("pjr_failed", "pjr_up_to_one_group"))
        elif not checks["pjr"]:
            out.append(group("pjr_failed_one", "pjr_group"))
        if checks["ejr_up_to_one"] and checks["pjr_up_to_one"] and checks["pjr"]:
            out.append(fair("proportional"))
    elif checks.get("why") == "too large to check exactly":
        out.append(fair("too_large"))
    return out
