"""The utilitarian optimum: the affordable set of projects with the most support in total.

Exact, by dynamic programming over money (a 0/1 knapsack), with no solver: money is counted
in units of the largest amount dividing every cost and the budget, and for each amount of
money spent the best total support is kept, one project at a time. Among sets with the same
total support the one found first wins: projects are added in tie-break order, and a later
project replaces an earlier choice only when it does strictly better. If the budget is too
many units for this (more than ``MAX_CELLS`` cells of work), the count is refused with that
reason rather than approximated.

This is pabutools' ``max_additive_utilitarian_welfare`` with ``Cardinality_Sat`` for approval
ballots (support = votes) and ``Additive_Cardinal_Sat`` for points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from .model import Explanation, TallyResult
from .prepare import Prepared, plain
from .reasons import base
from .text import Texts, number_text

MAX_CELLS = 200_000_000


class TooLargeForExact(ValueError):
    """The budget has too many units for an exact count in reasonable time and memory."""


def run_utilitarian(prep: Prepared, rule: str, *, format_money: Callable[[int], str]) -> TallyResult:
    """Count with the exact utilitarian optimum."""
    texts = Texts(prep, format_money)
    n = len(prep.ids)
    useful = [i for i in sorted(range(n), key=lambda i: prep.rank[i]) if prep.supporters[i] > 0 and prep.score[i] > 0]
    free = [i for i in useful if prep.costs[i] == 0]
    items = [i for i in useful if prep.costs[i] > 0 and prep.costs[i] <= prep.budget]
    amounts = [Fraction(prep.costs[i]) for i in items] + [Fraction(prep.budget)]
    denominator = math.lcm(*(a.denominator for a in amounts))
    whole = [int(a * denominator) for a in amounts]
    unit = math.gcd(*whole) or 1
    cells = whole[-1] // unit + 1
    if cells * max(len(items), 1) > MAX_CELLS:
        raise TooLargeForExact(
            f"The exact utilitarian count would need {cells:,} amounts of money for each of {len(items)} "
            "projects; that is too large to count exactly."
        )
    weights = [w // unit for w in whole[:-1]]
    values = [prep.score[i] for i in items]
    exact_ints = all(isinstance(v, int) for v in values)
    dtype = np.int64 if exact_ints else np.float64
    best = np.zeros(cells, dtype=dtype)
    take = np.zeros((len(items), cells), dtype=bool)
    for k, (w, v) in enumerate(zip(weights, values, strict=True)):
        v = v if exact_ints else float(v)
        candidate = best[: cells - w] + v
        better = candidate > best[w:]
        take[k, w:] = better
        best[w:] = np.where(better, candidate, best[w:])
    # Walk back from the full budget (best[] is non-decreasing in money, so its end is the optimum).
    chosen: list[int] = []
    money = cells - 1
    for k in range(len(items) - 1, -1, -1):
        if take[k, money]:
            chosen.append(items[k])
            money -= weights[k]
    chosen.reverse()
    selected = free + sorted(chosen, key=lambda i: prep.rank[i])
    chosen_set = set(selected)
    spent = sum((prep.costs[i] for i in selected), 0)
    total = sum((prep.score[i] for i in selected), 0)
    explanations: dict[str, Explanation] = {}
    for i in range(n):
        pid = prep.ids[i]
        figures = {"support": plain(prep.score[i]), "supporters": prep.supporters[i], "voters": prep.n_voters,
                   "cost": plain(prep.costs[i]), "total_support_funded": plain(total)}
        figures["reason"] = dict(base(prep, i), kind="utilitarian_in" if i in chosen_set else "utilitarian_out")
        if prep.supporters[i] == 0:
            text = texts.no_support()
        elif i in chosen_set:
            text = (f"Funded: {texts.support(i, prep.score[i])}; it is part of the affordable set of proposals "
                    f"with the most {texts.word} in total ({number_text(total)}).")
        else:
            text = (f"Not funded: {texts.support(i, prep.score[i])}; the affordable set of proposals with the "
                    f"most {texts.word} in total ({number_text(total)}) does not include it.")
        explanations[pid] = Explanation(pid, i in chosen_set, text, figures)
    return TallyResult(
        selected=[prep.ids[i] for i in selected],
        rule=rule,
        budget=plain(prep.budget),
        spent=plain(spent),
        support={prep.ids[i]: (int(s) if isinstance(s, int) else float(s)) for i, s in enumerate(prep.score)},
        explanations=explanations,
        details={"total_support": plain(total), "money_unit": float(Fraction(unit, denominator))},
    )


