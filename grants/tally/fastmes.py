"""A fast path for Equal Shares: floating point with guarded decisions, and safe Add1 skips.

Only used when numpy is installed; results are identical to the exact engine (mes.py):

* Every *decision* (is a project affordable? which project has the smallest price?) is
  taken only when the float values differ by more than a relative margin ``TOL`` (1e-9),
  far above the rounding error of these sums (about 1e-13 here). A closer call raises
  ``NeedExact`` and the caller recomputes that run in exact fractions. Whether a supporter
  pays in full or pays the equal part needs no guard: at the boundary both give the same
  price, so a rounding slip there moves the price by a rounding error only.

* Add1 skips ahead with a certificate. For a fixed order of selections, every voter's
  remaining budget is a non-decreasing function of the starting share, so every price is
  non-increasing and every pot of money non-decreasing. Replaying the selections of the
  run at share ``s`` with share ``s2 > s``: if in every round each other still-affordable
  project's price at ``s2`` is above the winner's price at ``s``, and at the end nothing
  is affordable at ``s2``, then every share in ``[s, s2]`` gives the same outcome, so the
  straightforward one-unit-at-a-time loop would accept each of those steps in turn.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .mes import EqualShares, split_price

TOL = 1e-9
#: Whether close calls raise NeedExact. Only scripts/bench_tally turns it off, to time the
#: float-only floor that the guarded engine is compared with; results then may differ.
GUARD = True

# Reductions are called as ufunc methods: the ndarray methods (.sum(), .min()) add a Python
# wrapper call each, and an Add1 count makes tens of thousands of them.
_sum = np.add.reduce
_min = np.minimum.reduce

# Sums are taken as (x * y).sum(), never np.dot: dot goes through a threaded BLAS whose
# spinning threads made runs 5-10x slower on a busy two-core machine.


class NeedExact(Exception):
    """A decision was too close to call in floating point."""


class _Shadow:
    """The exact budgets of one run, kept only once a close call needs them.

    Built by replaying the run's winners so far exactly (one exact price per round, not a
    full exact run); from then on only the winners' payments and the close calls themselves
    are computed in fractions, so a tie costs about one exact pricing per round.
    """

    def __init__(self, exact: EqualShares, share: Fraction, winners: list[int]) -> None:
        self.exact = exact
        self.group_budget: list[Fraction] = [share]
        self.group_of: dict[Fraction, int] = {share: 0}
        self.type_group = [0] * len(exact.prep.weights)
        # Prices by what they depend on (the cost and the supporters' weight per budget group
        # and points; a group's budget never changes): in a tie-heavy election many projects
        # share them, and a project whose supporters did not pay keeps its price.
        self.prices: dict[tuple, Fraction | None] = {}
        for k in winners:
            self.pay(k, self.price(k))

    def _agg(self, c: int) -> dict:
        weights = self.exact.prep.weights
        type_group = self.type_group
        agg: dict = {}
        for t, q in self.exact.supp[c]:
            key = (type_group[t], q)
            agg[key] = agg.get(key, 0) + weights[t]
        return agg

    def price(self, c: int) -> Fraction | None:
        """Exact price per point of project c, or None if its supporters cannot pay for it."""
        agg = self._agg(c)
        cost = self.exact.prep.costs[c]
        key = (cost, *sorted(agg.items()))
        if key in self.prices:
            return self.prices[key]
        money = sum((w * self.group_budget[g] for (g, _q), w in agg.items()), Fraction(0))
        pi = None if money < cost else split_price(agg, self.group_budget, cost, self.exact.approval_like)
        self.prices[key] = pi
        return pi

    def pay(self, k: int, pi: Fraction | None) -> None:
        if pi is None:  # pragma: no cover - a winner is always affordable
            raise NeedExact
        moved: dict = {}
        for t, q in self.exact.supp[k]:
            g = self.type_group[t]
            ng = moved.get((g, q))
            if ng is None:
                left = self.group_budget[g] - pi * q
                if left < 0:
                    left = Fraction(0)
                ng = self.group_of.get(left)
                if ng is None:
                    ng = len(self.group_budget)
                    self.group_budget.append(left)
                    self.group_of[left] = ng
                moved[(g, q)] = ng
            self.type_group[t] = ng


@dataclass
class FloatRun:
    """Selections of one run, with the price per unit of utility paid in each round."""

    share: float
    winners: list[int]
    rhos: list[float]
    pis: list[float]
    money: list[float]
    final_money: dict[int, float]


class FloatEqualShares:
    """Equal Shares on numpy arrays; voter types are the rows."""

    def __init__(self, exact: EqualShares) -> None:
        prep = exact.prep
        self.exact = exact
        self.prep = prep
        self.weights = np.asarray(prep.weights, dtype=np.float64)
        self.costs = [float(c) for c in prep.costs]
        self.candidates = list(exact.candidates)
        self.free = list(exact.free)
        self.idx: dict[int, np.ndarray] = {}
        self.q: dict[int, np.ndarray | None] = {}
        self.w: dict[int, np.ndarray] = {}
        self.total_wq: dict[int, float] = {}
        self.total_w: dict[int, float] = {}
        self.pair: dict[int, np.ndarray] = {}
        # Scratch rows per project for the capping loop: 1.0 where a supporter is capped, and
        # a product before it is summed.
        self.mask: dict[int, np.ndarray] = {}
        self.tmp: dict[int, np.ndarray] = {}
        # One flat (project, type, points) table, split by project: cheaper than per-project
        # Python loops on large files.
        proj, rows, pts, _ = prep.type_arrays()
        positive = pts > 0
        proj, rows, pts = proj[positive], rows[positive], pts[positive]
        if len(proj):
            order = np.argsort(proj, kind="stable")
            proj, rows, pts = proj[order], rows[order], pts[order]
            bounds = np.searchsorted(proj, np.arange(len(prep.ids) + 1))
        for c in self.candidates:
            lo, hi = int(bounds[c]), int(bounds[c + 1])
            self.idx[c] = rows[lo:hi]
            qs = pts[lo:hi]
            self.w[c] = self.weights[self.idx[c]]
            self.q[c] = None if bool(np.all(qs == 1.0)) else qs
            self.total_wq[c] = float((self.w[c] * qs).sum())
            self.total_w[c] = float(self.w[c].sum())  # at most this times the share, ever
            # Scratch rows reused by every pricing of c: row 0 takes w * b (or w * b / q, the
            # money per point), row 1 holds w * q, so one masked reduction sums both.
            pair = np.empty((2, hi - lo))
            pair[1] = self.w[c] * qs
            self.pair[c] = pair
            self.mask[c] = np.empty(hi - lo)
            self.tmp[c] = np.empty(hi - lo)
        self.rank = prep.rank
        self.first_rho = {c: 1.0 / float(exact.total_points[c]) for c in self.candidates}
        self._guesses: dict[tuple[int, int], float] = {}
        # The budgets each project's supporters had when it was last priced, until the next
        # payment (run and certify clear it when they start on fresh budgets).
        self._gathered: dict[int, np.ndarray] = {}

    def _price(
        self, c: int, budgets: np.ndarray, need_money: bool = True, floor: float = 0.0,
        guess: float | None = None, beat: float | None = None,
    ) -> tuple[float, float | None] | None:
        """(price per point, money behind) or None if surely unaffordable.

        With ``need_money=False`` the money is left out (0.0) when nobody is capped at the
        equal split: then every supporter can pay it, so the project is affordable with a
        margin (checked against TOL) and the price is the equal split, found with one
        comparison instead of three sums. ``floor`` is a price per point known not to be above
        the price now (the price this run found before: prices only rise within a run); the
        search starts there, which saves steps.

        ``guess`` is any price per point believed close (the one found in the same round of
        the run at the previous share). One step from it gives a floor for the price (see
        below): if that floor is above ``beat`` (a price per point the project must not
        exceed to matter this round), the answer is ``(floor, None)``: no price, only a
        floor, and nothing said about affordability. Otherwise the search goes on from
        there; a poor guess costs time, never a different answer.
        """
        cost = self.costs[c]
        b = self._gathered[c] = budgets[self.idx[c]]
        q = self.q[c]
        ratio = b if q is None else b / q
        lowest = float(_min(ratio))
        total_wq = self.total_wq[c]
        pi = cost / total_wq
        if not need_money and lowest >= pi * (1 + 4 * TOL):
            return pi, 0.0
        pair = self.pair[c]
        wb = np.multiply(self.w[c], b, out=pair[0])
        # The price solves sum(w * min(b, pi * q)) = cost: with C the supporters capped at pi
        # (ratio < pi), pi = f(C) = (cost - sum_C w * b) / (total_wq - sum_C w * q). The
        # solution is unique, so any pi with f(C(pi)) = pi is it. And for any x, f(C(x)) is at
        # most the price: whoever C(x) caps though they could pay the price pays more than it,
        # and whoever it leaves uncapped though they cannot is counted for more than they
        # have, so the rest are left less to pay. So the search starts from the equal split
        # (or the floor, or one step from the guess) and caps everyone who cannot pay it;
        # capping raises the price, so it repeats until no new supporter is capped (the
        # capped set only grows, so this ends).
        wq = pair[1]
        mask = self.mask[c]
        tmp = self.tmp[c]

        def weight_capped(p: float) -> float:  # sum_C(p) w * q, leaving C(p) in mask
            np.less(ratio, p, out=mask)
            return float(_sum(np.multiply(mask, wq, out=tmp)))

        def price_from_mask(wq_c: float) -> float:  # f(C) for the C in mask
            return (cost - float(_sum(np.multiply(mask, wb, out=tmp)))) / (total_wq - wq_c)

        pi = max(pi, floor * (1 - 1e-12))  # a little below the floor: rounding cannot pass it
        n_capped = -1.0
        if guess is not None and lowest < pi:
            wq_g = weight_capped(guess)
            if wq_g < total_wq:
                p = price_from_mask(wq_g)
                if beat is not None and p > beat:
                    return p, None
                if p > pi:
                    # If C(p) is C(guess) again, p = f(C(p)) is the price: the very float the
                    # loop ends with, f of that set summed the same way.
                    pi, n_capped = p, wq_g
        money = float(_sum(wb))
        if money < cost * (1 - TOL):
            return None
        if money <= cost * (1 + TOL) and GUARD:
            raise NeedExact
        if lowest >= pi:
            return pi, money
        while True:
            wq_capped = weight_capped(pi)
            if wq_capped == n_capped:
                return pi, money
            n_capped = wq_capped
            pi = price_from_mask(wq_capped)

    def _pay(self, k: int, pi: float, budgets: np.ndarray) -> None:
        rows = self.idx[k]
        q = self.q[k]
        # The winner's budgets as its pricing this round read them (nothing has paid since),
        # else read now.
        b = self._gathered.get(k)
        left = np.subtract(budgets[rows] if b is None else b, pi if q is None else pi * q)
        np.maximum(left, 0.0, out=left)
        budgets[rows] = left
        self._gathered.clear()

    def run(self, share: float | Fraction, *, record: bool = False) -> FloatRun:
        """One run in floats; a close call is settled exactly for the projects in it only."""
        budgets = np.full(len(self.weights), float(share))
        self._gathered.clear()
        prev = dict(self.first_rho)
        remaining = set(self.candidates)
        winners = list(self.free)
        rhos: list[float] = []
        pis: list[float] = []
        moneys: list[float] = []
        final_money: dict[int, float] = {}
        rank = self.rank
        shadow: _Shadow | None = None
        exact_pi: dict[int, Fraction | None] = {}

        def settle(c: int) -> Fraction | None:
            nonlocal shadow
            if shadow is None:
                shadow = _Shadow(self.exact, Fraction(share), winners[len(self.free):])
            if c not in exact_pi:
                exact_pi[c] = shadow.price(c)
            return exact_pi[c]

        if not record:
            # A project whose supporters together start with less than its cost never becomes
            # affordable: leave it out (with a margin over rounding; the figures a recorded
            # run gives for it are kept as they were).
            total, costs, start = self.total_w, self.costs, float(share)
            remaining = {c for c in remaining if total[c] * start >= costs[c] * (1 - TOL)}
        # Prices found in each round of the previous run (the previous Add1 share): tried first
        # as guesses, which saves most of the capping loop (see _price).
        guesses = self._guesses
        found: dict[tuple[int, int], float] = {}
        self._guesses = found
        # Candidates by their last price per unit of utility (a lower bound: prices only rise
        # within a run), then rank; a heap, so a round looks at the few it needs, unsorted.
        heap = [(prev[c], rank[c], c) for c in remaining]
        heapq.heapify(heap)
        while heap:
            best = None
            best_rho = 0.0
            seen: dict[int, tuple[float, float, float]] = {}
            exact_pi.clear()
            r = len(rhos)
            while heap:
                if best is not None and heap[0][0] > best_rho * (1 + TOL):
                    break
                c = heapq.heappop(heap)[2]
                guess = guesses.get((r, c)) or guesses.get((r - 1, c)) or guesses.get((r + 1, c))
                # Without figures to record, a project only needs a price if it may win this
                # round: a floor above the best so far settles that it does not.
                beat = best_rho * (1 + TOL) * self.costs[c] if best is not None and not record else None
                try:
                    got = self._price(c, budgets, record, prev[c] * self.costs[c], guess, beat)
                    if got is not None and got[1] is None:
                        if got[0] / self.costs[c] > best_rho * (1 + TOL):
                            # Only a floor, above the best so far: back in the heap with it.
                            found[(r, c)] = got[0]
                            prev[c] = max(prev[c], got[0] / self.costs[c])
                            heapq.heappush(heap, (prev[c], rank[c], c))
                            continue
                        got = self._price(c, budgets, record, prev[c] * self.costs[c], guess)
                except NeedExact:
                    pi_exact = settle(c)
                    got = None if pi_exact is None else (float(pi_exact), float(self.costs[c]))
                if got is None:
                    remaining.discard(c)
                    if record:
                        final_money[c] = float((self.w[c] * budgets[self.idx[c]]).sum())
                    continue
                pi, money = got
                found[(r, c)] = pi
                rho = pi / self.costs[c]
                prev[c] = rho
                seen[c] = (rho, pi, money)
                if best is None or rho < best_rho:
                    best, best_rho = c, rho
            if best is None:
                break
            near = [c for c, (rho, _, _) in seen.items() if rho <= best_rho * (1 + TOL)]
            if len(near) > 1 and GUARD:
                # Too close for floats: compare exactly, and only these projects.
                best = min(near, key=lambda c: (settle(c) / self.exact.prep.costs[c], rank[c]))
            for c in seen:
                if c != best:
                    heapq.heappush(heap, (prev[c], rank[c], c))
            best_rho, best_pi, best_money = seen[best]
            winners.append(best)
            remaining.discard(best)
            rhos.append(best_rho)
            pis.append(best_pi)
            moneys.append(best_money)
            if shadow is not None:
                pi_exact = settle(best)
                shadow.pay(best, pi_exact)
                best_pi = float(pi_exact)
            self._pay(best, best_pi, budgets)
        return FloatRun(float(share), winners, rhos, pis, moneys, final_money)

    def certify(self, base: FloatRun, share: float) -> FloatRun | None:
        """Replay base's selections at a larger share; the run there if the outcome is
        provably the same for every share in between, else None."""
        budgets = np.full(len(self.weights), float(share))
        self._gathered.clear()
        prev = dict(self.first_rho)
        remaining = set(self.candidates)
        rank = self.rank
        rhos: list[float] = []
        pis: list[float] = []
        moneys: list[float] = []
        selections = base.winners[len(self.free) :]
        try:
            for k, rho_k in zip(selections, base.rhos, strict=True):
                limit = rho_k * (1 + TOL)
                own = self._price(k, budgets, False)
                if own is None:
                    return None
                pi_k, money_k = own
                for c in sorted(remaining, key=lambda c: (prev[c], rank[c])):
                    if prev[c] > limit:
                        break
                    if c == k:
                        continue
                    got = self._price(c, budgets, False)
                    if got is None:
                        remaining.discard(c)
                        continue
                    rho = got[0] / self.costs[c]
                    prev[c] = rho
                    if rho <= limit:
                        return None
                remaining.discard(k)
                rhos.append(pi_k / self.costs[k])
                pis.append(pi_k)
                moneys.append(money_k)
                self._pay(k, pi_k, budgets)
            for c in remaining:
                money = float((self.w[c] * budgets[self.idx[c]]).sum())
                if money >= self.costs[c] * (1 - TOL):
                    return None
        except NeedExact:
            return None
        return FloatRun(float(share), list(base.winners), rhos, pis, moneys, {})
