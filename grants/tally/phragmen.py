"""Sequential Phragmén for participatory budgeting.

Voters earn virtual money at the same steady rate. As soon as the supporters of a project
together hold its cost, it is bought and they spend everything they hold. Equivalently, each
round picks the project with the smallest new maximum load
``(cost + sum of its supporters' loads) / number of supporters`` and sets its supporters'
loads to that value. Counting stops when the next project to be bought does not fit the
budget (as in pabutools' ``sequential_phragmen``). A voter supports a project when they gave
it any positive points; the points themselves do not matter to this rule.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from .model import Explanation, TallyResult
from .prepare import Prepared, plain
from .text import Texts, _plural


def run_phragmen(prep: Prepared, rule: str, *, format_money: Callable[[int], str]) -> TallyResult:
    """Count with sequential Phragmén; every project gets an explanation."""
    n = len(prep.ids)
    texts = Texts(prep, format_money)
    supp: list[list[int]] = [[] for _ in range(n)]
    for t, key in enumerate(prep.types):
        for i, q in key:
            if q > 0:
                supp[i].append(t)
    load = [Fraction(0)] * len(prep.types)
    remaining = {i for i in range(n) if supp[i]}
    budget_left = prep.budget
    selected: list[int] = []
    explanations: dict[str, Explanation] = {}
    steps: list[dict] = []
    stop: int | None = None
    while remaining:
        best = None
        best_load: Fraction | None = None
        for c in remaining:
            w = prep.supporters[c]
            new = (prep.costs[c] + sum(prep.weights[t] * load[t] for t in supp[c])) / Fraction(w)
            if best_load is None or new < best_load or (new == best_load and prep.rank[c] < prep.rank[best]):
                best, best_load = c, new
        if prep.costs[best] > budget_left:
            stop = best
            break
        remaining.discard(best)
        selected.append(best)
        budget_left -= prep.costs[best]
        for t in supp[best]:
            load[t] = best_load
        pid = prep.ids[best]
        figures = {
            "support": plain(prep.score[best]),
            "supporters": prep.supporters[best],
            "voters": prep.n_voters,
            "cost": plain(prep.costs[best]),
            "round": len(selected),
            "selection_order": len(selected),
            "max_load": float(best_load),
            "remaining_after": plain(budget_left),
        }
        text = (
            f"Funded in round {len(selected)}: {texts.support(best, prep.score[best])}; its "
            f"supporters could pay for it once each had earned {texts.money(best_load)}."
        )
        explanations[pid] = Explanation(pid, True, text, figures)
        steps.append(
            {"project_id": pid, "round": len(selected), "max_load": float(best_load), "cost": plain(prep.costs[best])}
        )
    for i in range(n):
        pid = prep.ids[i]
        if pid in explanations:
            continue
        figures = {
            "support": plain(prep.score[i]),
            "supporters": prep.supporters[i],
            "voters": prep.n_voters,
            "cost": plain(prep.costs[i]),
            "remaining_before": plain(budget_left),
            "funded_before": len(selected),
        }
        if not supp[i]:
            text = texts.no_support()
        elif i == stop:
            text = (
                f"Not funded: it was next in line, but after funding "
                f"{_plural(len(selected), 'proposal')} {texts.money(budget_left)} remained, "
                f"less than its {texts.money(prep.costs[i])}; counting stopped here."
            )
        else:
            figures["stopped_by"] = prep.ids[stop] if stop is not None else None
            text = (
                f"Not funded: {texts.support(i, prep.score[i])}; counting stopped before its "
                f"supporters had earned enough to pay for it."
            )
        explanations[pid] = Explanation(pid, False, text, figures)
    return TallyResult(
        selected=[prep.ids[i] for i in selected],
        rule=rule,
        budget=plain(prep.budget),
        spent=plain(prep.budget - budget_left),
        support={prep.ids[i]: (int(s) if isinstance(s, int) else float(s)) for i, s in enumerate(prep.score)},
        explanations={pid: explanations[pid] for pid in prep.ids},
        steps=steps,
    )
