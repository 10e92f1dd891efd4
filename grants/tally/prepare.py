"""Turn an Election into the compact form the rules count: indexed projects and voter types."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .compact import CompactBallots
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
    # Per project: total points, number of ballots naming it, supporters (points > 0).
    score: list[int | Fraction]
    named: list[int]
    supporters: list[int]
    # Tie-break rank per project (lower wins), from the caller or the rule's default.
    rank: list[int]
    word: str
    # Distinct ballot objects and how many voters each stands for; merged into voter types
    # (``types``/``weights``) only when a rule asks, since greedy needs only the totals above.
    source: list[tuple[Mapping[str, Number], int]] = field(default_factory=list, repr=False)
    # Or, for approval ballots read compactly, the CompactBallots and their weights.
    compact: tuple[CompactBallots, list[int]] | None = field(default=None, repr=False)
    _types: list[tuple[tuple[int, int | Fraction], ...]] | None = field(default=None, repr=False)
    _weights: list[int] | None = field(default=None, repr=False)
    # The voter types as flat arrays: (project, type, points as float) per entry, and the
    # weight per type; built in numpy for compact ballots, so the float engines never need
    # a Python tuple per ballot.
    _arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    # Per project: its name from the file ("" if none), for sentences that name other projects.
    names: list[str] = field(default_factory=list, repr=False)

    @property
    def types(self) -> list[tuple[tuple[int, int | Fraction], ...]]:
        """Voter types: identical ballots merged; each a sorted tuple of (project index, points)."""
        if self._types is None:
            if self.compact is not None:
                proj, rows, _pts, weights = self.type_arrays()
                bounds = np.searchsorted(rows, np.arange(len(weights) + 1)).tolist()
                flat = proj.tolist()
                self._types = [tuple([(i, 1) for i in flat[bounds[t]:bounds[t + 1]]]) for t in range(len(weights))]
            else:
                self._merge()
        return self._types  # type: ignore[return-value]

    @property
    def weights(self) -> list[int]:
        """How many voters cast each voter type's ballot."""
        if self._weights is None:
            if self.compact is not None:
                self._weights = self.type_arrays()[3].tolist()
            else:
                self._merge()
        return self._weights  # type: ignore[return-value]

    def type_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The voter types as arrays: (project, type, points) per entry, ascending by type and
        project within a type, and the weight per type (int64); in the order of ``types``."""
        if self._arrays is None:
            if self.compact is not None:
                self._arrays = _merge_compact(*self.compact, len(self.ids))
            else:
                flat = [(i, t, float(q)) for t, key in enumerate(self.types) for i, q in key]
                self._arrays = (
                    np.fromiter((f[0] for f in flat), dtype=np.int64, count=len(flat)),
                    np.fromiter((f[1] for f in flat), dtype=np.int64, count=len(flat)),
                    np.fromiter((f[2] for f in flat), dtype=np.float64, count=len(flat)),
                    np.asarray(self.weights, dtype=np.int64),
                )
        return self._arrays

    def _merge(self) -> None:
        index = self.index
        merged: dict[tuple, int] = {}
        for ballot, weight in self.source:
            key = tuple(sorted([(index[pid], pts if type(pts) is int else exact(pts)) for pid, pts in ballot.items()]))
            merged[key] = merged.get(key, 0) + weight
        self._types = list(merged)
        self._weights = list(merged.values())

    def incidence(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who supports what as arrays: (project per entry, row per entry, weight per row).

        Rows are voter types (or, for compact ballots, distinct ballots); an entry is a row
        giving a project positive points.
        """
        if self.compact is not None and self._arrays is None:
            # Not merged yet, and not needed for this: the ballots as they were read.
            ballots, weights = self.compact
            rows = np.repeat(np.arange(len(ballots), dtype=np.int64), ballots.lengths())
            return ballots.idx, rows, np.asarray(weights, dtype=np.int64)
        proj, rows, pts, weights = self.type_arrays()
        if self.compact is None:
            positive = pts > 0
            proj, rows = proj[positive], rows[positive]
        return proj, rows, weights

    def priority(self, default: Callable[[int], tuple]) -> None:
        """Set default tie ranks from a key (used when the caller gave no explicit order)."""
        order = sorted(range(len(self.ids)), key=default)
        for pos, i in enumerate(order):
            self.rank[i] = pos


def _merge_compact(
    ballots: CompactBallots, weights: Sequence[int], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge compact approval ballots naming the same projects (in any order), in numpy.

    Types come in the order of their first ballot, each with its projects ascending.
    """
    lens = ballots.lengths()
    offsets = ballots.offsets
    owner = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    code = owner * max(n, 1) + ballots.idx
    code.sort()  # ballots stay in order, each one's projects ascending
    idx = code - owner * max(n, 1)
    longest = int(lens.max()) if len(lens) else 0
    bits = max(n, 1).bit_length()
    if longest * bits <= 63:
        # Each ballot as one number: its projects (plus one) in fixed-width bit fields. Sums
        # wrap around in uint64, but a difference of two prefix sums is still exact.
        pos = (np.arange(len(idx), dtype=np.int64) - np.repeat(offsets[:-1], lens)).astype(np.uint64)
        part = (idx + 1).astype(np.uint64) << (pos * np.uint64(bits))
        prefix = np.zeros(len(idx) + 1, dtype=np.uint64)
        np.cumsum(part, out=prefix[1:])
        key = prefix[offsets[1:]] - prefix[offsets[:-1]]
    else:  # pragma: no cover - ballots too long for one number: tuples as keys
        flat = idx.tolist()
        bounds = offsets.tolist()
        seen: dict[tuple, int] = {}
        key = np.fromiter((seen.setdefault(tuple(flat[bounds[b]:bounds[b + 1]]), len(seen))
                           for b in range(len(lens))), dtype=np.int64, count=len(lens))
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=np.asarray(weights, dtype=np.float64))
    order = np.argsort(first, kind="stable")
    reps = first[order]
    type_weights = np.rint(merged[order]).astype(np.int64)
    rep_lens = lens[reps]
    starts = np.repeat(offsets[reps] - np.concatenate(([0], np.cumsum(rep_lens)[:-1])), rep_lens)
    take = starts + np.arange(int(rep_lens.sum()), dtype=np.int64)
    proj = idx[take]
    rows = np.repeat(np.arange(len(reps), dtype=np.int64), rep_lens)
    return proj, rows, np.ones(len(proj), dtype=np.float64), type_weights


def prepare(election: Election, tie_break: Sequence[str] | None) -> Prepared:
    """Index projects and merge identical ballots; reject ballots naming unknown projects."""
    ids = [p.id for p in election.projects]
    index = {pid: i for i, pid in enumerate(ids)}
    costs = [exact(p.cost) for p in election.projects]
    ballots = election.ballots
    n = len(ids)
    compact = None
    if isinstance(ballots, CompactBallots):
        weights = election.weights or [1] * len(ballots)
        compact = (ballots, weights)
        totals = ballots.totals(weights, n)
        score: list[int | Fraction] = list(totals)
        named = list(totals)
        supporters = list(totals)
        source: list = []
    elif election.weights is None:
        # Ballots read from a file share one dict per distinct vote: count the objects.
        objects = dict(zip(map(id, ballots), ballots, strict=True))
        source = [(objects[key], n) for key, n in Counter(map(id, ballots)).items()]
    else:
        source = list(zip(ballots, election.weights, strict=True))
    if compact is None:
        score = [0] * n
        named = [0] * n
        supporters = [0] * n
    for ballot, w in source:
        for pid, pts in ballot.items():
            try:
                i = index[pid]
            except KeyError:
                raise ValueError(f"A ballot names an unknown project {pid!r}.") from None
            if type(pts) is not int:
                pts = exact(pts)
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
        n_voters=election.n_voters,
        score=score,
        named=named,
        supporters=supporters,
        rank=rank,
        word=word,
        source=source,
        compact=compact,
        names=[p.name for p in election.projects],
    )


def project_label(prep: Prepared, pid: str) -> str:
    """How the engine's own sentences name a project: its name, else "proposal <id>"."""
    i = prep.index.get(pid)
    name = prep.names[i] if i is not None and i < len(prep.names) else ""
    return f"“{name}”" if name else f"proposal {pid}"


def greedy_default_ranks(prep: Prepared) -> None:
    """Greedy's tie-break when none is given: the cheaper project, then the earlier one in the list."""
    prep.priority(lambda i: (prep.costs[i], i))
