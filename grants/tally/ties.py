"""Every outcome a tie-break could give: count again with each order of the tied projects.

For the greedy rules (``greedy``, ``greedy-no-skip``, ``greedy-threshold``, ``greedy-per-cost``,
``score-average``) a tie is two projects with the same support, and only the order within each
such group matters, so trying every order within every group lists every tied outcome
(``complete``). For Equal Shares the groups are the projects the count saw priced equally in a
round (in floating point, within 1e-9); a different choice there can lead to ties the first count
never saw, so the list is of the ties seen (``complete`` is False). Other rules report no ties.
At most ``limit`` counts are run; if more orders exist, ``complete`` is False.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .counting import count
from .model import Election

GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "greedy-per-cost", "score-average")


@dataclass(frozen=True)
class TiedOutcomes:
    """Each distinct selection a tie-break order gives, in the order first found."""

    outcomes: list[list[str]]
    complete: bool
    groups: list[list[str]]


def tied_outcomes(election: Election, rule: str, *, limit: int = 256, **options: object) -> TiedOutcomes:
    """List the outcomes of ``rule`` under every order of the tied projects (see the module text)."""
    first = count(election, rule, **options)  # type: ignore[arg-type]
    groups = _groups(first, rule)
    runs = math.prod(math.factorial(len(g)) for g in groups) if groups else 1
    outcomes = [first.selected]
    seen = {frozenset(first.selected)}
    complete = rule in GREEDY_RULES and runs <= limit
    if not groups:
        return TiedOutcomes(outcomes, rule in GREEDY_RULES, [])
    for n, orders in enumerate(itertools.product(*(itertools.permutations(g) for g in groups))):
        if n >= limit:
            break
        order: list[str] = [pid for group in orders for pid in group]
        result = count(election, rule, **{**options, "tie_break": order})  # type: ignore[arg-type]
        if frozenset(result.selected) not in seen:
            seen.add(frozenset(result.selected))
            outcomes.append(result.selected)
    return TiedOutcomes(outcomes, complete, [list(g) for g in groups])


def _greedy_key(rule: str, support: object, figures: dict) -> object:
    """What the greedy order compares: the support, or support per unit of cost (exactly)."""
    if rule != "greedy-per-cost":
        return support
    cost = Fraction(figures.get("cost", 0))
    return Fraction(figures.get("support", support)) / cost if cost else math.inf


def _groups(result, rule: str) -> list[Sequence[str]]:  # noqa: ANN001
    if rule in GREEDY_RULES:
        levels: dict[object, list[str]] = {}
        for pid, why in result.explanations.items():
            s = result.support.get(pid, 0)
            if why.figures.get("supporters", 0) > 0 and s > 0:
                levels.setdefault(_greedy_key(rule, s, why.figures), []).append(pid)
        return [g for g in levels.values() if len(g) > 1]
    merged: list[set[str]] = []
    for pid, why in result.explanations.items():
        tied = (why.figures.get("reason") or {}).get("tied_with")
        if tied:
            group = {pid, *tied}
            for other in [m for m in merged if m & group]:
                group |= other
                merged.remove(other)
            merged.append(group)
    return [sorted(g) for g in merged]
