"""How satisfied voters are with an outcome: the figures pabutools' analysis module reports."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .prepare import Prepared


def satisfaction(prep: Prepared, selected: Sequence[int]) -> dict[str, float]:
    """Satisfaction figures for the funded projects ``selected`` (project indices).

    ``share_with_a_funded_project``: the share of voters who backed at least one funded project
    (pabutools' ``percent_non_empty_handed``); ``average_funded_backed``: how many funded
    projects a voter backed, on average (``avg_satisfaction`` with ``Cardinality_Sat``);
    ``average_cost_satisfaction``: the money spent on projects a voter backed, on average
    (``Cost_Sat``); ``gini_cost_satisfaction``: the Gini coefficient of that money across
    voters (0: everyone equal; ``gini_coefficient_of_satisfaction`` with ``Cost_Sat``).
    """
    n = len(prep.ids)
    proj, rows, row_weight = prep.incidence()
    if prep.n_voters == 0 or len(row_weight) == 0:
        return {"share_with_a_funded_project": 0.0, "average_funded_backed": 0.0,
                "average_cost_satisfaction": 0.0, "gini_cost_satisfaction": 0.0}
    chosen = np.zeros(n, dtype=np.float64)
    chosen[list(selected)] = 1.0
    cost = np.asarray([float(c) for c in prep.costs]) * chosen
    per_row_count = np.bincount(rows, weights=chosen[proj], minlength=len(row_weight))
    per_row_cost = np.bincount(rows, weights=cost[proj], minlength=len(row_weight))
    w = row_weight.astype(np.float64)
    total = float(prep.n_voters)
    return {
        "share_with_a_funded_project": float(w[per_row_count > 0].sum()) / total,
        "average_funded_backed": float((w * per_row_count).sum()) / total,
        "average_cost_satisfaction": float((w * per_row_cost).sum()) / total,
        "gini_cost_satisfaction": _gini(per_row_cost, w, total),
    }


def _gini(values: np.ndarray, weights: np.ndarray, n: float) -> float:
    """pabutools' Gini formula, with each value repeated by its weight (voters outside any row count as 0)."""
    if not np.any(values > 0):
        return 0.0
    missing = n - float(weights.sum())  # voters with an empty ballot: satisfaction 0
    values = np.concatenate(([0.0], values)) if missing > 0 else values
    weights = np.concatenate(([missing], weights)) if missing > 0 else weights
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    start = np.concatenate(([0.0], np.cumsum(w)[:-1]))  # first position of each group
    # sum over a group's positions p..p+w-1 of v * (n - position)
    cum = float((v * (w * n - w * start - w * (w - 1) / 2)).sum())
    return (n + 1 - 2 * cum / float((v * w).sum())) / n
