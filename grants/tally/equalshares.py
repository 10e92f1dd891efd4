"""Equal Shares rules: plain, with Add1 completion, and Wieliczka's comparison step.

``equalshares/add1`` follows the equalshares.net compute tool (``equalSharesAdd1``):

1. start with each voter's share rounded down to a whole currency unit ("integral");
2. run MES; then repeatedly raise every voter's share by one unit, and keep the new outcome
   while it still fits the budget; stop as soon as the next outcome would not fit.

The compute tool can also stop early once an outcome is exhaustive (``exhaustive_stop``, as
pabutools' ``voter_budget_increment`` does). That variant does *not* reproduce Wieliczka 2023's
official result, while the plain loop reproduces Assen 2024, Swiecie 2023 and Wieliczka 2023,
so the plain loop is the default. No utilitarian completion follows (with it, Assen 2024
would differ from the official outcome).

``equalshares/add1-comparison`` then compares the Add1 outcome with the greedy (most votes
first, skipping what does not fit) outcome: if more voters approve strictly more projects in
the greedy outcome than in the Add1 outcome, the greedy outcome is used (the "satisfaction"
comparison step used in Wieliczka's 2023 Green Budget).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from .greedy import run_greedy
from .mes import EqualShares, MESRun, RoundRecord
from .model import Explanation, TallyResult
from .phragmen import run_phragmen
from .prepare import Prepared, greedy_default_ranks, plain, project_label
from .reasons import greedy_reason, mes_reasons
from .text import DEFAULT_HOW, Texts, describe, join_names, say


@dataclass(frozen=True)
class Add1Options:
    """Variants of the Add1 completion (equalshares.net compute tool options)."""

    integral: bool = True
    exhaustive_stop: bool = False
    increment: int = 1


ADD1 = Add1Options()
#: pabutools' ``voter_budget_increment=1``: start from the exact equal share, stop at the
#: first exhaustive outcome.
PABUTOOLS_ADD1 = Add1Options(integral=False, exhaustive_stop=True)


def add1_runs(engine: EqualShares, options: Add1Options = ADD1) -> tuple[MESRun, int]:
    """The straightforward Add1 loop in exact arithmetic; returns the run and the run count."""
    prep = engine.prep
    budget = prep.budget
    share = _start_share(engine, options)
    current = engine.run(share)
    runs = 1
    everything = len(engine.candidates) + len(engine.free)
    while True:
        spent = _total_cost(prep, current.winners)
        if options.exhaustive_stop and _is_exhaustive(prep, current.winners, spent):
            break
        if len(current.winners) == everything:
            break  # every supported project is in; more money cannot change anything
        nxt = engine.run(current.share + options.increment)
        runs += 1
        if _total_cost(prep, nxt.winners) <= budget:
            current = nxt
        else:
            break
    return current, runs


def _start_share(engine: EqualShares, options: Add1Options) -> Fraction:
    n = engine.n_weight
    share = Fraction(engine.prep.budget, n) if n else Fraction(0)
    return Fraction(math.floor(share)) if options.integral else share


def add1_share_fast(
    engine: EqualShares, options: Add1Options = ADD1, fast=None
) -> tuple[Fraction, int]:
    """The share Add1 ends with, found with the float engine and certified skips.

    Gives the same answer as :func:`add1_runs` (see fastmes.py for why); returns the share
    and the number of runs (full runs plus certificate replays) it took.
    """
    from .fastmes import FloatEqualShares, FloatRun, NeedExact

    fast = fast or FloatEqualShares(engine)
    prep = engine.prep
    start = _start_share(engine, options)
    inc = options.increment

    def run_at(j: int) -> FloatRun:
        share = start + j * inc
        try:
            return fast.run(share)
        except NeedExact:  # pragma: no cover - close calls are settled inside the run
            exact = engine.run(share, record=True)
            return FloatRun(float(share), exact.winners, [float(r.rho) for r in exact.rounds],
                            [float(r.pi) for r in exact.rounds], [], {})

    j = 0
    current = run_at(0)
    runs = 1
    step = 1  # size of the next skip to certify (1: take a plain step)
    wait = 0  # plain steps to take before trying to skip again
    backoff = 1  # grows while skips keep failing, so failed attempts stay a small share
    everything = len(engine.candidates) + len(engine.free)
    while True:
        spent = _total_cost(prep, current.winners)
        if options.exhaustive_stop and _is_exhaustive(prep, current.winners, spent):
            break
        if len(current.winners) == everything:
            break
        if step > 1 and wait == 0:
            runs += 1
            certified = fast.certify(current, float(start + (j + step) * inc))
            if certified is not None:
                j += step
                current = certified
                step *= 2
                backoff = 1
            else:
                step //= 2
                if step == 1:
                    wait = backoff
                    backoff = min(2 * backoff, 64)
            continue
        nxt = run_at(j + 1)
        runs += 1
        if _total_cost(prep, nxt.winners) > prep.budget:
            break
        j += 1
        current = nxt
        wait = max(0, wait - 1)
        step = max(step, 2)
    return start + j * inc, runs


def _record_run(engine: EqualShares, share: Fraction, fast=None) -> MESRun:
    """The run at the final share with figures for explanations (float engine if possible)."""
    try:
        from .fastmes import FloatEqualShares, NeedExact
    except ImportError:
        return engine.run(share, record=True)
    try:
        fr = (fast or FloatEqualShares(engine)).run(share, record=True)
    except NeedExact:  # pragma: no cover - close calls are settled inside the run
        return engine.run(share, record=True)
    run = MESRun(share=share, winners=fr.winners, free=list(engine.free))
    chosen = fr.winners[len(engine.free):]
    run.rounds = [
        RoundRecord(k, Fraction(pi), Fraction(rho), Fraction(money))
        for k, pi, rho, money in zip(chosen, fr.pis, fr.rhos, fr.money, strict=True)
    ]
    run.final_money = {c: Fraction(m) for c, m in fr.final_money.items()}
    return run


def _numpy_available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def _total_cost(prep: Prepared, winners: list[int]) -> int | Fraction:
    return sum((prep.costs[i] for i in winners), 0)


def _is_exhaustive(prep: Prepared, winners: list[int], spent: int | Fraction) -> bool:
    chosen = set(winners)
    return all(
        spent + prep.costs[i] > prep.budget for i in range(len(prep.ids)) if i not in chosen
    )


def run_equal_shares(
    prep: Prepared,
    rule: str,
    *,
    format_money: Callable[[int], str],
    options: Add1Options = ADD1,
) -> TallyResult:
    """Count with ``equalshares``, ``equalshares/add1`` or ``equalshares/add1-comparison``."""
    cardinality = rule == "equalshares/cardinality"
    engine = EqualShares(prep, cardinality=cardinality)
    details: dict = {}
    fast = None
    if _numpy_available() and engine.candidates and not cardinality:  # the float engine has cost utilities only
        from .fastmes import FloatEqualShares

        fast = FloatEqualShares(engine)
    if rule == "equalshares/add1-pabutools":
        options = PABUTOOLS_ADD1
    if rule in ("equalshares", "equalshares-comparison", "equalshares/cardinality") or not engine.candidates:
        share = Fraction(prep.budget, engine.n_weight) if engine.n_weight else Fraction(0)
    elif fast is not None:
        share, runs = add1_share_fast(engine, options, fast)
        details["add1_runs"] = runs
    else:
        chosen, runs = add1_runs(engine, options)
        share = chosen.share
        details["add1_runs"] = runs
    run = _record_run(engine, share, fast) if fast is not None else engine.run(share, record=True)
    details["share_per_voter"] = plain(run.share) if run.share.denominator == 1 else float(
        run.share
    )
    details["equal_share_start"] = float(Fraction(prep.budget, engine.n_weight or 1))
    result = _mes_result(prep, rule, run, format_money, engine, fast)
    result.details.update(details)
    if rule in ("equalshares/add1-comparison", "equalshares-comparison"):
        greedy = run_greedy(prep, rule, format_money=format_money)
        prefers_mes, prefers_greedy = compare_satisfaction(prep, run.winners, greedy.selected)
        result.details.update(
            {"prefer_equal_shares": prefers_mes, "prefer_greedy": prefers_greedy}
        )
        if prefers_greedy > prefers_mes:
            greedy.details.update(result.details)
            greedy.details["comparison"] = "greedy"
            return greedy
        result.details["comparison"] = rule.removesuffix("-comparison")
    return result


def compare_satisfaction(
    prep: Prepared, mes_winners: list[int], greedy_ids: list[str]
) -> tuple[int, int]:
    """How many voters approve strictly more winners under MES / under greedy."""
    mes = set(mes_winners)
    greedy = {prep.index[pid] for pid in greedy_ids}
    prefers_mes = prefers_greedy = 0
    for key, w in zip(prep.types, prep.weights, strict=True):
        a = sum(1 for i, q in key if q > 0 and i in mes)
        b = sum(1 for i, q in key if q > 0 and i in greedy)
        if a > b:
            prefers_mes += w
        elif b > a:
            prefers_greedy += w
    return prefers_mes, prefers_greedy


def _mes_result(
    prep: Prepared,
    rule: str,
    run: MESRun,
    format_money: Callable[[int], str],
    engine: EqualShares,
    fast=None,  # noqa: ANN001 - a FloatEqualShares when numpy is there
) -> TallyResult:
    texts = Texts(prep, format_money)
    reasons = mes_reasons(prep, engine, run, fast)

    def words(i: int, funded: bool) -> str:
        said = describe(reasons[i], names=lambda pid: project_label(prep, pid), format_money=format_money)
        return ("Funded: " if funded else "Not funded: ") + said
    explanations: dict[str, Explanation] = {}
    steps: list[dict] = []
    remaining = prep.budget
    share = run.share
    for pos, i in enumerate(run.free, start=1):
        pid = prep.ids[i]
        figures = {"support": plain(prep.score[i]), "supporters": prep.supporters[i],
                   "voters": prep.n_voters, "cost": 0, "selection_order": pos}
        figures["reason"] = reasons[i]
        explanations[pid] = Explanation(pid, True, words(i, True), figures)
    for r, rec in enumerate(run.rounds, start=1):
        i = rec.project
        pid = prep.ids[i]
        cost = prep.costs[i]
        remaining -= cost
        eff = 1 / rec.rho if rec.rho else 0
        figures = {
            "support": plain(prep.score[i]),
            "supporters": prep.supporters[i],
            "voters": prep.n_voters,
            "cost": plain(cost),
            "round": r,
            "selection_order": len(run.free) + r,
            "share_per_voter": float(share),
            "money_behind": float(rec.money_behind),
            "payment_per_point": float(rec.pi),
            "effective_support": float(eff),
            "remaining_after": plain(remaining),
        }
        figures["reason"] = reasons[i]
        explanations[pid] = Explanation(pid, True, words(i, True), figures)
        steps.append({"project_id": pid, "round": r, "cost": plain(cost),
                      "payment_per_point": float(rec.pi), "effective_support": float(eff)})
    for i in range(len(prep.ids)):
        pid = prep.ids[i]
        if pid in explanations:
            continue
        cost = prep.costs[i]
        figures = {
            "support": plain(prep.score[i]),
            "supporters": prep.supporters[i],
            "voters": prep.n_voters,
            "cost": plain(cost),
            "share_per_voter": float(share),
        }
        figures["reason"] = reasons[i]
        if prep.supporters[i] == 0:
            text = texts.no_support()
        else:
            money = run.final_money.get(i, Fraction(0))
            figures["money_behind"] = float(money)
            text = words(i, False)
        explanations[pid] = Explanation(pid, False, text, figures)
    spent = prep.budget - remaining
    return TallyResult(
        selected=[prep.ids[i] for i in run.winners],
        rule=rule,
        budget=plain(prep.budget),
        spent=plain(spent),
        support={prep.ids[i]: (int(s) if isinstance(s, int) else float(s))
                 for i, s in enumerate(prep.score)},
        explanations={pid: explanations[pid] for pid in prep.ids},
        steps=steps,
    )


def complete_with_greedy(
    prep: Prepared, rule: str, *, format_money: Callable[[int], str], tie_break_given: bool
) -> TallyResult:
    """Equal Shares at a fixed budget, then greedy (most support first) with what is left."""
    mes = run_equal_shares(prep, "equalshares", format_money=format_money)
    first = [prep.index[pid] for pid in mes.selected]
    chosen = set(first)
    left = prep.budget - sum((prep.costs[i] for i in first), 0)
    mes_rank = list(prep.rank)
    if not tie_break_given:
        greedy_default_ranks(prep)
    order = sorted(range(len(prep.ids)), key=lambda i: (-prep.score[i], prep.rank[i]))
    greedy_rank = list(prep.rank)
    prep.rank[:] = mes_rank
    texts = Texts(prep, format_money)
    added: list[int] = []
    explanations = dict(mes.explanations)
    for i in order:
        if i in chosen or prep.supporters[i] == 0 or prep.score[i] <= 0:
            continue
        pid = prep.ids[i]
        figures = dict(mes.explanations[pid].figures, completion="greedy", remaining_before=plain(left))
        if prep.costs[i] <= left:
            figures["reason"] = dict(
                greedy_reason(prep, i, funded=True, remaining_before=left, funded_before=len(first) + len(added)),
                kind="completed_funded",
            )
            text = texts.greedy_funded(i, prep.score[i], left, False)
            left -= prep.costs[i]
            added.append(i)
            figures["remaining_after"] = plain(left)
            text = text.replace("Funded:", "Funded after Equal Shares, by greedy completion:", 1)
            explanations[pid] = Explanation(pid, True, text, figures)
        else:
            figures["stage"] = "greedy"
            explanations[pid] = Explanation(pid, False, mes.explanations[pid].text, figures)
    _mark_completion_ties(prep, order, chosen, set(added), greedy_rank, explanations, format_money)
    selected = mes.selected + [prep.ids[i] for i in added]
    details = dict(mes.details, equal_shares=list(mes.selected), completed_by_greedy=[prep.ids[i] for i in added])
    return TallyResult(
        selected=selected,
        rule=rule,
        budget=plain(prep.budget),
        spent=plain(prep.budget - left),
        support=mes.support,
        explanations=explanations,
        steps=mes.steps + [{"project_id": prep.ids[i], "stage": "greedy"} for i in added],
        details=details,
    )


def _mark_completion_ties(
    prep: Prepared,
    order: list[int],
    before: set[int],
    added: set[int],
    rank: list[int],
    explanations: dict[str, Explanation],
    format_money: Callable[[int], str],
) -> None:
    """Tell the projects of the greedy completion that tied (the same support) with one whose
    outcome differed: ``tied_with``, ``tie_won`` and ``tie_stage`` ("greedy") in the reason.

    A tie the Equal Shares stage saw stays in the reason too (the names are merged).
    """
    levels: dict = {}
    for i in order:
        if i in before or prep.supporters[i] == 0 or prep.score[i] <= 0:
            continue
        levels.setdefault(prep.score[i], []).append(i)
    for members in levels.values():
        if len(members) < 2 or len({i in added for i in members}) < 2:
            continue  # no tie, or the tie-break changed nothing among them
        members.sort(key=lambda i: rank[i])
        for i in members:
            pid = prep.ids[i]
            won = i in added
            others = [prep.ids[j] for j in members if (j in added) != won]
            why = explanations[pid]
            figures = dict(why.figures)
            reason = figures["reason"] = dict(figures["reason"])
            reason["tied_with"] = list(dict.fromkeys([*(reason.get("tied_with") or []), *others]))
            reason["tie_won"] = won
            reason["tie_stage"] = "greedy"
            figures["tied_with"] = others
            if won:
                text = f"{why.text.rstrip()} " + say(
                    "tie_won", names=join_names([project_label(prep, p) for p in others]), how=DEFAULT_HOW
                )
            else:
                said = describe(reason, names=lambda p: project_label(prep, p), format_money=format_money)
                text = "Not funded: " + said
            explanations[pid] = Explanation(pid, why.funded, text, figures)


def complete_with_phragmen(prep: Prepared, rule: str, *, format_money: Callable[[int], str]) -> TallyResult:
    """Equal Shares at a fixed budget, then sequential Phragmén with what is left (loads from zero)."""
    mes = run_equal_shares(prep, "equalshares", format_money=format_money)
    first = [prep.index[pid] for pid in mes.selected]
    mes_rank = list(prep.rank)
    more = run_phragmen(prep, rule, format_money=format_money, initial=first)
    prep.rank[:] = mes_rank
    explanations = dict(mes.explanations)
    for pid, why in more.explanations.items():
        if why.funded:
            figures = dict(why.figures, completion="phragmen")
            figures["reason"] = dict(why.figures["reason"], completion="phragmen")
            if figures["reason"].get("tied_with"):
                figures["reason"]["tie_stage"] = "phragmen"
            text = why.text.replace("Funded in round", "Funded after Equal Shares, by Phragmén completion, in round", 1)
            explanations[pid] = Explanation(pid, True, text, figures)
        else:
            figures = dict(mes.explanations[pid].figures, stage="phragmen")
            # Equal Shares' reason stays; a tie the completion settled against it is added.
            later = why.figures.get("reason") or {}
            if later.get("tied_with") and figures.get("reason"):
                reason = figures["reason"] = dict(figures["reason"])
                reason["tied_with"] = list(dict.fromkeys([*reason.get("tied_with", []), *later["tied_with"]]))
                reason["tie_won"] = False
                reason["tie_stage"] = "phragmen"
                said = describe(reason, names=lambda p: project_label(prep, p), format_money=format_money)
                explanations[pid] = Explanation(pid, False, "Not funded: " + said, figures)
                continue
            explanations[pid] = Explanation(pid, False, mes.explanations[pid].text, figures)
    added = [pid for pid in more.selected if pid not in set(mes.selected)]
    details = dict(mes.details, equal_shares=list(mes.selected), completed_by_phragmen=added)
    return TallyResult(
        selected=mes.selected + added,
        rule=rule,
        budget=plain(prep.budget),
        spent=more.spent,
        support=mes.support,
        explanations={pid: explanations[pid] for pid in prep.ids},
        steps=mes.steps + [{"project_id": pid, "stage": "phragmen"} for pid in added],
        details=details,
    )
