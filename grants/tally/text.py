"""Plain-English lines for explanations; every figure is also kept in Explanation.figures."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from .prepare import Prepared


def _count(value: int | Fraction) -> str:
    """Whole numbers with thousands separators; fractions to two decimal places."""
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class Texts:
    """Sentences for one count, using the caller's money formatter and the ballot's word."""

    def __init__(self, prep: Prepared, format_money: Callable[[int], str]) -> None:
        self.prep = prep
        self._format_money = format_money
        self.word = prep.word

    def money(self, amount: int | Fraction) -> str:
        """Format an amount; a part-unit amount is rounded down to a whole unit first."""
        if isinstance(amount, Fraction) or not isinstance(amount, int):
            amount = math.floor(amount)
        return self._format_money(int(amount))

    def support(self, i: int, value: int | Fraction, average: bool = False) -> str:
        p = self.prep
        if average:
            return f"an average of {_count(value)} {self.word} from {p.named[i]:,} voters"
        if self.word == "votes":
            return f"{_count(value)} of {p.n_voters:,} votes"
        return f"{_count(value)} points from {p.supporters[i]:,} of {p.n_voters:,} voters"

    def greedy_funded(self, i: int, value: int | Fraction, remaining: int | Fraction, average: bool) -> str:
        return f"Funded: {self.support(i, value, average)}; it fitted in the remaining {self.money(remaining)}."

    def did_not_fit(self, funded: int, remaining: int | Fraction, cost: int | Fraction) -> str:
        return (
            f"Not funded: after funding {_plural(funded, 'proposal')} {self.money(remaining)} "
            f"remained, less than its {self.money(cost)}."
        )

    def stopped(self, blocker: str, funded: int, remaining: int | Fraction) -> str:
        return (
            f"Not funded: counting stopped at proposal {blocker}, the next in line, which did "
            f"not fit; after funding {_plural(funded, 'proposal')} {self.money(remaining)} "
            f"remained."
        )

    def no_support(self) -> str:
        return f"Not funded: it received no {self.word}."

    def not_positive(self, value: int | Fraction) -> str:
        return f"Not funded: its {self.word} came to {_count(value)} in total, not above zero."

    def below_threshold(self, value: int | Fraction, threshold: int | Fraction, average: bool = False) -> str:
        what = "an average of " if average else ""
        return (
            f"Not funded: it received {what}{_count(value)} {self.word}, below the minimum "
            f"of {_count(threshold)} needed."
        )
