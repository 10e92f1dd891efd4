"""Slow, straightforward reference implementations used only to check the engine.

They follow the published definitions line by line (equalshares.net compute tool,
``equalSharesFixedBudgetFractions`` and ``equalSharesAdd1``), voter by voter, with exact
fractions and no grouping, no lazy evaluation and no skipping of Add1 steps.
"""

from __future__ import annotations

import math
from fractions import Fraction


def mes_fixed(costs, ballots, share, tie_rank):
    """MES with cost utilities; ballots are dicts id -> points; returns winners in order."""
    budget = [Fraction(share)] * len(ballots)
    remaining = [c for c in costs if costs[c] > 0 and any(b.get(c, 0) > 0 for b in ballots)]
    winners = [c for c in costs if costs[c] == 0 and any(b.get(c, 0) > 0 for b in ballots)]
    while True:
        best, best_rho, best_pi = None, None, None
        for c in list(remaining):
            supporters = [i for i, b in enumerate(ballots) if b.get(c, 0) > 0]
            if sum(budget[i] for i in supporters) < costs[c]:
                remaining.remove(c)
                continue
            supporters.sort(key=lambda i: budget[i] / ballots[i][c])
            paid = Fraction(0)
            denominator = sum(ballots[i][c] for i in supporters)
            for i in supporters:
                pi = (costs[c] - paid) / denominator
                if pi * ballots[i][c] <= budget[i]:
                    break
                paid += budget[i]
                denominator -= ballots[i][c]
            rho = pi / costs[c]
            if best is None or rho < best_rho or (rho == best_rho and tie_rank[c] < tie_rank[best]):
                best, best_rho, best_pi = c, rho, pi
        if best is None:
            return winners
        winners.append(best)
        remaining.remove(best)
        for i, b in enumerate(ballots):
            if b.get(best, 0) > 0:
                budget[i] -= min(budget[i], best_pi * b[best])


def mes_add1(costs, ballots, total, tie_rank, *, integral=True, exhaustive_stop=False):
    """The Add1 loop exactly as written: raise each voter's share by 1 until over budget."""
    n = len(ballots)
    share = Fraction(total, n)
    if integral:
        share = Fraction(math.floor(share))
    mes = mes_fixed(costs, ballots, share, tie_rank)
    supported = {c for c in costs if any(b.get(c, 0) > 0 for b in ballots)}
    while True:
        spent = sum(costs[c] for c in mes)
        if exhaustive_stop and all(spent + costs[c] > total for c in costs if c not in mes):
            break
        if set(mes) == supported:
            break
        nxt = mes_fixed(costs, ballots, share + 1, tie_rank)
        if sum(costs[c] for c in nxt) <= total:
            share += 1
            mes = nxt
        else:
            break
    return mes


def greedy(costs, support, total, tie_rank, *, skip=True, threshold=None):
    """Greedy by support; a threshold excludes projects below it."""
    order = sorted(costs, key=lambda c: (-support[c], tie_rank[c]))
    left, chosen = total, []
    for c in order:
        if support[c] <= 0 or (threshold is not None and support[c] < threshold):
            continue
        if costs[c] <= left:
            chosen.append(c)
            left -= costs[c]
        elif not skip:
            break
    return chosen


def phragmen_exact(costs, ballots, budget, tie_rank):
    """Sequential Phragmén voter by voter in fractions; stops when the next project does not fit."""
    load = [Fraction(0)] * len(ballots)
    supporters = {c: [i for i, b in enumerate(ballots) if b.get(c, 0) > 0] for c in costs}
    remaining = {c for c in costs if supporters[c]}
    left = Fraction(budget)
    winners = []
    while remaining:
        best, best_load = None, None
        for c in remaining:
            new = (costs[c] + sum(load[i] for i in supporters[c])) / len(supporters[c])
            if best is None or new < best_load or (new == best_load and tie_rank[c] < tie_rank[best]):
                best, best_load = c, new
        if costs[best] > left:
            break
        remaining.discard(best)
        winners.append(best)
        left -= costs[best]
        for i in supporters[best]:
            load[i] = best_load
    return winners
