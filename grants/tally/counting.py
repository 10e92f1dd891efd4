"""``count``: run one named rule over an Election and explain every project's outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from .greedy import run_greedy
from .model import Election, TallyResult
from .prepare import Prepared, exact, greedy_default_ranks, prepare

RULES: tuple[str, ...] = (
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "equalshares",
    "equalshares/add1",
    "equalshares/add1-comparison",
    "phragmen",
    "score-average",
    # Added for issue 18: Pabulib's META value for Equal Shares with the comparison step,
    # pabutools' Add1 (fractional start, stop at the first exhaustive outcome), greedy by
    # support per unit of cost, and Equal Shares completed by greedy.
    "equalshares-comparison",
    "equalshares/add1-pabutools",
    "greedy-per-cost",
    "equalshares+greedy",
    # The exact utilitarian optimum (most support in total that fits; pabutools'
    # max_additive_utilitarian_welfare), by dynamic programming.
    "utilitarian",
    # Equal Shares at a fixed budget with cardinality utilities (a supporter's utility is their
    # points, not points x cost; pabutools' method_of_equal_shares with Cardinality_Sat).
    "equalshares/cardinality",
    # Equal Shares completed by sequential Phragmén (pabutools' completion_by_rule_combination).
    "equalshares+phragmen",
)

#: META keys read as the minimum support for ``greedy-threshold`` (first one present wins).
THRESHOLD_KEYS = ("min_project_score_threshold",)


def _mes_default_ranks(prep: Prepared) -> None:
    # equalshares.net's recommended tie-break: lowest cost, then most votes, then list order.
    prep.priority(lambda i: (prep.costs[i], -prep.supporters[i], i))


def count(
    election: Election,
    rule: str,
    *,
    tie_break: Sequence[str] | None = None,
    min_support: float | None = None,
    format_money: Callable[[int], str] = str,
) -> TallyResult:
    """Count the election under ``rule`` and return the funded projects with explanations.

    ``tie_break`` is an explicit priority order of project ids (earlier wins a tie); without
    it, greedy rules prefer the cheaper project and the Equal Shares rules follow
    equalshares.net (cheaper, then more votes), then the order of ``election.projects``.
    ``min_support`` is the threshold for ``greedy-threshold`` (and, if given, for any greedy
    or score-average rule); without it the META key ``min_project_score_threshold`` is used.

    The result's ``details["satisfaction"]`` holds the voters' satisfaction figures and
    ``details["proportionality"]`` the EJR/PJR checks (see :mod:`grants.tally.fairness`).
    """
    if rule not in RULES:
        raise ValueError(f"Unknown counting rule {rule!r}. Choose one of: {', '.join(RULES)}.")
    prep = prepare(election, tie_break)
    result = _count(prep, election, rule, tie_break, min_support, format_money)
    from .fairness import proportionality, satisfaction

    chosen = [prep.index[pid] for pid in result.selected]
    result.details["satisfaction"] = satisfaction(prep, chosen)
    result.details["proportionality"] = proportionality(prep, chosen)
    return result


def _count(
    prep: Prepared,
    election: Election,
    rule: str,
    tie_break: Sequence[str] | None,
    min_support: float | None,
    format_money: Callable[[int], str],
) -> TallyResult:
    threshold: int | Fraction | None = None
    if min_support is not None:
        threshold = exact(min_support)
    elif rule == "greedy-threshold" and election.min_project_score_threshold is not None:
        threshold = exact(election.min_project_score_threshold)

    if rule == "equalshares+greedy":
        from .equalshares import complete_with_greedy

        if tie_break is None:
            _mes_default_ranks(prep)
        return complete_with_greedy(prep, rule, format_money=format_money, tie_break_given=tie_break is not None)
    if rule in ("greedy", "greedy-no-skip", "greedy-threshold", "score-average", "greedy-per-cost"):
        if tie_break is None:
            greedy_default_ranks(prep)
        if rule == "score-average":
            support = [Fraction(prep.score[i], prep.named[i]) if prep.named[i] else 0 for i in range(len(prep.ids))]
            support = [s.numerator if isinstance(s, Fraction) and s.denominator == 1 else s for s in support]
            return run_greedy(
                prep,
                rule,
                support=support,
                threshold=threshold,
                format_money=format_money,
                average=True,
            )
        return run_greedy(
            prep,
            rule,
            skip=rule != "greedy-no-skip",
            threshold=threshold,
            format_money=format_money,
            per_cost=rule == "greedy-per-cost",
        )
    if rule == "equalshares+phragmen":
        from .equalshares import complete_with_phragmen

        if tie_break is None:
            _mes_default_ranks(prep)
        return complete_with_phragmen(prep, rule, format_money=format_money)
    if rule == "utilitarian":
        from .utilitarian import run_utilitarian

        if tie_break is None:
            greedy_default_ranks(prep)
        return run_utilitarian(prep, rule, format_money=format_money)
    if rule == "phragmen":
        from .phragmen import run_phragmen

        if tie_break is None:
            greedy_default_ranks(prep)
        return run_phragmen(prep, rule, format_money=format_money)
    from .equalshares import run_equal_shares

    if tie_break is None:
        _mes_default_ranks(prep)
    return run_equal_shares(prep, rule, format_money=format_money)
