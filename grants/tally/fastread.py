"""Plain approval votes read with numpy, identical ballots merged chunk by chunk as they stream.

Used by ``read_pb(voters=False)`` when every project id is a plain whole number (``17``, not
``017`` or ``A1``) and there are at most ``MAX_PROJECTS`` projects. Each chunk of whole lines
is split into fields and ids with array operations; each ballot becomes a bit set of the
projects it names (so ``3,17`` and ``17,3`` are the same ballot), and the chunk's distinct bit
sets are merged with what came before. Memory grows with the number of distinct ballots, not
with the number of voters.

Anything unusual in a chunk (a quote, a carriage return, a space, an empty or unknown id, a
project named twice, a line with the wrong number of fields, a voter without an id) makes
``feed`` return False: the caller then reads the whole file again the careful way, which
reports each problem by its line.
"""

from __future__ import annotations

import numpy as np

from .compact import CompactBallots

#: Above this many projects the bit sets get wide; the careful reader is used instead.
MAX_PROJECTS = 512
#: The longest id handled here (digits); longer ids go the careful way.
MAX_DIGITS = 9
#: Distinct ballots waiting to be merged before they are merged (bounded memory).
PENDING_ROWS = 1 << 20


class ApprovalMerger:
    """Counts distinct approval ballots over chunks of a VOTES section."""

    def __init__(self, ids: list[str], width: int, vote_col: int, id_col: int) -> None:
        self.ids = ids
        self.semis = width - 1
        self.vote_col = vote_col
        self.id_col = id_col
        numbers = [int(pid) for pid in ids]
        top = max(numbers, default=0)
        self.lut = np.full(top + 1, -1, dtype=np.int64)
        self.lut[np.asarray(numbers, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
        self.words = max(1, (len(ids) + 63) // 64)
        self.nobody = 0
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending_rows = 0
        self.merged: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @staticmethod
    def usable(ids: list[str]) -> bool:
        """Whether ids are all plain whole numbers this reader can map (and few enough)."""
        if not ids or len(ids) > MAX_PROJECTS:
            return False
        for pid in ids:
            if not (pid.isascii() and pid.isdigit()) or len(pid) > MAX_DIGITS or (pid[0] == "0" and pid != "0"):
                return False
        return True

    def feed(self, raw: bytes) -> bool:  # noqa: PLR0911 - each early return is one unusual thing
        """Count the ballots of whole lines ``raw`` (ending in a newline); False if unusual."""
        if b'"' in raw:  # a quoted field may hide a ";"
            return False
        if raw.endswith(b"\n\n"):  # blank lines at the end of the file
            raw = raw.rstrip(b"\n") + b"\n"
            if raw == b"\n":
                return True
        a = np.frombuffer(raw, dtype=np.uint8)
        nl = np.flatnonzero(a == 10)
        n = len(nl)
        if n == 0:
            return True
        semi = np.flatnonzero(a == 59)
        if len(semi) != n * self.semis:
            return False
        semi = semi.reshape(n, self.semis)
        line_start = np.empty(n, dtype=np.int64)
        line_start[0] = 0
        line_start[1:] = nl[:-1] + 1
        # Every line has exactly its fields (no line with one more, another with one fewer).
        if np.any(semi[:, 0] < line_start) or np.any(semi[:, -1] > nl):
            return False
        id_start = line_start if self.id_col == 0 else semi[:, self.id_col - 1] + 1
        id_end = nl if self.id_col == self.semis else semi[:, self.id_col]
        if np.any(id_end <= id_start):
            return False  # a voter without an id: the careful reader warns about it
        fs = line_start if self.vote_col == 0 else semi[:, self.vote_col - 1] + 1
        fe = nl if self.vote_col == self.semis else semi[:, self.vote_col]
        length = fe - fs
        voting = length > 0
        self.nobody += int(n - np.count_nonzero(voting))
        if not voting.any():
            return True
        fs, length = fs[voting], length[voting]
        m = len(fs)
        # The vote fields' bytes, one after another.
        offsets = np.empty(m + 1, dtype=np.int64)
        offsets[0] = 0
        np.cumsum(length, out=offsets[1:])
        total = int(offsets[-1])
        pos = np.repeat(fs - offsets[:-1], length) + np.arange(total, dtype=np.int64)
        fb = a[pos]
        comma = fb == 44
        if not np.all(((fb - 48) <= 9) | comma):
            return False
        cp = np.flatnonzero(comma)
        starts = np.zeros(total + 1, dtype=bool)
        starts[offsets[:-1]] = True
        starts[cp + 1] = True
        ends = np.zeros(total + 1, dtype=bool)
        ends[offsets[1:]] = True
        ends[cp] = True
        ts = np.flatnonzero(starts[:total])
        te = np.flatnonzero(ends)
        if len(ts) != len(te) or len(ts) != m + len(cp):
            return False  # an empty id (a comma at either end of the vote)
        tl = te - ts
        if tl.min() < 1 or tl.max() > MAX_DIGITS:
            return False
        if np.any((fb[ts] == 48) & (tl > 1)):
            return False  # a leading zero: not the same id as written in PROJECTS
        digits = fb.astype(np.int64) - 48
        value = digits[ts]
        for j in range(1, int(tl.max())):
            more = tl > j
            value[more] = value[more] * 10 + digits[ts[more] + j]
        if value.max() >= len(self.lut):
            return False
        idx = self.lut[value]
        if idx.min() < 0:
            return False  # an id that is not a project
        # Ids per ballot: the commas in its field, plus one.
        per = np.diff(np.concatenate(([0], np.cumsum(comma)[offsets[1:] - 1]))) + 1
        tok_off = np.empty(m + 1, dtype=np.int64)
        tok_off[0] = 0
        np.cumsum(per, out=tok_off[1:])
        keys = np.empty((m, self.words), dtype=np.uint64)
        bits = np.left_shift(np.uint64(1), (idx & 63).astype(np.uint64))
        word = idx >> 6
        for w in range(self.words):
            keys[:, w] = np.bitwise_or.reduceat(np.where(word == w, bits, np.uint64(0)), tok_off[:-1])
        if not np.array_equal(np.bitwise_count(keys).sum(axis=1, dtype=np.int64), per):
            return False  # a project named twice in one ballot: the careful reader warns
        self._add(keys, np.ones(m, dtype=np.int64), idx, tok_off)
        return True

    def _add(self, keys: np.ndarray, counts: np.ndarray, idx: np.ndarray, tok_off: np.ndarray) -> None:
        """Merge the rows of one chunk and keep them until the next consolidation."""
        part = _merge_rows(keys, counts, idx, tok_off)
        self.pending.append(part)
        self.pending_rows += len(part[0])
        if self.pending_rows > PENDING_ROWS + (0 if self.merged is None else len(self.merged[0])):
            self._consolidate()

    def _consolidate(self) -> None:
        parts = ([self.merged] if self.merged is not None else []) + self.pending
        self.pending, self.pending_rows = [], 0
        if len(parts) == 1:
            self.merged = parts[0]
            return
        keys = np.concatenate([p[0] for p in parts])
        counts = np.concatenate([p[1] for p in parts])
        idx = np.concatenate([p[2] for p in parts])
        shift = np.cumsum([0] + [len(p[2]) for p in parts[:-1]])
        tok_off = np.concatenate([p[3][:-1] + s for p, s in zip(parts, shift, strict=True)] + [[len(idx)]])
        self.merged = _merge_rows(keys, counts, idx, tok_off)

    def result(self) -> tuple[CompactBallots, list[int]]:
        """The distinct ballots (people who approved nothing last, as one empty ballot) and weights."""
        if self.pending:
            self._consolidate()
        if self.merged is None:
            idx = np.zeros(0, dtype=np.int64)
            offsets = np.zeros(1, dtype=np.int64)
            weights: list[int] = []
        else:
            _keys, counts, idx, offsets = self.merged
            weights = counts.tolist()
        if self.nobody:
            offsets = np.append(offsets, offsets[-1])
            weights.append(self.nobody)
        return CompactBallots(self.ids, idx, offsets), weights


def _unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of a 2-D uint64 array: (rows, index of each one's first row, inverse).

    Wide rows are sorted by a 64-bit mix of their words (one sort of plain integers); rows
    that share a mix are then checked to be equal word for word, and if two differ (a
    collision, vanishingly rare) the rows are numbered exactly, one column at a time.
    """
    if keys.shape[1] == 1:
        _, first, inverse = np.unique(keys[:, 0], return_index=True, return_inverse=True)
        return keys[first], first, inverse.ravel()
    mix = np.zeros(len(keys), dtype=np.uint64)
    for w in range(keys.shape[1]):
        # splitmix64's finaliser over (what came before + this word)
        z = mix + keys[:, w] + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        mix = z ^ (z >> np.uint64(31))
    order = np.argsort(mix, kind="stable")
    ordered = mix[order]
    new = np.empty(len(keys), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    rows = keys[order]
    if not np.array_equal(rows, rows[starts][group]):
        return _unique_rows_exact(keys)
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group
    first = order[starts]
    return keys[first], first, inverse


def _unique_rows_exact(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As _unique_rows, numbering the rows one column at a time (the pair of the rows' number so
    far and the column's value, numbered again), so every sort is of plain integers."""
    code = keys[:, 0]
    for w in range(1, keys.shape[1]):
        _, code = np.unique(code, return_inverse=True)
        values, col = np.unique(keys[:, w], return_inverse=True)
        code = code.astype(np.int64) * len(values) + col
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return keys[first], first, inverse.ravel()


def _merge_rows(
    keys: np.ndarray, counts: np.ndarray, idx: np.ndarray, tok_off: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows with the same key summed, each with one representative list of project indices."""
    ukeys, first, inverse = _unique_rows(keys)
    ucounts = np.bincount(inverse, weights=counts, minlength=len(ukeys)).astype(np.int64)
    lens = tok_off[first + 1] - tok_off[first]
    rep_off = np.empty(len(first) + 1, dtype=np.int64)
    rep_off[0] = 0
    np.cumsum(lens, out=rep_off[1:])
    rep = idx[np.repeat(tok_off[first] - rep_off[:-1], lens) + np.arange(int(rep_off[-1]), dtype=np.int64)]
    return ukeys, ucounts, rep, rep_off
