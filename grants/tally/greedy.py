"""Greedy counting: fund the most supported proposals, in order, while the money lasts."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from .model import Explanation, TallyResult
from .prepare import Prepared, plain
from .reasons import add_greedy_ties, base, greedy_reason
from .text import Texts


def greedy_order(prep: Prepared, support: list) -> list[int]:
    """Projects by support (highest first); ties go to the better tie-break rank."""
    return sorted(range(len(prep.ids)), key=lambda i: (-support[i], prep.rank[i]))


def run_greedy(
    prep: Prepared,
    rule: str,
    *,
    support: list[int | Fraction] | None = None,
    skip: bool = True,
    threshold: int | Fraction | None = None,
    format_money: Callable[[int], str],
    average: bool = False,
    per_cost: bool = False,
) -> TallyResult:
    """Greedy with skipping (``greedy``), stopping (``greedy-no-skip``) or a support threshold.

    A project with no support (or, on score ballots, a total that is not positive) is never
    funded. With a threshold, a project whose support is
    below it is passed over, as Pabulib's ``greedy-threshold`` and ``min_project_score_threshold``
    describe.
    """
    support = prep.score if support is None else support
    texts = Texts(prep, format_money)
    # What the order compares (and so what a tie is): the support, or support per unit of cost
    # (a free project with support comes first).
    key = support
    if per_cost:
        big = sum(support) + 1
        key = [Fraction(support[i]) / prep.costs[i] if prep.costs[i] else big for i in range(len(prep.ids))]
    order = greedy_order(prep, key)
    remaining = prep.budget
    selected: list[int] = []
    explanations: dict[str, Explanation] = {}
    steps: list[dict] = []
    stopped_by: int | None = None
    reasons: dict[int, dict] = {}
    for position, i in enumerate(order, start=1):
        pid = prep.ids[i]
        cost = prep.costs[i]
        figures = {
            "support": plain(support[i]),
            "supporters": prep.supporters[i],
            "voters": prep.n_voters,
            "cost": plain(cost),
            "position": position,
            "remaining_before": plain(remaining),
            "funded_before": len(selected),
        }
        if average:
            figures["scored_by"] = prep.named[i]
        if per_cost and cost:
            figures["support_per_cost"] = float(Fraction(support[i]) / cost)
        if threshold is not None:
            figures["threshold"] = plain(threshold)
        if prep.supporters[i] == 0 or support[i] <= 0:
            # Nobody gave it positive points, or (score ballots) the total is not positive.
            text = texts.no_support() if prep.supporters[i] == 0 else texts.not_positive(support[i])
            figures["reason"] = dict(base(prep, i), kind="no_support" if prep.supporters[i] == 0 else "not_positive")
            explanations[pid] = Explanation(pid, False, text, figures)
            continue
        if stopped_by is not None:
            figures["stopped_by"] = prep.ids[stopped_by]
            text = texts.stopped(prep.ids[stopped_by], len(selected), remaining)
            figures["reason"] = dict(base(prep, i), kind="greedy_stopped", stopped_by=prep.ids[stopped_by],
                                     remaining_before=plain(remaining), funded_before=len(selected))
            explanations[pid] = Explanation(pid, False, text, figures)
            continue
        if threshold is not None and support[i] < threshold:
            text = texts.below_threshold(support[i], threshold, average)
            figures["reason"] = dict(base(prep, i), kind="below_threshold", threshold=float(threshold))
            explanations[pid] = Explanation(pid, False, text, figures)
            continue
        if cost <= remaining:
            text = texts.greedy_funded(i, support[i], remaining, average)
            reasons[i] = figures["reason"] = greedy_reason(
                prep, i, funded=True, remaining_before=remaining, funded_before=len(selected))
            remaining -= cost
            selected.append(i)
            figures["remaining_after"] = plain(remaining)
            figures["selection_order"] = len(selected)
            explanations[pid] = Explanation(pid, True, text, figures)
            steps.append({"project_id": pid, "cost": plain(cost), "remaining": plain(remaining)})
            continue
        text = texts.did_not_fit(len(selected), remaining, cost)
        reasons[i] = figures["reason"] = greedy_reason(
            prep, i, funded=False, remaining_before=remaining, funded_before=len(selected))
        explanations[pid] = Explanation(pid, False, text, figures)
        if not skip:
            stopped_by = i
    add_greedy_ties(prep, key, reasons, set(selected))
    spent = prep.budget - remaining
    return TallyResult(
        selected=[prep.ids[i] for i in selected],
        rule=rule,
        budget=plain(prep.budget),
        spent=plain(spent),
        support={prep.ids[i]: _num(support[i]) for i in range(len(prep.ids))},
        explanations={pid: explanations[pid] for pid in prep.ids},
        steps=steps,
    )


def _num(value: int | Fraction) -> float:
    return int(value) if isinstance(value, int) else float(value)
