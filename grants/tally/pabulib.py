"""Read and write Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each a ``;``-separated table with a header line: ``META``
(``key;value``), ``PROJECTS`` (``project_id;cost;...``) and ``VOTES`` (``voter_id;vote;...``).
Fields follow CSV quoting rules (a field holding ``;`` or ``"`` is quoted, quotes doubled).
We accept a UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around fields and
a decimal comma in numbers, and report any malformed line by its number.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import BinaryIO

import numpy as np

from .model import VOTE_TYPES, Election, Number, Project

__all__ = ["PabulibError", "PabulibWarning", "parse_number", "read_pb", "write_pb"]

SECTIONS = ("META", "PROJECTS", "VOTES")

# META keys that become typed Election fields (the rest stay text in Election.meta).
_INT_META = ("min_length", "max_length")
_NUM_META = (
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "default_score",
    "min_project_score_threshold",
)
_STR_META = ("scoring_fn",)
# Recomputed on writing, so not kept in Election.meta.
_DERIVED_META = ("num_projects", "num_votes")

# The order Pabulib files use (pabulib/checker fields.py); unknown keys follow in file order.
_META_ORDER = (
    "description",
    "country",
    "unit",
    "district",
    "subunit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
    "min_length",
    "max_length",
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "default_score",
    "scoring_fn",
    "min_project_cost",
    "max_project_cost",
    "min_project_score_threshold",
    "neighborhoods",
    "subdistricts",
    "categories",
    "edition",
    "language",
    "currency",
    "fully_funded",
    "experimental",
    "comment",
    "acknowledgments",
)
_PROJECT_ORDER = (
    "votes",
    "score",
    "name",
    "category",
    "beneficiaries",
    "selected",
    "neighborhood",
    "subunit",
    "district",
    "description",
    "proposer",
    "public_id",
    "latitude",
    "longitude",
)


class PabulibError(ValueError):
    """A ``.pb`` file that does not follow the Pabulib format; the message names the line.

    ``line`` is the 1-based line number; ``byte`` (for text that is not UTF-8) the 1-based
    position of the first unreadable byte in the file.
    """

    def __init__(self, message: str, line: int | None = None, byte: int | None = None) -> None:
        self.line = line
        self.byte = byte
        self.reason = message
        where = None
        if line is not None:
            where = f"line {line}" + (f", byte {byte}" if byte is not None else "")
        elif byte is not None:
            where = f"byte {byte}"
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class PabulibWarning:
    """Something a file gets wrong that pabutools reads past; we count it the same way.

    ``line`` is the first line with the problem; ``more`` how many other lines share it.
    """

    line: int | None
    message: str
    more: int = 0

    def __str__(self) -> str:
        text = f"line {self.line}: {self.message}" if self.line is not None else self.message
        if self.more:
            text += f" (and {self.more} more line{'' if self.more == 1 else 's'} like it)"
        return text


#: Digits a number in a file may have, and the largest power of ten it may reach. Real
#: budgets and costs have at most 15 digits; a number past this is a mistake or an attack
#: (``1e1000000`` would make exact arithmetic take hours).
MAX_NUMBER_DIGITS = 30
#: The longest line (or quoted field) we read, in bytes.
MAX_LINE_BYTES = 16 << 20
_CHUNK = 4 << 20


def parse_number(text: str, what: str = "number", line: int | None = None) -> Number:
    """Parse a Pabulib number: an int when whole, otherwise an exact Decimal.

    Refuses, naming the line, anything that is not a finite number of at most
    ``MAX_NUMBER_DIGITS`` digits with a magnitude below ``10 ** MAX_NUMBER_DIGITS``.
    """
    raw = text.strip().replace(",", ".")
    if not raw:
        raise PabulibError(f"{what} is empty", line)
    shown = raw if len(raw) <= 24 else raw[:20] + "..."
    if len(raw) > 2 * MAX_NUMBER_DIGITS or sum(ch.isdigit() for ch in raw) > MAX_NUMBER_DIGITS:
        raise PabulibError(f"{what} {shown!r} has too many digits (at most {MAX_NUMBER_DIGITS})", line)
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise PabulibError(f"{what} {shown!r} is not a number", line) from None
    if not value.is_finite():
        raise PabulibError(f"{what} {shown!r} is not a finite number", line)
    if value and not -MAX_NUMBER_DIGITS <= value.adjusted() < MAX_NUMBER_DIGITS:
        raise PabulibError(f"{what} {shown!r} is too large or too small to be a real amount", line)
    if value == value.to_integral_value():
        return int(value)
    return value


def _points(text: str, line: int | None) -> Number:
    raw = text.strip()
    if len(raw) < 10 and raw.isdigit():
        return int(raw)
    value = parse_number(raw, "points value", line)
    return value if isinstance(value, int) else Fraction(value)


def _decode(raw: bytes, line: int, start: int) -> str:
    """Decode one run of whole lines; a bad byte is reported by its line, column and file position."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line += raw.count(b"\n", 0, exc.start)
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PabulibError(
            f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02x} (column {column}) cannot be read "
            f"({exc.reason}); save the file as UTF-8 and try again",
            line,
            byte=start + exc.start + 1,
        ) from None


class _Lines:
    """Lines from a binary stream, read in chunks so that a file of any size streams."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.buf = b""
        self.pos = 0
        self.base = 0  # file offset of buf[0]
        self.line = 0  # lines handed out so far
        self.eof = False
        self._more()
        if self.buf.startswith(b"\xef\xbb\xbf"):
            self.pos = 3

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.handle.read(_CHUNK)
        if not data:
            self.eof = True
            return False
        self.base += self.pos
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def text_line(self) -> str | None:
        """The next line without its line end, or None at the end of the file."""
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end >= 0:
                break
            if len(self.buf) - self.pos > MAX_LINE_BYTES:
                raise PabulibError(f"the line is longer than {MAX_LINE_BYTES >> 20} MB", self.line + 1)
            if not self._more():
                if self.pos >= len(self.buf):
                    return None
                end = len(self.buf)
                break
        raw = self.buf[self.pos:end]
        start = self.base + self.pos
        self.pos = end + 1
        self.line += 1
        text = _decode(raw, self.line, start)
        return text[:-1] if text.endswith("\r") else text

    def chunk(self) -> tuple[int, str] | None:
        """The next run of whole lines, decoded, each ending in a newline: (first line number, text)."""
        if self.pos >= len(self.buf) and not self._more():
            return None
        if len(self.buf) - self.pos < _CHUNK // 2:
            self._more()
        while True:
            end = self.buf.rfind(b"\n", self.pos)
            if end >= 0:
                raw = self.buf[self.pos:end + 1]
                break
            if len(self.buf) - self.pos > MAX_LINE_BYTES:
                raise PabulibError(f"the line is longer than {MAX_LINE_BYTES >> 20} MB", self.line + 1)
            if not self._more():
                end = len(self.buf) - 1
                raw = self.buf[self.pos:] + b"\n"
                break
        first = self.line + 1
        text = _decode(raw, first, self.base + self.pos)
        self.last_raw = raw
        self.pos = end + 1
        self.line += raw.count(b"\n")
        return first, text


def _open(source: str | os.PathLike[str] | bytes) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return io.BytesIO(source.encode("utf-8", "surrogatepass"))
    path = os.fspath(source)
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by read_pb
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise PabulibError(f"{path} is a folder, not a .pb file") from None
    except PermissionError:
        raise PabulibError(f"{path} cannot be read: permission denied") from None
    except OSError as exc:
        raise PabulibError(f"{path} cannot be read: {exc.strerror or exc}") from None


def read_pb(
    source: str | os.PathLike[str] | bytes,
    *,
    strict: bool = False,
    voters: bool = True,
) -> Election:
    """Read a Pabulib file (a path, or the file's text or bytes) into an Election.

    Files that break their own META (a project repeated in a ballot, ``num_votes`` that
    disagrees, a ballot longer than ``max_length``, ...) are read the way pabutools and the
    official counts read them, and each problem is listed in ``Election.warnings`` naming
    its first line; ``strict=True`` refuses them instead. With ``voters=False`` identical
    ballots are merged as they are read (``Election.weights``) and voter ids and columns are
    not kept: the fast way to count a large file.
    """
    handle = _open(source)
    try:
        try:
            with handle:
                return _Parser(handle, source, strict=strict, voters=voters).run()
        except _Redo:
            # Something the fast reader does not handle: read again, carefully, line by line.
            with _open(source) as again:
                return _Parser(again, source, strict=strict, voters=voters, fast=False).run()
    except MemoryError:
        raise PabulibError(
            "the file is too large to read with the memory available here; "
            "count it on a machine with more memory, or split it into smaller files"
        ) from None
    except OSError as exc:
        raise PabulibError(f"the file could not be read: {exc.strerror or exc}") from None


class _Parser:
    def __init__(self, handle: BinaryIO, source: object, *, strict: bool, voters: bool, fast: bool = True) -> None:
        self.lines = _Lines(handle)
        self.source = source
        self.strict = strict
        self.voters = voters
        self.fast = fast
        self.pending: list[str] = []
        self.pending_line = 0
        self.warnings: list[PabulibWarning] = []

    # -- records ---------------------------------------------------------------------------

    def _next_text(self) -> tuple[int, str] | None:
        if self.pending:
            self.pending_line += 1
            return self.pending_line, self.pending.pop()
        text = self.lines.text_line()
        return None if text is None else (self.lines.line, text)

    def _record(self) -> tuple[int, list[str]] | None:
        got = self._next_text()
        if got is None:
            return None
        start, text = got
        if '"' not in text:
            return start, text.split(";")
        while True:
            try:
                return start, next(csv.reader([text], delimiter=";", strict=True))
            except csv.Error as exc:
                if "unexpected end of data" not in str(exc):
                    break
            more = self._next_text()
            if more is None or len(text) > MAX_LINE_BYTES:
                raise PabulibError('a quoted field opened on this line is never closed (a " is missing)', start)
            text += "\n" + more[1]
        try:
            return start, next(csv.reader([text], delimiter=";"))
        except csv.Error as exc:
            raise PabulibError(f"the line cannot be read as ';'-separated fields ({exc})", start) from None

    def warn(self, message: str, line: int | None, more: int = 0) -> None:
        self.warnings.append(PabulibWarning(line, message, more))

    # -- the file --------------------------------------------------------------------------

    def run(self) -> Election:
        meta_raw: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        projects: list[Project] = []
        project_ids: dict[str, int] = {}
        section: str | None = None
        header: list[str] = []
        seen: list[str] = []
        votes = None
        while votes is None:
            got = self._record()
            if got is None:
                break
            line, row = got
            if not row or all(not cell.strip() for cell in row):
                continue
            first = row[0].strip().lstrip("\ufeff")
            if first.upper() in SECTIONS and all(not cell.strip() for cell in row[1:]):
                name = first.upper()
                if name in seen:
                    raise PabulibError(f"section {name} appears twice", line)
                expected = SECTIONS[len(seen)]
                if name != expected:
                    raise PabulibError(f"expected section {expected}, found {name}", line)
                seen.append(name)
                section = name
                got = self._record()
                if got is None:
                    raise PabulibError(f"section {name} has no header line", line + 1)
                hline, header = got[0], [h.strip().lstrip("\ufeff") for h in got[1]]
                if name == "META":
                    if [h.lower() for h in header[:2]] != ["key", "value"] or len(header) != 2:
                        raise PabulibError("the META header must be 'key;value'", hline)
                elif name == "PROJECTS":
                    for needed in ("project_id", "cost"):
                        if needed not in header:
                            raise PabulibError(f"the PROJECTS header has no {needed} column", hline)
                    if len(set(header)) != len(header):
                        raise PabulibError("the PROJECTS header repeats a column", hline)
                else:
                    for needed in ("voter_id", "vote"):
                        if needed not in header:
                            raise PabulibError(f"the VOTES header has no {needed} column", hline)
                    if len(set(header)) != len(header):
                        raise PabulibError("the VOTES header repeats a column", hline)
                    vote_type = self._vote_type(meta_raw)
                    votes = _Votes(self, header, hline, vote_type, project_ids, seen)
                    votes.read()
                continue
            if section is None:
                raise PabulibError("the file must start with a META section", line)
            if section == "META":
                if len(row) != 2:
                    raise PabulibError(f"a META line needs exactly 2 fields (key;value), found {len(row)}", line)
                key = row[0].strip()
                if not key:
                    raise PabulibError("a META key is empty", line)
                if key in meta_raw:
                    raise PabulibError(f"META key {key!r} appears twice", line)
                meta_raw[key] = row[1].strip()
                self.meta_lines[key] = line
            else:
                if len(row) != len(header):
                    raise PabulibError(f"a PROJECTS line needs {len(header)} fields, found {len(row)}", line)
                values = {h: v.strip() for h, v in zip(header, row, strict=True)}
                pid = values.pop("project_id")
                if not pid:
                    raise PabulibError("a project id is empty", line)
                if pid in project_ids:
                    raise PabulibError(f"project id {pid!r} appears twice", line)
                cost = parse_number(values.pop("cost"), f"the cost of project {pid}", line)
                if cost < 0:
                    raise PabulibError(f"project {pid} has a negative cost", line)
                name = values.pop("name", "")
                # votes and score are derived from the ballots; write_pb recomputes them.
                values.pop("votes", None)
                values.pop("score", None)
                project_ids[pid] = len(projects)
                projects.append(Project(pid, cost, name, values))

        for name in SECTIONS:
            if name not in seen:
                raise PabulibError(f"the file has no {name} section", max(self.lines.line, 1))
        if votes is None:  # pragma: no cover - a VOTES section was seen above
            raise PabulibError("the file has no VOTES section")
        return self._election(meta_raw, projects, votes)

    def meta_line(self, key: str) -> int:
        return self.meta_lines.get(key, 1)

    def _vote_type(self, meta_raw: dict[str, str]) -> str:
        for needed in ("budget", "vote_type"):
            if needed not in meta_raw:
                raise PabulibError(f"META has no {needed} key", self.meta_lines.get("key", 2))
        vote_type = meta_raw["vote_type"].strip().lower()
        if vote_type not in VOTE_TYPES:
            raise PabulibError(
                f"vote_type {meta_raw['vote_type']!r} is not one of {', '.join(VOTE_TYPES)}",
                self.meta_line("vote_type"),
            )
        self.typed: dict[str, object] = {}
        self.meta: dict[str, str] = {}
        for key, value in meta_raw.items():
            if key in ("budget", "vote_type") or key in _DERIVED_META:
                continue
            if key in _INT_META:
                number = parse_number(value, key, self.meta_line(key))
                if not isinstance(number, int):
                    raise PabulibError(f"{key} must be a whole number", self.meta_line(key))
                self.typed[key] = number
            elif key in _NUM_META:
                self.typed[key] = parse_number(value, key, self.meta_line(key))
            elif key in _STR_META:
                self.typed[key] = value
            else:
                self.meta[key] = value
        return vote_type

    def _election(self, meta_raw: dict[str, str], projects: list[Project], votes: _Votes) -> Election:
        budget = parse_number(meta_raw["budget"], "the budget", self.meta_line("budget"))
        if budget < 0:
            raise PabulibError("the budget is negative", self.meta_line("budget"))
        for key, actual, what in (
            ("num_projects", len(projects), "projects"),
            ("num_votes", votes.n_voters, "votes"),
        ):
            if key in meta_raw and meta_raw[key].strip() != str(actual):
                said = meta_raw[key].strip()
                self.warn(f"META {key} is {said!r} but the file has {actual} {what}", self.meta_line(key))
        votes.check_limits(projects)
        if self.strict and self.warnings:
            first = min(self.warnings, key=lambda w: w.line or 0)
            raise PabulibError(f"{first.message} (refused because strict reading is on)", first.line)
        self.warnings.sort(key=lambda w: w.line or 0)
        try:
            return Election(
                projects=projects,
                budget=budget,
                vote_type=votes.vote_type,
                ballots=votes.ballots,
                meta=self.meta,
                rankings=votes.rankings,
                voter_ids=votes.voter_ids,
                voter_fields=votes.voter_fields,
                voter_data=votes.voter_data,
                weights=votes.weights,
                warnings=list(self.warnings),
                **self.typed,  # type: ignore[arg-type]
            )
        except ValueError as exc:  # pragma: no cover - the checks above come first
            raise PabulibError(str(exc)) from None


class _Votes:
    """The VOTES section: streamed, identical ballots merged as they are read."""

    def __init__(
        self,
        parser: _Parser,
        header: list[str],
        header_line: int,
        vote_type: str,
        project_ids: dict[str, int],
        seen: list[str],
    ) -> None:
        self.parser = parser
        self.header_line = header_line
        self.vote_type = vote_type
        self.project_ids = project_ids
        self.seen = seen
        self.width = len(header)
        self.id_col = header.index("voter_id")
        self.vote_col = header.index("vote")
        self.points_col = header.index("points") if "points" in header else None
        self.extra_cols = [i for i, h in enumerate(header) if h not in ("voter_id", "vote", "points")]
        self.voter_fields = tuple(header[i] for i in self.extra_cols)
        if vote_type in ("cumulative", "scoring") and self.points_col is None:
            raise PabulibError(f"{vote_type} ballots need a points column in VOTES", header_line)
        self.ordinal = vote_type == "ordinal"
        # The key of a line is its vote field, or (vote, points) in column order.
        if self.points_col is None:
            self.cols: tuple[int, ...] = (self.vote_col,)
        else:
            self.cols = tuple(sorted((self.vote_col, self.points_col)))
        self.counts: Counter = Counter()
        self.first_line: dict = {}
        self.keys: list = []
        self.voter_ids: list[str] | None = [] if parser.voters else None
        self.voter_data: list[tuple[str, ...]] | None = [] if parser.voters else None
        self.seen_voters: set[str] = set()
        self.empty_voter: list[int] = []
        self.repeated_voter: list[int] = []
        self.n_voters = 0
        self.ballots: list[dict[str, Number]] = []
        self.rankings: list[tuple[str, ...]] | None = None
        self.weights: list[int] | None = None
        self.merger = None
        if not parser.voters and parser.fast and self.points_col is None and not self.ordinal:
            from .fastread import ApprovalMerger

            if ApprovalMerger.usable(list(project_ids)):
                self.merger = ApprovalMerger(list(project_ids), self.width, self.vote_col, self.id_col)

    def _pattern(self) -> re.Pattern[str]:
        parts = ["^"]
        at = 0
        for col in self.cols:
            if at:
                parts.append(";")
            parts.append(f"(?:[^;\\n]*;){{{col - at}}}" if col > at else "")
            parts.append("([^;\\n]*)")
            at = col + 1
        return re.compile("".join(parts), re.MULTILINE)

    def read(self) -> None:
        parser = self.parser
        if not parser.voters:
            pattern = self._pattern()
            semis = self.width - 1
            blank_id = self.id_col == 0
            while True:
                got = parser.lines.chunk()
                if got is None:
                    break
                first, text = got
                if self.merger is not None:
                    if not self.merger.feed(parser.lines.last_raw):
                        raise _Redo
                    continue
                n = text.count("\n")
                if (
                    '"' in text
                    or text.count(";") != n * semis
                    or (blank_id and (text.startswith(";") or "\n;" in text))
                ):
                    # Something unusual (quotes, blank lines, a short line): line by line.
                    lines = text.split("\n")
                    lines.pop()
                    lines.reverse()
                    parser.pending = lines
                    parser.pending_line = first - 1
                    while parser.pending:
                        self._row(parser._record())
                    continue
                self.counts.update(pattern.findall(text))
            self.n_voters = self.counts.total()
        else:
            while True:
                got = parser._record()
                if got is None:
                    break
                self._row(got)
            self.n_voters = len(self.keys)
        self._ballots()

    def _row(self, got: tuple[int, list[str]] | None) -> None:
        if got is None:
            return
        line, row = got
        if not row or all(not cell.strip() for cell in row):
            return
        if len(row) == 1 and row[0].strip().upper() in SECTIONS:
            name = row[0].strip().upper()
            why = "appears twice" if name in self.seen else "comes after VOTES"
            raise PabulibError(f"section {name} {why}", line)
        if len(row) != self.width:
            raise PabulibError(f"a VOTES line needs {self.width} fields, found {len(row)}", line)
        key = row[self.vote_col] if len(self.cols) == 1 else tuple(row[c] for c in self.cols)
        self.counts[key] += 1
        if key not in self.first_line:
            self.first_line[key] = line
        voter = row[self.id_col].strip()
        if not voter:
            self.empty_voter.append(line)
        if self.voter_ids is not None and self.voter_data is not None:
            if voter in self.seen_voters:
                self.repeated_voter.append(line)
            self.seen_voters.add(voter)
            self.keys.append(key)
            self.voter_ids.append(voter)
            self.voter_data.append(tuple(row[i].strip() for i in self.extra_cols))

    # -- turning vote strings into ballots -------------------------------------------------

    def _split_key(self, key: object) -> tuple[str, str | None]:
        if self.points_col is None:
            return key, None  # type: ignore[return-value]
        vote_first = self.vote_col < self.points_col
        a, b = key  # type: ignore[misc]
        return (a, b) if vote_first else (b, a)

    def _parse(self, key: object) -> tuple[dict[str, Number], tuple[str, ...], list[tuple[str, str]]]:
        """One distinct vote: (ballot, ranking, problems as (kind, message)); errors raise _Bad."""
        vote, raw_points = self._split_key(key)
        vote = vote.strip()
        ids = [p.strip() for p in vote.split(",")] if vote else []
        problems: list[tuple[str, str]] = []
        pts: list[Number] | None = None
        if raw_points is not None:
            raw_points = raw_points.strip()
            try:
                pts = [_points(x, None) for x in raw_points.split(",")] if raw_points else []
            except PabulibError as exc:
                raise _Bad(exc.reason) from None
            if len(pts) != len(ids):
                raise _Bad(f"the vote lists {len(ids)} projects but {len(pts)} points")
        known = self.project_ids
        ballot: dict[str, Number] = {}
        order: list[str] = []
        for pos, pid in enumerate(ids):
            if not pid:
                if pts is not None:
                    raise _Bad("the vote has an empty project id")
                problems.append(("empty", _EMPTY_ID))
                continue
            if pid not in known:
                raise _Bad(f"the vote names an unknown project {pid!r}")
            if pid in ballot:
                times = ids.count(pid)
                how = "once"
                if pts is not None:
                    how = "with the points last given"
                elif self.ordinal:
                    how = "at its first place"
                if ids.index(pid, ids.index(pid) + 1) == pos:  # report each project once
                    problems.append((
                        "repeat",
                        f"the vote names project {pid!r} {times} times; it is counted {how}, "
                        "as pabutools and the official count do",
                    ))
                if pts is not None:
                    ballot[pid] = pts[pos]
                continue
            ballot[pid] = pts[pos] if pts is not None else 1
            order.append(pid)
        if pts is not None and self.vote_type != "scoring" and any(p < 0 for p in ballot.values()):
            raise _Bad("points cannot be negative for this vote type")
        if self.ordinal and pts is None:
            top = self.parser.typed.get("max_length") or len(known)
            ballot = {pid: top - i for i, pid in enumerate(order)}  # the Pabulib Borda default
        return ballot, tuple(order), problems

    def _ballots(self) -> None:
        problems: dict[str, tuple[str, list]] = {}
        index = self.project_ids
        ids = list(index)
        simple = self.points_col is None and not self.ordinal
        self.compact = None
        if self.merger is not None:
            self.compact, self.weights = self.merger.result()
            self.compact_keys = None
            self.ballots = self.compact
            self.n_voters = sum(self.weights)
            self.problems = problems
            return
        if simple and not self.parser.voters:
            from .compact import compact_approval

            nobody = self.counts.pop("", 0)
            keys = list(self.counts)
            compact = compact_approval(keys, index, ids)
            if nobody:
                self.counts[""] = nobody
            if compact is not None:
                weights = list(self.counts.values())
                if nobody:  # people who approved nothing: one empty ballot
                    compact.offsets = np.append(compact.offsets, compact.offsets[-1])
                    keys.append("")
                self.compact, self.compact_keys = compact, keys
                self.ballots, self.weights = compact, weights
                self.problems = problems
                return
        of_key: dict = {}  # vote field(s) -> canonical ballot
        canon: dict = {}  # canonical ballot -> (ballot dict, ranking)
        for key in self.counts:
            if simple:
                # The common case, kept tight: known ids, none repeated, no spaces.
                try:
                    idx = sorted([index[p] for p in key.split(",")]) if key else []
                except KeyError:
                    idx = None
                if idx is not None and all(idx[i] != idx[i + 1] for i in range(len(idx) - 1)):
                    same = tuple(idx)
                    of_key[key] = same
                    if same not in canon:
                        canon[same] = ({ids[i]: 1 for i in same}, ())
                    continue
            try:
                ballot, order, found = self._parse(key)
            except _Bad as exc:
                raise PabulibError(exc.args[0], self._lines_of([key]).get(key, (None,))[0]) from None
            for kind, message in found:
                problems.setdefault(kind, (message, []))[1].append(key)
            if self.ordinal:
                same = (order, tuple(ballot.values()))
            elif simple:
                same = tuple(sorted(index[p] for p in ballot))
            else:
                same = tuple(sorted((index[p], v) for p, v in ballot.items()))
            of_key[key] = same
            if same not in canon:
                canon[same] = (ballot, order)
        self.of_key = of_key
        self.canon = canon
        self.problems = problems
        if self.voter_ids is not None:
            self.ballots = [canon[of_key[k]][0] for k in self.keys]
            if self.ordinal:
                self.rankings = [canon[of_key[k]][1] for k in self.keys]
            self.keys = []
        else:
            weight: dict = dict.fromkeys(canon, 0)
            for key, n in self.counts.items():
                weight[of_key[key]] += n
            self.ballots = [b for b, _ in canon.values()]
            self.weights = list(weight.values())
            if self.ordinal:
                self.rankings = [o for _, o in canon.values()]

    def check_limits(self, projects: list[Project]) -> None:
        """Warn about ballots that break the file's own META limits (counted as they are)."""
        typed = self.parser.typed
        costs = {p.id: p.cost for p in projects}
        checks: list[tuple[str, Callable[[dict], bool], str]] = []

        def limit(key: str) -> object:
            value = typed.get(key)
            return Fraction(value) if isinstance(value, Decimal) else value

        max_length = limit("max_length")
        if self.vote_type == "choose-1":
            max_length = 1
        if max_length is not None:
            checks.append(("max_length", lambda b: len(b) > max_length,
                           f"the ballot names more projects than max_length ({max_length})"))
        min_length = limit("min_length")
        if min_length is not None:
            checks.append(("min_length", lambda b: 0 < len(b) < min_length,
                           f"the ballot names fewer projects than min_length ({min_length})"))
        if self.points_col is not None:
            for key, test, what in (
                ("max_sum_points", lambda b, v: sum(b.values()) > v, "the points add up to more than"),
                ("min_sum_points", lambda b, v: bool(b) and sum(b.values()) < v, "the points add up to less than"),
                ("max_points", lambda b, v: any(p > v for p in b.values()), "a project gets more points than"),
                ("min_points", lambda b, v: any(p < v for p in b.values()), "a project gets fewer points than"),
            ):
                value = limit(key)
                if value is not None:
                    checks.append((key, functools.partial(test, v=value), f"{what} {key} ({_fmt(typed[key])})"))
        if self.vote_type == "approval":
            for key, test, what in (
                ("max_sum_cost", lambda c, v: c > v, "the projects on the ballot cost more than"),
                ("min_sum_cost", lambda c, v: 0 < c < v, "the projects on the ballot cost less than"),
            ):
                value = limit(key)
                if value is not None:
                    checks.append((
                        key,
                        lambda b, t=test, v=value: t(sum(costs[p] for p in b), v),
                        f"{what} {key} ({_fmt(typed[key])})",
                    ))
        if self.compact is not None:
            self._check_compact(checks, costs)
        for kind, test, message in checks:
            bad = {same for same, (ballot, _) in self.canon.items() if test(ballot)}
            if bad:
                keys = [key for key, same in self.of_key.items() if same in bad]
                self.problems[kind] = (f"{message}; it is counted as given, as pabutools does", keys)
        wanted = [k for _, keys in self.problems.values() for k in keys]
        where = self._lines_of(wanted) if wanted else {}
        for message, keys in self.problems.values():
            first = min((where[k][0] for k in keys if k in where), default=None)
            total = sum(self.counts[k] for k in keys)
            self.parser.warn(message, first, total - 1)
        if self.empty_voter:
            self.parser.warn("a voter id is empty; the vote is counted", self.empty_voter[0], len(self.empty_voter) - 1)
        if self.repeated_voter:
            self.parser.warn(
                "a voter id appears again; both votes are counted, as pabutools does",
                self.repeated_voter[0],
                len(self.repeated_voter) - 1,
            )

    def _check_compact(self, checks: list, costs: dict[str, Number]) -> None:
        """The same checks on compact ballots, vectorised where the numbers allow (then emptied)."""
        compact = self.compact
        lens = compact.lengths()
        cost_sums = None
        if all(type(c) is int and abs(c) < 1 << 40 for c in costs.values()):
            per_project = np.asarray([costs[pid] for pid in compact.ids], dtype=np.int64)
            running = np.zeros(len(compact.idx) + 1, dtype=np.int64)
            np.cumsum(per_project[compact.idx], out=running[1:])
            cost_sums = running[compact.offsets[1:]] - running[compact.offsets[:-1]]
        typed = self.parser.typed
        remaining = []
        for kind, test, message in checks:
            if kind == "max_length":
                limit = 1 if self.vote_type == "choose-1" else typed["max_length"]
                mask = lens > limit
            elif kind == "min_length":
                mask = (lens > 0) & (lens < typed["min_length"])
            elif kind in ("max_sum_cost", "min_sum_cost") and cost_sums is not None:
                value = Fraction(typed[kind]) if isinstance(typed[kind], Decimal) else typed[kind]
                mask = cost_sums > value if kind == "max_sum_cost" else (cost_sums > 0) & (cost_sums < value)
            else:
                mask = np.fromiter(map(test, compact), dtype=bool, count=len(compact))
            bad = np.nonzero(mask)[0].tolist()
            if bad and self.compact_keys is None:
                raise _Redo  # read again the careful way, which finds each problem's line
            if bad:
                keys = [self.compact_keys[b] for b in bad]
                self.problems[kind] = (f"{message}; it is counted as given, as pabutools does", keys)
        checks[:] = remaining
        self.canon = {}

    def _lines_of(self, keys: list) -> dict:
        """First line and number of lines for each key (a second pass if the lines were not kept)."""
        wanted = set(keys)
        if all(k in self.first_line for k in wanted):
            return {k: (self.first_line[k], self.counts[k]) for k in wanted}
        again = _Parser(_open(self.source_bytes()), None, strict=False, voters=True)
        found: dict = {}
        with again.lines.handle:
            while True:
                got = again._record()
                if got is None or got[0] >= self.header_line:
                    break
            while True:
                got = again._record()
                if got is None:
                    break
                line, row = got
                if len(row) != self.width:
                    continue
                key = row[self.vote_col] if len(self.cols) == 1 else tuple(row[c] for c in self.cols)
                if key in wanted and key not in found:
                    found[key] = (line, self.counts[key])
        return found

    def source_bytes(self) -> str | os.PathLike[str] | bytes:
        return self.parser.source  # type: ignore[return-value]


_EMPTY_ID = "the vote has an empty project id (as in '1,,3'); it is skipped, as pabutools does"


class _Redo(Exception):
    """The fast reader met something it leaves to the careful one: read the file again."""


class _Bad(Exception):
    """A vote the format does not allow (the line is found afterwards)."""


def _fmt(value: object) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return str(Decimal(value.numerator) / Decimal(value.denominator))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ordered(keys: Iterable[str], order: tuple[str, ...]) -> list[str]:
    keys = list(dict.fromkeys(keys))
    known = [k for k in order if k in keys]
    return known + [k for k in keys if k not in order]


def write_pb(election: Election, selected: Iterable[str] | None = None) -> str:
    """Write an Election as Pabulib text; ``selected`` (project ids) fills a selected column."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    meta: dict[str, object] = dict(election.meta)
    meta["num_projects"] = len(election.projects)
    meta["num_votes"] = election.n_voters
    meta["budget"] = election.budget
    meta["vote_type"] = election.vote_type
    for key in (*_INT_META, *_NUM_META, *_STR_META):
        value = getattr(election, key)
        if value is not None:
            meta[key] = value
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key in _ordered(meta, _META_ORDER):
        writer.writerow([key, _fmt(meta[key])])

    chosen = set(selected) if selected is not None else None
    votes: dict[str, int] = {}
    score: dict[str, Number] = {}
    weights = election.weights or [1] * len(election.ballots)
    for ballot, weight in zip(election.ballots, weights, strict=True):
        for pid, pts in ballot.items():
            votes[pid] = votes.get(pid, 0) + weight
            score[pid] = score.get(pid, 0) + weight * pts
    columns: list[str] = []
    for p in election.projects:
        columns.extend(p.extra)
    columns.append("votes")
    if election.vote_type not in ("approval", "choose-1"):
        columns.append("score")
    if any(p.name for p in election.projects):
        columns.append("name")
    if chosen is not None:
        columns.append("selected")
    columns = _ordered(columns, _PROJECT_ORDER)
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", *columns])
    for p in election.projects:
        values: dict[str, object] = {"votes": votes.get(p.id, 0), "score": score.get(p.id, 0)}
        values["name"] = p.name
        values.update(p.extra)
        if chosen is not None:
            values["selected"] = 1 if p.id in chosen else 0
        writer.writerow([p.id, _fmt(p.cost), *(_fmt(values.get(c, "")) for c in columns)])

    with_points = election.vote_type in ("cumulative", "scoring") or (
        election.vote_type == "ordinal" and _ordinal_needs_points(election)
    )
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if with_points else []), *election.voter_fields])
    ids = iter(election.voter_ids or [str(i + 1) for i in range(election.n_voters)])
    data = election.voter_data or [()] * len(election.ballots)
    rankings = election.rankings
    for i, ballot in enumerate(election.ballots):
        order = list(rankings[i]) if rankings is not None else list(ballot)
        row = ["", ",".join(order)]
        if with_points:
            row.append(",".join(_fmt(ballot[p]) for p in order))
        row.extend(data[i])
        for _ in range(weights[i]):
            row[0] = next(ids)
            writer.writerow(row)
    return out.getvalue()


def _ordinal_needs_points(election: Election) -> bool:
    """True unless every ordinal ballot carries exactly the Pabulib default points."""
    top = election.max_length or len(election.projects)
    rankings = election.rankings or [tuple(b) for b in election.ballots]
    for ranking, ballot in zip(rankings, election.ballots, strict=True):
        for pos, pid in enumerate(ranking):
            if ballot.get(pid) != top - pos:
                return True
    return False
