"""Turn an Election into the compact form the rules count: indexed projects and voter types."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .model import Election, Number


def exact(value: Number) -> int | Fraction:
    """An exact rational for any number we accept (floats are taken at their exact value)."""
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    frac = Fraction(value) if not isinstance(value, Decimal) else Fraction(value)
    return frac.numerator if frac.denominator == 1 else frac


def plain(value: Number) -> int | Number:
    """Whole numbers as int (for text and JSON), anything else unchanged."""
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction | Decimal) and value == int(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Prepared:
    """Projects by index, and identical ballots merged into weighted voter types."""

    ids: list[str]
    index: dict[str, int]
    costs: list[int | Fraction]
    budget: int | Fraction
    n_voters: int
    # Voter types: identical ballots merged. types[t] is a tuple of (project index, points).
    types: list[tuple[tuple[int, int | Fraction], ...]]
    weights: list[int]
    # Per project: total points, number of ballots naming it, supporters (points > 0).
    score: list[int | Fraction]
    named: list[int]
    supporters: list[int]
    # Tie-break rank per project (lower wins), from the caller or the rule's default.
    rank: list[int]
    word: str

    def priority(self, default: Callable[[int], tuple]) -> None:
        """Set default tie ranks from a key (used when the caller gave no explicit order)."""
        order = sorted(range(len(self.ids)), key=default)
        for pos, i in enumerate(order):
            self.rank[i] = pos


def prepare(election: Election, tie_break: Sequence[str] | None) -> Prepared:
    """Index projects and merge identical ballots; reject ballots naming unknown projects."""
    ids = [p.id for p in election.projects]
    index = {pid: i for i, pid in enumerate(ids)}
    costs = [exact(p.cost) for p in election.projects]
    merged: dict[tuple, int] = {}
    by_object: dict[int, tuple] = {}
    get_key = by_object.get
    for ballot in election.ballots:
        key = get_key(id(ballot))
        if key is None:
            try:
                key = tuple(sorted([
                    (index[pid], pts if type(pts) is int else exact(pts))
                    for pid, pts in ballot.items()
                ]))
            except KeyError as exc:
                raise ValueError(f"A ballot names an unknown project {exc.args[0]!r}.") from None
            by_object[id(ballot)] = key
        merged[key] = merged.get(key, 0) + 1
    # The ballot objects are alive in election.ballots, so id() keys stay unique here.
    types = list(merged)
    weights = list(merged.values())
    n = len(ids)
    score: list[int | Fraction] = [0] * n
    named = [0] * n
    supporters = [0] * n
    for key, w in zip(types, weights, strict=True):
        for i, pts in key:
            score[i] += w * pts
            named[i] += w
            if pts > 0:
                supporters[i] += w
    rank = list(range(n))
    if tie_break is not None:
        listed = [index[pid] for pid in dict.fromkeys(tie_break) if pid in index]
        unknown = [pid for pid in tie_break if pid not in index]
        if unknown:
            raise ValueError(f"The tie-break order names unknown projects: {', '.join(unknown)}.")
        order = listed + [i for i in range(n) if i not in set(listed)]
        for pos, i in enumerate(order):
            rank[i] = pos
    word = "votes" if election.vote_type in ("approval", "choose-1") else "points"
    return Prepared(
        ids=ids,
        index=index,
        costs=costs,
        budget=exact(election.budget),
        n_voters=len(election.ballots),
        types=types,
        weights=weights,
        score=score,
        named=named,
        supporters=supporters,
        rank=rank,
        word=word,
    )
