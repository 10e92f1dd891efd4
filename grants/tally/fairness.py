"""How satisfied voters are with an outcome: the figures pabutools' analysis module reports."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

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


#: The exact proportionality check looks at every set of projects some voter backed together,
#: for every voter type; above this much work it is not run and says so.
PROPORTIONALITY_LIMIT = 2_000_000
#: PJR tries every subset of the funded projects a group backed: at most 2 ** 16 of them.
MAX_FUNDED_CHECKED = 16


def proportionality(prep: Prepared, selected: Sequence[int], *, limit: int = PROPORTIONALITY_LIMIT) -> dict:
    """EJR up to one project, PJR and PJR up to one project, for approval ballots, with cost satisfaction.

    Definitions as pabutools' ``is_EJR_one_approval``, ``is_PJR_approval`` and
    ``is_PJR_one_approval`` with ``Cost_Sat``: a group of voters who all back a set of projects
    T and make up at least T's share of the budget (``|group| / voters >= cost(T) / budget``)
    is owed, for EJR up to one, at least one member whose funded backed projects plus the
    dearest unfunded project of T cost at least cost(T); for PJR, funded projects that some
    member backed costing at least cost(T) (up to one: plus T's dearest unfunded project).

    Exact: for EJR the worst group for T is every voter backing T who is short, and for PJR
    every way of choosing which funded projects the group may have backed is tried. Only sets
    T that some ballot contains can have such a group, so the work grows with 2 to the power
    of the ballot's length: above ``limit`` steps nothing is claimed (``exact`` is False).
    """
    if prep.word != "votes":
        return {"checked": False, "why": "approval ballots only"}
    # Size first, from the flat arrays, so a large count never builds voter types for this.
    _proj, rows, row_weight = prep.incidence()
    lengths = np.bincount(rows, minlength=len(row_weight)) if len(rows) else np.zeros(0, dtype=np.int64)
    if len(lengths) and (int(lengths.max()) > 40 or
                         float(np.exp2(lengths.astype(np.float64)).sum()) * len(lengths) > limit):
        return {"checked": False, "why": "too large to check exactly", "limit": limit, "max_funded": MAX_FUNDED_CHECKED}
    approval = all(q == 1 for key in prep.types for _, q in key)
    if not approval:
        return {"checked": False, "why": "approval ballots only"}
    budget = prep.budget
    n = prep.n_voters
    costs = prep.costs
    chosen = frozenset(selected)
    ballots: dict[frozenset, int] = {}
    for key, w in zip(prep.types, prep.weights, strict=True):
        backed = frozenset(i for i, q in key if q > 0)
        if backed:
            ballots[backed] = ballots.get(backed, 0) + w
    work = sum(2 ** len(b) for b in ballots) * max(len(ballots), 1)
    if work > limit or len(chosen) > MAX_FUNDED_CHECKED:
        return {"checked": False, "why": "too large to check exactly", "limit": limit,
                "max_funded": MAX_FUNDED_CHECKED}
    if n == 0 or budget <= 0:
        return {"checked": True, "exact": True, "ejr_up_to_one": True, "pjr": True, "pjr_up_to_one": True}
    sets: set[tuple[int, ...]] = set()
    for b in ballots:
        items = sorted(b)
        for r in range(1, len(items) + 1):
            sets.update(combinations(items, r))
    funded_of = {b: b & chosen for b in ballots}
    out = {"checked": True, "exact": True, "ejr_up_to_one": True, "pjr": True, "pjr_up_to_one": True}
    for t in sorted(sets, key=lambda s: (len(s), s)):
        tset = frozenset(t)
        cost_t = sum((costs[i] for i in t), 0)
        group = [(b, w) for b, w in ballots.items() if tset <= b]
        if sum(w for _, w in group) * budget < n * cost_t:
            continue  # not a large enough group for T
        up = max((costs[i] for i in t if i not in chosen), default=0)
        if up == 0 and all(i in chosen for i in t):
            continue  # all of T funded: every member is satisfied
        short = sum(w for b, w in group if sum((costs[i] for i in funded_of[b]), 0) + up < cost_t)
        if out["ejr_up_to_one"] and short * budget >= n * cost_t:
            out["ejr_up_to_one"] = False
            out["ejr_up_to_one_group"] = {"projects": [prep.ids[i] for i in t], "voters": short}
        if not (out["pjr"] or out["pjr_up_to_one"]):
            continue
        reachable = sorted(frozenset().union(*(funded_of[b] for b, _ in group)))
        for r in range(len(reachable) + 1):
            for allowed in combinations(reachable, r):
                allowed_set = frozenset(allowed)
                members = sum(w for b, w in group if funded_of[b] <= allowed_set)
                if members * budget < n * cost_t:
                    continue
                have = sum((costs[i] for i in allowed), 0)
                for name, extra in (("pjr", 0), ("pjr_up_to_one", up)):
                    if out[name] and have + extra < cost_t:
                        out[name] = False
                        out[f"{name}_group"] = {"projects": [prep.ids[i] for i in t], "voters": members}
    return out


def fairness_meta(fairness: dict | None) -> dict[str, str]:
    """Extra Pabulib META keys for a decision file: the satisfaction figures and the checks.

    Figures are written to 6 decimal places, checks as ``yes``/``no``/``not checked``, so the
    same stored figures always give the same bytes (the file's fingerprint depends on them).
    """
    if not fairness:
        return {}
    out: dict[str, str] = {}
    for key, value in (fairness.get("satisfaction") or {}).items():
        out[f"satisfaction_{key}"] = f"{float(value):.6f}"
    checks = fairness.get("proportionality") or {}
    for key in ("ejr_up_to_one", "pjr", "pjr_up_to_one"):
        out[key] = ("yes" if checks[key] else "no") if checks.get("checked") else "not checked"
    return out
