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

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from .model import Explanation, TallyResult
from .prepare import Prepared, plain
from .reasons import phragmen_reason
from .text import Texts, plural

#: Relative gap below which two new max loads are compared exactly.
TOL = 1e-9


def run_phragmen(
    prep: Prepared, rule: str, *, format_money: Callable[[int], str], initial: Sequence[int] = ()
) -> TallyResult:
    """Count with sequential Phragmén; every project gets an explanation.

    ``initial``: projects already funded (by Equal Shares, when Phragmén completes it): they are
    paid for from the budget first and are not bought again; loads start at zero, as in
    pabutools' ``sequential_phragmen(initial_budget_allocation=...)``. The result lists only
    the projects Phragmén adds (with the initial ones' explanations left to the caller).
    """
    n = len(prep.ids)
    texts = Texts(prep, format_money)
    proj, rows, row_weight = prep.incidence()
    has_support = np.bincount(proj, minlength=n) > 0 if len(proj) else np.zeros(n, dtype=bool)
    supp = [bool(x) for x in has_support]
    # Every voter's load is the max load of the last round that bought a project they back
    # (round 0: nothing yet, load 0). So a project's new max load needs only how much
    # supporter weight sits at each round's load: one bincount per round for all projects.
    last = np.zeros(len(row_weight), dtype=np.int64)
    entry_weight = row_weight[rows].astype(np.float64)
    loads_exact: list[int | Fraction] = [0]
    loads_float = [0.0]
    weight_of = [int(w) for w in prep.supporters]
    already = set(initial)
    remaining = {i for i in range(n) if supp[i] and i not in already}
    budget_left = prep.budget - sum((prep.costs[i] for i in already), 0)
    selected: list[int] = []
    explanations: dict[str, Explanation] = {}
    steps: list[dict] = []
    stop: int | None = None
    tied: dict[int, set[int]] = {}
    won: set[int] = set()
    stop_ties: set[int] = set()
    reasons: dict[int, dict] = {}
    while remaining:
        width = len(loads_float)
        at = np.bincount(proj * width + last[rows], weights=entry_weight, minlength=n * width).reshape(n, width)
        held = (at * np.asarray(loads_float)).sum(axis=1)  # not @: a threaded BLAS spins on a busy machine
        floats = {c: (float(prep.costs[c]) + float(held[c])) / weight_of[c] for c in remaining}
        low = min(floats.values())
        # Floats decide unless two projects are within 1e-9: then those, and only those, are
        # settled in exact fractions (the sums above are exact integers times the loads).
        near = [c for c, v in floats.items() if v <= low * (1 + TOL) + 1e-300]
        best = None
        best_load: int | Fraction = 0
        exact_new: dict[int, int | Fraction] = {}
        for c in near:
            counts = at[c]
            total = prep.costs[c] + sum(int(counts[r]) * loads_exact[r] for r in range(1, width) if counts[r])
            new = Fraction(total, weight_of[c]) if not isinstance(total, Fraction) else total / weight_of[c]
            exact_new[c] = new
            if best is None or new < best_load or (new == best_load and prep.rank[c] < prep.rank[best]):
                best, best_load = c, new
        # A tie: the same new max load exactly (what the rule compares), settled by the rank.
        level = [c for c, new in exact_new.items() if c != best and new == best_load]
        if prep.costs[best] > budget_left:
            stop = best
            # Tied with the project that did not fit: had the tie gone the other way, one that
            # fits would have been bought instead.
            stop_ties.update(c for c in level if prep.costs[c] <= budget_left)
            break
        for c in level:
            tied.setdefault(best, set()).add(c)
            tied.setdefault(c, set()).add(best)
            won.add(best)
        remaining.discard(best)
        selected.append(best)
        budget_left -= prep.costs[best]
        loads_exact.append(best_load)
        loads_float.append(float(best_load))
        last[rows[proj == best]] = width
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
        reasons[best] = figures["reason"] = phragmen_reason(
            prep, best, "phragmen_funded", round=len(selected), max_load=best_load, remaining_after=budget_left
        )
        explanations[pid] = Explanation(pid, True, text, figures)
        steps.append(
            {"project_id": pid, "round": len(selected), "max_load": float(best_load), "cost": plain(prep.costs[best])}
        )
    for i in range(n):
        pid = prep.ids[i]
        if pid in explanations or i in already:
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
            figures["reason"] = phragmen_reason(prep, i, "no_support")
            explanations[pid] = Explanation(pid, False, text, figures)
            continue
        kind = "phragmen_no_room" if i == stop else "phragmen_stopped"
        reasons[i] = figures["reason"] = phragmen_reason(
            prep, i, kind, remaining_before=budget_left, funded_before=len(selected)
        )
        if i != stop and stop is not None:
            figures["reason"]["stopped_by"] = prep.ids[stop]
        if i == stop:
            text = (
                f"Not funded: it was next in line, but after funding "
                f"{plural(len(selected), 'proposal')} {texts.money(budget_left)} remained, "
                f"less than its {texts.money(prep.costs[i])}; counting stopped here."
            )
        else:
            figures["stopped_by"] = prep.ids[stop] if stop is not None else None
            text = (
                f"Not funded: {texts.support(i, prep.score[i])}; counting stopped before its "
                f"supporters had earned enough to pay for it."
            )
        explanations[pid] = Explanation(pid, False, text, figures)
    # A tie matters to a project only against one whose outcome differed from its own.
    chosen = set(selected)
    for i, others in tied.items():
        others = {j for j in others if (j in chosen) != (i in chosen)}
        if others and i in reasons:
            reasons[i]["tied_with"] = [prep.ids[j] for j in sorted(others, key=lambda j: prep.rank[j])]
            reasons[i]["tie_won"] = i in won and i in chosen
    for i in stop_ties:
        reasons[i]["tied_with"] = [prep.ids[stop]]
        reasons[i]["tie_won"] = False
    return TallyResult(
        selected=[prep.ids[i] for i in selected],
        rule=rule,
        budget=plain(prep.budget),
        spent=plain(prep.budget - budget_left),
        support={prep.ids[i]: (int(s) if isinstance(s, int) else float(s)) for i, s in enumerate(prep.score)},
        explanations={pid: explanations[pid] for pid in prep.ids if pid in explanations},
        steps=steps,
    )
