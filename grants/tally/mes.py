"""The Method of Equal Shares at a fixed budget, in exact arithmetic.

Definitions follow equalshares.net (the compute tool's ``equalSharesFixedBudget``):

* every voter starts with the same share of the budget;
* each round, every remaining project whose supporters still hold at least its cost is
  priced: the cost is split among its supporters as equally as possible (a supporter who
  cannot pay the equal part pays everything left), giving a price per point ``pi``;
* the project with the smallest price per unit of utility ``rho = pi / cost`` wins the round
  (for approval ballots that is the largest *effective vote count* ``cost / pi``); ties go
  to the better tie-break rank; its supporters pay;
* it stops when no remaining project is affordable.

Utilities are "cost utilities": a voter's utility for a project is ``points x cost`` (so for
approval ballots it is the project's cost, as on equalshares.net), and a supporter giving
``q`` points pays ``pi * q``.

Voters with equal remaining budgets behave identically from then on, so budgets are kept as
shared values ("groups"); a voter type (identical ballots) points to its group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .prepare import Prepared


@dataclass
class RoundRecord:
    """One selection: the project, its price per point and what its supporters held."""

    project: int
    pi: Fraction
    rho: Fraction
    money_behind: Fraction


@dataclass
class MESRun:
    """The outcome of one fixed-budget run, with the figures explanations need."""

    share: Fraction
    winners: list[int]
    rounds: list[RoundRecord] = field(default_factory=list)
    # Per unfunded project (index): its supporters' money when it was found unaffordable.
    final_money: dict[int, Fraction] = field(default_factory=dict)
    free: list[int] = field(default_factory=list)


class EqualShares:
    """Fixed-budget Equal Shares over a Prepared profile (reused across Add1 runs)."""

    def __init__(self, prep: Prepared, *, cardinality: bool = False) -> None:
        self.prep = prep
        # Cardinality utilities: a supporter's utility is their points, not points x cost, so
        # the round goes to the smallest price per point (pabutools' Cardinality_Sat).
        self.cardinality = cardinality
        n = len(prep.ids)
        self._supp: list[list[tuple[int, int | Fraction]]] | None = None
        if prep.compact is not None:
            # Approval ballots held as arrays: the totals come from them, and the per-project
            # lists of supporters (for exact runs only) are made when first asked for.
            proj, _rows, _pts, weights = prep.type_arrays()
            counts = np.bincount(proj, minlength=n)
            total_points: list[int | Fraction] = np.bincount(
                proj, weights=weights[_rows].astype(np.float64), minlength=n).astype(np.int64).tolist()
            backed = [bool(x) for x in counts > 0]
            self.n_weight = int(weights.sum())
            self.approval_like = True
        else:
            total_points = [0] * n
            for t, key in enumerate(prep.types):
                w = prep.weights[t]
                for i, q in key:
                    if q > 0:
                        total_points[i] += w * q
            backed = [bool(x) for x in self.supp]
            self.n_weight = sum(prep.weights)
            self.approval_like = all(q == 1 for key in prep.types for _, q in key)
        self.total_points = total_points
        self.candidates = [i for i in range(n) if backed[i] and prep.costs[i] > 0]
        self.free = [i for i in range(n) if backed[i] and prep.costs[i] == 0]

    @property
    def supp(self) -> list[list[tuple[int, int | Fraction]]]:
        """Per project: its supporters as (voter type, points), points above zero."""
        if self._supp is None:
            supp: list[list[tuple[int, int | Fraction]]] = [[] for _ in self.prep.ids]
            for t, key in enumerate(self.prep.types):
                for i, q in key:
                    if q > 0:
                        supp[i].append((t, q))
            self._supp = supp
        return self._supp

    def run(self, share: Fraction | int, *, record: bool = False) -> MESRun:
        """Run MES where every voter starts with ``share``; exact arithmetic throughout."""
        prep = self.prep
        costs = prep.costs
        rank = prep.rank
        weights = prep.weights
        supp = self.supp
        share = Fraction(share)
        group_budget: list[Fraction] = [share]
        group_of_budget: dict[Fraction, int] = {share: 0}
        type_group = [0] * len(prep.types)
        # Lower bounds on each project's rho (rho never falls during a run).
        # (With cardinality utilities rho is the price per point itself, at least cost / points.)
        prev_rho: dict[int, Fraction] = {
            c: Fraction(costs[c] if self.cardinality else 1) / self.total_points[c] for c in self.candidates
        }
        remaining = set(self.candidates)
        winners: list[int] = list(self.free)
        run = MESRun(share=share, winners=winners, free=list(self.free))
        approval = self.approval_like

        while remaining:
            best: int | None = None
            best_rho: Fraction | None = None
            best_pi: Fraction | None = None
            best_money: Fraction | None = None
            for c in sorted(remaining, key=lambda c: (prev_rho[c], rank[c])):
                if best_rho is not None and (
                    prev_rho[c] > best_rho or (prev_rho[c] == best_rho and rank[c] > rank[best])
                ):
                    break
                cost = costs[c]
                agg: dict[tuple[int, int | Fraction], int] = {}
                for t, q in supp[c]:
                    key = (type_group[t], q)
                    agg[key] = agg.get(key, 0) + weights[t]
                money = Fraction(0)
                for (g, _q), w in agg.items():
                    money += w * group_budget[g]
                if money < cost:
                    remaining.discard(c)
                    if record:
                        run.final_money[c] = money
                    continue
                pi = split_price(agg, group_budget, cost, approval)
                rho = pi if self.cardinality else pi / cost
                prev_rho[c] = rho
                if best_rho is None or rho < best_rho or (rho == best_rho and rank[c] < rank[best]):
                    best, best_rho, best_pi, best_money = c, rho, pi, money
            if best is None:
                break
            winners.append(best)
            remaining.discard(best)
            if record:
                run.rounds.append(RoundRecord(best, best_pi, best_rho, best_money))
            # Supporters pay pi per point, or everything they have left.
            moved: dict[tuple[int, int | Fraction], int] = {}
            for t, q in supp[best]:
                g = type_group[t]
                ng = moved.get((g, q))
                if ng is None:
                    left = group_budget[g] - best_pi * q
                    if left < 0:
                        left = Fraction(0)
                    ng = group_of_budget.get(left)
                    if ng is None:
                        ng = len(group_budget)
                        group_budget.append(left)
                        group_of_budget[left] = ng
                    moved[(g, q)] = ng
                type_group[t] = ng
        if record:
            # Projects never reached after their last pricing: their money at the end.
            for c in self.candidates:
                if c not in run.final_money and c not in winners:
                    run.final_money[c] = self.money_behind(c, type_group, group_budget)
        return run

    def money_behind(self, c: int, type_group: list[int], group_budget: list[Fraction]) -> Fraction:
        """Total budget left with project c's supporters."""
        w = self.prep.weights
        return sum((w[t] * group_budget[type_group[t]] for t, _ in self.supp[c]), Fraction(0))


def split_price(
    agg: dict[tuple[int, int | Fraction], int],
    group_budget: list[Fraction],
    cost: int | Fraction,
    approval: bool,
) -> Fraction:
    """Price per point when the cost is split as equally as the supporters' budgets allow."""
    items = [(group_budget[g], q, w) for (g, q), w in agg.items()]
    if approval:
        items.sort(key=lambda it: it[0])
    else:
        items.sort(key=lambda it: it[0] / it[1])
    paid = Fraction(0)
    denominator = sum(w * q for _, q, w in items)
    for budget, q, w in items:
        pi = (cost - paid) / denominator
        if pi * q <= budget:
            return pi
        paid += w * budget
        denominator -= w * q
    raise AssertionError("an affordable project always has a price")  # pragma: no cover
