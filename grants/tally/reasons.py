"""Structured reasons for each project's outcome, for pages to turn into words in any language.

Every reason is a plain JSON-safe dict with a ``kind`` and the figures a sentence needs
(``grants.tally.text.describe`` turns one into English). Kinds:

* ``es_funded`` / ``es_short`` (Equal Shares): the round, the supporters' money between them
  (when it was funded, or at the end), what their equal shares had gone to instead
  (``spent_on``: ``[project id, amount]``, largest first; pabutools' "project loss"), the
  shortfall and how many more supporters with a full share would have covered it (if nothing
  else changed), and the project's effective vote count round by round (``effective``: for
  approval ballots, the cost divided by the most any supporter pays, i.e. how many supporters
  paying in full it is worth; pabutools' "effective support" uses the same price).
* ``greedy_funded`` / ``greedy_no_room``: the money left when its turn came and how many
  proposals were funded before it.
* ``phragmen_funded`` / ``phragmen_no_room`` / ``phragmen_stopped`` (sequential Phragmén): the
  round and the new max load (what each supporter had earned when it was bought); for the
  project next in line that did not fit, the money left; for the rest, where counting stopped.
* ``no_support``: nobody backed it.

A tie is recorded as ``tied_with`` (project ids with the same support, or the same price in
the same Equal Shares round) and ``tie_won`` (whether the tie-break put it first); a tie settled
in the completion step of ``equalshares+greedy`` or ``equalshares+phragmen`` also has
``tie_stage`` ("greedy" or "phragmen"), the stage that settled it. Figures are
floats or ints in the currency's smallest unit; the page formats money.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .mes import EqualShares, MESRun
from .prepare import Prepared, plain

#: Above this many (rounds x ballot entries) the round-by-round effective counts are left out
#: (``history`` is then False): they are for reading, and must not slow a big count down.
HISTORY_LIMIT = 3_000_000
#: How many other projects ``spent_on`` lists at most.
SPENT_ON_LISTED = 3
#: Two effective vote counts this close (relative) are a tie.
TIE_TOL = 1e-9


def _num(value: Any) -> int | float:
    value = plain(value)
    return value if isinstance(value, int) else float(value)


def base(prep: Prepared, i: int) -> dict[str, Any]:
    """What every reason carries: support, supporters, who could vote, cost, the ballot's word."""
    return {
        "project_id": prep.ids[i],
        "supporters": prep.supporters[i],
        "could_vote": prep.n_voters,
        "support": _num(prep.score[i]),
        "cost": _num(prep.costs[i]),
        "word": prep.word,
    }


def greedy_reason(
    prep: Prepared, i: int, *, funded: bool, remaining_before: Any, funded_before: int
) -> dict[str, Any]:
    """A greedy rule's reason: the money left when its turn came."""
    reason = base(prep, i)
    reason.update(
        kind="greedy_funded" if funded else "greedy_no_room",
        remaining_before=_num(remaining_before),
        funded_before=funded_before,
        budget=_num(prep.budget),
    )
    return reason


def phragmen_reason(prep: Prepared, i: int, kind: str, **figures: Any) -> dict[str, Any]:
    """A sequential Phragmén reason: ``kind`` and its figures (money and loads as numbers)."""
    reason = base(prep, i)
    reason["kind"] = kind
    if kind != "no_support":
        reason["budget"] = _num(prep.budget)
        reason.update({k: _num(v) for k, v in figures.items()})
    return reason


def add_greedy_ties(prep: Prepared, support: list, reasons: dict[int, dict], funded: set[int]) -> None:
    """Mark projects that shared their place in the order with a project whose outcome differed.

    ``support`` is what the greedy order compares: the support, or support per unit of cost.
    """
    levels: dict[Any, list[int]] = {}
    for i, r in reasons.items():
        if r["kind"].startswith("greedy") and support[i] > 0:
            levels.setdefault(support[i], []).append(i)
    for members in levels.values():
        if len(members) < 2 or len({i in funded for i in members}) < 2:
            continue  # no tie, or the tie-break changed nothing among them
        members.sort(key=lambda i: prep.rank[i])
        for i in members:
            reasons[i]["tied_with"] = [prep.ids[j] for j in members if j != i]
            reasons[i]["tie_won"] = i in funded


def mes_reasons(prep: Prepared, engine: EqualShares, run: MESRun, fast: Any = None) -> dict[int, dict[str, Any]]:
    """Reasons for every project of a fixed-budget Equal Shares run (replayed in floats).

    ``fast`` is the run's FloatEqualShares, if any: its per-project arrays are reused.
    """
    weights = np.asarray(prep.weights, dtype=np.float64)
    n_types = len(weights)
    share = float(run.share)
    budgets = np.full(n_types, share)
    empty_t, empty_q = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if fast is not None:  # the float engine's arrays: (type, points) per candidate, built already
        supp_t = [fast.idx.get(i, empty_t) for i in range(len(prep.ids))]
        supp_q = [
            (np.ones(len(supp_t[i])) if fast.q.get(i) is None else fast.q[i]) if i in fast.idx else empty_q
            for i in range(len(prep.ids))
        ]
    else:
        supp_t = [np.asarray([t for t, _ in s], dtype=np.int64) for s in engine.supp]
        supp_q = [np.asarray([float(q) for _, q in s], dtype=np.float64) for s in engine.supp]
    costs = [float(c) for c in prep.costs]
    cardinality = engine.cardinality
    entries = sum(len(t) for t in supp_t)
    history = len(run.rounds) * entries <= HISTORY_LIMIT
    alive = [i for i in engine.candidates if i not in set(run.winners)]
    effective: dict[int, list[float]] = {i: [] for i in engine.candidates}
    round_of: dict[int, int] = {}
    behind: dict[int, float] = {}
    ties: dict[int, set[int]] = {}
    won_ties: set[int] = set()
    n = len(prep.ids)
    proj_e = np.concatenate([np.full(len(t), i, dtype=np.int64) for i, t in enumerate(supp_t)] + [empty_t])
    type_e = np.concatenate([*supp_t, empty_t])
    # spent[k][c]: what project c's supporters paid towards winner k (pabutools' "project loss").
    spent_by: list[tuple[int, np.ndarray]] = []
    # The same entries by voter type, so a round's payers' entries are found without a pass
    # over every entry (each project's bin still adds its payers in ascending type order, as
    # a pass over all entries would: the sums are the same floats).
    by_type = np.argsort(type_e, kind="stable")
    proj_by_type = proj_e[by_type]
    type_start = np.searchsorted(type_e[by_type], np.arange(n_types + 1))
    for r, rec in enumerate(run.rounds, start=1):
        k = rec.project
        pi = float(rec.pi)
        if history:
            effective[k].append(costs[k] / pi if pi else 0.0)
            # A tie is judged on what the rule compares: the price per unit of utility (per
            # point with cardinality utilities, per point and unit of cost with cost utilities).
            rho_k = _rho(pi, costs[k], cardinality)
            still = []
            for c in alive:
                pi_c = _price_now(costs[c], budgets[supp_t[c]], supp_q[c], weights[supp_t[c]])
                if pi_c is None:
                    continue  # out of reach from this round on
                effective[c].append(costs[c] / pi_c)
                still.append(c)
                rho_c = _rho(pi_c, costs[c], cardinality)
                if abs(rho_c - rho_k) <= TIE_TOL * max(rho_c, rho_k):
                    ties.setdefault(c, set()).add(k)
                    ties.setdefault(k, set()).add(c)
                    won_ties.add(k)
            alive = still
        ts = supp_t[k]
        behind[k] = float((weights[ts] * budgets[ts]).sum())
        round_of[k] = r
        pay = np.minimum(pi * supp_q[k], budgets[ts])
        budgets[ts] = budgets[ts] - pay
        lengths = type_start[ts + 1] - type_start[ts]
        ends = np.cumsum(lengths)
        entries = np.repeat(type_start[ts] - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)
        spent_by.append((k, np.bincount(proj_by_type[entries], weights=np.repeat(pay * weights[ts], lengths),
                                        minlength=n)))
    money_now = np.bincount(proj_e, weights=(weights * budgets)[type_e], minlength=n)
    start_money = np.bincount(proj_e, weights=weights[type_e], minlength=n) * share
    # A tie matters to a project only against one whose outcome differed from its own.
    ties = {i: {j for j in js if (j in round_of) != (i in round_of)} for i, js in ties.items()}
    reasons: dict[int, dict[str, Any]] = {}
    for i in run.free:
        reasons[i] = dict(base(prep, i), kind="es_funded", round=0, money_behind=0, share=share)
    for i in range(len(prep.ids)):
        if i in reasons:
            continue
        reason = base(prep, i)
        if prep.supporters[i] == 0:
            reason["kind"] = "no_support"
            reasons[i] = reason
            continue
        reason["share"] = share
        if history and i in effective:
            reason["effective"] = [round(e, 6) for e in effective[i]]
        reason["history"] = history
        if i in round_of:
            reason.update(kind="es_funded", round=round_of[i], money_behind=behind[i],
                          most_paid=float(next(rec.pi for rec in run.rounds if rec.project == i)))
        else:
            money = float(money_now[i])
            # Largest first; equal amounts in the order the projects were bought.
            spent = sorted(((float(by[i]), k) for k, by in spent_by), key=lambda a: (-round(a[0], 6), round_of[a[1]]))
            spent = [(amount, k) for amount, k in spent if amount > 1e-9]
            shortfall = max(costs[i] - money, 0.0)
            start = float(start_money[i])
            reason.update(
                kind="es_short",
                money_left=money,
                money_at_start=start,
                spent_elsewhere=sum(a for a, _ in spent),
                spent_on=[[prep.ids[k], amount] for amount, k in spent[:SPENT_ON_LISTED]],
                shortfall=shortfall,
                more_supporters_needed=math.ceil(shortfall / share - 1e-9) if share > 0 else None,
            )
        if i in ties:
            reason["tied_with"] = [prep.ids[j] for j in sorted(ties[i], key=lambda j: prep.rank[j])]
            reason["tie_won"] = i in won_ties and i in round_of
        reasons[i] = reason
    return reasons


def _rho(pi: float, cost: float, cardinality: bool) -> float:
    """What Equal Shares compares between projects: the price per unit of utility."""
    return pi if cardinality else pi / cost


def _price_now(cost: float, budgets: np.ndarray, q: np.ndarray, w: np.ndarray) -> float | None:
    """The project's price per point now, or None if its supporters cannot pay for it.

    (Its effective vote count is the cost divided by this price.)
    """
    if float((w * budgets).sum()) < cost * (1 - 1e-12):
        return None
    order = np.argsort(budgets / q, kind="stable")
    b, q, w = budgets[order], q[order], w[order]
    paid_before = np.concatenate(([0.0], np.cumsum(w * b)[:-1]))
    weight_after = np.cumsum((w * q)[::-1])[::-1]
    pis = (cost - paid_before) / weight_after
    ok = np.nonzero(pis * q <= b * (1 + 1e-12))[0]
    pi = float(pis[ok[0]]) if len(ok) else float(pis[-1])
    return pi if pi > 0 else None
