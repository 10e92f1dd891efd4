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

    def __init__(self, ids: list[str], idx: np.ndarray, offsets: np.ndarray) -> None:
        self.ids = ids
        self.idx = idx
        self.offsets = offsets

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
