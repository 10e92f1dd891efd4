"""Approval ballots held as flat arrays: what a large file becomes when only the count matters.

``CompactBallots`` is a read-only sequence of ``{project id: 1}`` dicts (so everything that
reads ``Election.ballots`` keeps working), but it stores one array of project indices and one
of offsets, so a million ballots take a few megabytes and per-project totals are one
``bincount``. Dicts are made only when someone asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any

import numpy as np


class CompactBallots(Sequence):
    """Distinct approval ballots: ``idx[offsets[b]:offsets[b + 1]]`` are ballot ``b``'s projects."""

    def __init__(self, ids: list[str], idx: np.ndarray, offsets: np.ndarray, *, ascending: bool = False) -> None:
        self.ids = ids
        self.idx = idx
        self.offsets = offsets
        # True when each ballot's project indices are already in ascending order.
        self.ascending = ascending

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, b: Any) -> Any:
        if isinstance(b, slice):
            return [self[i] for i in range(*b.indices(len(self)))]
        if b < 0:
            b += len(self)
        if not 0 <= b < len(self):
            raise IndexError(b)
        ids = self.ids
        return {ids[i]: 1 for i in self.idx[self.offsets[b]:self.offsets[b + 1]].tolist()}

    def __iter__(self) -> Iterator[dict[str, int]]:
        ids = self.ids
        flat = self.idx.tolist()
        bounds = self.offsets.tolist()
        for b in range(len(bounds) - 1):
            yield {ids[i]: 1 for i in flat[bounds[b]:bounds[b + 1]]}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def lengths(self) -> np.ndarray:
        """How many projects each ballot names."""
        return np.diff(self.offsets)

    def totals(self, weights: Sequence[int], n: int) -> list[int]:
        """Per project index: how many voters approve it."""
        w = np.repeat(np.asarray(weights, dtype=np.int64), self.lengths())
        return np.bincount(self.idx, weights=w, minlength=n).astype(np.int64).tolist()

    def sorted_types(self) -> list[tuple[int, ...]]:
        """Each ballot's project indices, ascending."""
        flat = self.idx.tolist()
        bounds = self.offsets.tolist()
        return [tuple(sorted(flat[bounds[b]:bounds[b + 1]])) for b in range(len(bounds) - 1)]


def compact_approval(keys: list[str], index: dict[str, int], ids: list[str]) -> CompactBallots | None:
    """Vote strings (``"3,17,5"``) as compact ballots, or None if any is unusual.

    Unusual means an empty or unknown id (spaces included) or a project named twice: the
    caller then reads the votes one by one, with warnings and line numbers.
    """
    if not keys:
        return CompactBallots(ids, np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    lens = np.fromiter(map(str.count, keys, repeat(",")), dtype=np.int64, count=len(keys)) + 1
    tokens = ",".join(keys).split(",")
    try:
        idx = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    except KeyError:
        return None
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    owner = np.repeat(np.arange(len(keys), dtype=np.int64), lens)
    code = owner * len(ids) + idx
    code.sort()
    if len(code) > 1 and not np.all(code[1:] != code[:-1]):
        return None
    return CompactBallots(ids, idx, offsets)


class NumericIds:
    """Project ids that are all plain decimal numbers, for reading votes as numbers."""

    #: Ids up to this value are looked up in a table; larger ones by binary search.
    TABLE = 1 << 20

    def __init__(self, ids: list[str]) -> None:
        ok = all(0 < len(pid) <= 15 and pid.isascii() and pid.isdigit() and (pid == "0" or pid[0] != "0")
                 for pid in ids)
        self.usable = ok and bool(ids)
        if self.usable:
            values = np.asarray([int(pid) for pid in ids], dtype=np.int64)
            self.order = np.argsort(values, kind="stable")
            self.sorted = values[self.order]
            self.table = None
            if int(self.sorted[-1]) < self.TABLE:
                self.table = np.full(int(self.sorted[-1]) + 2, -1, dtype=np.int64)
                self.table[values] = np.arange(len(values), dtype=np.int64)

    def indices(self, values: np.ndarray) -> np.ndarray | None:
        """Project index per number, or None if any number is not a project id."""
        if self.table is not None:
            found = self.table[np.minimum(values, len(self.table) - 1)]
            return None if bool((found < 0).any()) else found
        pos = np.searchsorted(self.sorted, values)
        np.minimum(pos, len(self.sorted) - 1, out=pos)
        if not np.array_equal(self.sorted[pos], values):
            return None
        return self.order[pos]


def approval_chunk(raw: bytes, semis: int, vote_col: int, id_col: int, ids: NumericIds, n: int):  # noqa: ANN201
    """Approval votes of a run of whole lines as arrays, without a Python object per line.

    ``raw`` ends with a newline; every line must have ``semis`` semicolons, a non-empty voter
    id, and a vote of known numeric project ids separated by commas, none repeated (or an
    empty vote). Returns (project indices, ascending within each line; projects per line),
    or None if anything is unusual: the caller then reads those lines one by one, with
    warnings and line numbers.
    """
    if b'"' in raw or b"\r" in raw:
        return None
    a = np.frombuffer(raw, dtype=np.uint8)
    nl = np.flatnonzero(a == 10)
    lines = len(nl)
    semi = np.flatnonzero(a == 59)
    if len(semi) != lines * semis or lines == 0:
        return None
    line_start = np.empty(lines, dtype=np.int64)
    line_start[0] = 0
    line_start[1:] = nl[:-1] + 1
    if semis:
        sm = semi.reshape(lines, semis)
        if bool((sm[:, 0] < line_start).any()) or bool((sm[:, -1] > nl).any()):
            return None  # the semicolons are not spread one set per line

        def field(col: int) -> tuple[np.ndarray, np.ndarray]:
            return (line_start if col == 0 else sm[:, col - 1] + 1), (nl if col == semis else sm[:, col])
    else:

        def field(col: int) -> tuple[np.ndarray, np.ndarray]:
            return line_start, nl

    id_start, id_end = field(id_col)
    if bool((id_end <= id_start).any()):
        return None  # an empty voter id: warned about line by line
    start, end = field(vote_col)
    flen = end - start
    foff = np.zeros(lines + 1, dtype=np.int64)
    np.cumsum(flen, out=foff[1:])
    total = int(foff[-1])
    # Every vote field, back to back.
    fb = a[np.repeat(start - foff[:-1], flen) + np.arange(total, dtype=np.int64)]
    comma = fb == 44
    digit = (fb - 48) < 10  # uint8: anything below '0' wraps round to a large value
    if not bool((comma | digit).all()):
        return None  # spaces, letters or anything else: not plain numbers
    full = flen > 0
    first, last = foff[:-1][full], foff[1:][full] - 1
    if bool(comma[first].any()) or bool(comma[last].any()) or bool((comma[1:] & comma[:-1]).any()):
        return None  # an empty project id, as in "1,,3"
    # A token starts after a comma or at a field's start, and ends at a comma or its field's end.
    after_comma = np.zeros(total + 1, dtype=bool)
    after_comma[1:] = comma
    starts = np.flatnonzero(after_comma[:-1] | _mark(total, first))
    before = np.zeros(total + 1, dtype=bool)
    before[:-1] = comma
    ends = np.flatnonzero(before | _mark(total + 1, last + 1))
    tlen = ends - starts
    longest = int(tlen.max()) if len(tlen) else 0
    if longest > 15 or bool(((fb[starts] == 48) & (tlen > 1)).any()):
        return None  # too long, or a leading zero: not the id as written in PROJECTS
    values = np.zeros(len(starts), dtype=np.int64)
    top = len(fb) - 1
    for k in range(longest):
        d = fb[np.minimum(starts + k, top)].astype(np.int64) - 48
        values = np.where(tlen > k, values * 10 + d, values)
    idx = ids.indices(values) if len(values) else np.zeros(0, dtype=np.int64)
    if idx is None:
        return None  # an unknown project: refused with its line
    commas_before = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(comma, out=commas_before[1:])
    per_line = commas_before[foff[1:]] - commas_before[foff[:-1]] + full
    owner = np.repeat(np.arange(lines, dtype=np.int64), per_line)
    code = owner * n + idx
    code.sort()
    if len(code) > 1 and bool((code[1:] == code[:-1]).any()):
        return None  # a project named twice in one vote: warned about line by line
    return code - owner * n, per_line  # each vote's projects ascending


def _mark(size: int, at: np.ndarray) -> np.ndarray:
    """A boolean array of ``size`` with True at ``at``."""
    out = np.zeros(size, dtype=bool)
    out[at] = True
    return out
