"""Read and write Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each a ``;``-separated table with a header line: ``META``
(``key;value``), ``PROJECTS`` (``project_id;cost;...``) and ``VOTES`` (``voter_id;vote;...``).
Fields follow CSV quoting rules (a field holding ``;`` or ``"`` is quoted, quotes doubled).
We accept a UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around fields and
a decimal comma in numbers, and report any malformed line by its number.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from .model import VOTE_TYPES, Election, Number, Project

__all__ = ["PabulibError", "read_pb", "write_pb"]

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
    """A ``.pb`` file that does not follow the Pabulib format; the message names the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


# No real cost, budget, count or points value has more digits than this; a number written as
# `1e1000000` would otherwise become a million-digit integer that takes minutes to work with.
MAX_NUMBER_DIGITS = 18


def parse_number(text: str, what: str = "number", line: int | None = None) -> Number:
    """Parse a Pabulib number: an int when whole, otherwise an exact Decimal (at most 18 digits each side)."""
    raw = text.strip().replace(",", ".")
    if not raw:
        raise PabulibError(f"{what} is empty", line)
    if len(raw) > 2 * MAX_NUMBER_DIGITS + 8:
        raise PabulibError(f"{what} {raw[:24]!r}... is too long for a number", line)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise PabulibError(f"{what} {text.strip()!r} is not a number", line) from None
    if not value.is_finite():
        raise PabulibError(f"{what} {text.strip()!r} is not a finite number", line)
    if value and value.adjusted() >= MAX_NUMBER_DIGITS:
        raise PabulibError(f"{what} {raw!r} is too large: at most {MAX_NUMBER_DIGITS} digits", line)
    if value.as_tuple().exponent < -MAX_NUMBER_DIGITS:  # type: ignore[operator]
        raise PabulibError(f"{what} {raw!r} has more than {MAX_NUMBER_DIGITS} decimal places", line)
    if value == value.to_integral_value():
        return int(value)
    return value


def _points(text: str, line: int) -> Number:
    raw = text.strip()
    try:
        return int(raw)
    except ValueError:
        value = parse_number(raw, "points value", line)
        return value if isinstance(value, int) else Fraction(value)


def _load_text(source: str | os.PathLike[str] | bytes) -> str:
    if isinstance(source, bytes):
        text = source.decode("utf-8-sig")
    elif isinstance(source, os.PathLike) or ("\n" not in source and "\r" not in source):
        try:
            with open(source, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError as exc:
            raise PabulibError(f"the file is not UTF-8 text ({exc.reason})") from None
    else:
        text = source
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_pb(source: str | os.PathLike[str] | bytes) -> Election:
    """Read a Pabulib file (a path, or the file's text or bytes) into an Election."""
    text = _load_text(source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    meta_raw: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[Project] = []
    project_ids: dict[str, int] = {}
    section: str | None = None
    header: list[str] = []
    seen: list[str] = []
    votes_rows: list[tuple[int, list[str]]] = []
    votes_header: list[str] = []
    votes_header_line = 0

    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        first = row[0].strip()
        if first.upper() in SECTIONS and all(not cell.strip() for cell in row[1:]):
            name = first.upper()
            if name in seen:
                raise PabulibError(f"section {name} appears twice", line)
            expected = SECTIONS[len(seen)] if len(seen) < 3 else None
            if name != expected:
                raise PabulibError(f"expected section {expected}, found {name}", line)
            seen.append(name)
            section = name
            try:
                header = [h.strip().lstrip("\ufeff") for h in next(reader)]
            except StopIteration:
                raise PabulibError(f"section {name} has no header line", line + 1) from None
            hline = reader.line_num
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
                votes_header = header
                votes_header_line = hline
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
            meta_lines[key] = line
        elif section == "PROJECTS":
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
        else:
            votes_rows.append((line, row))

    for name in SECTIONS:
        if name not in seen:
            raise PabulibError(f"the file has no {name} section", reader.line_num or 1)

    def meta_line(key: str) -> int:
        return meta_lines.get(key, 1)

    for needed in ("budget", "vote_type"):
        if needed not in meta_raw:
            raise PabulibError(f"META has no {needed} key", meta_lines.get("key", 2))
    vote_type = meta_raw["vote_type"].strip().lower()
    if vote_type not in VOTE_TYPES:
        raise PabulibError(
            f"vote_type {meta_raw['vote_type']!r} is not one of {', '.join(VOTE_TYPES)}",
            meta_line("vote_type"),
        )
    budget = parse_number(meta_raw["budget"], "the budget", meta_line("budget"))
    if budget < 0:
        raise PabulibError("the budget is negative", meta_line("budget"))

    typed: dict[str, object] = {}
    meta: dict[str, str] = {}
    for key, value in meta_raw.items():
        if key in ("budget", "vote_type") or key in _DERIVED_META:
            continue
        if key in _INT_META:
            number = parse_number(value, key, meta_line(key))
            if not isinstance(number, int):
                raise PabulibError(f"{key} must be a whole number", meta_line(key))
            typed[key] = number
        elif key in _NUM_META:
            typed[key] = parse_number(value, key, meta_line(key))
        elif key in _STR_META:
            typed[key] = value
        else:
            meta[key] = value

    ballots, rankings, voter_ids, voter_data, voter_fields = _parse_votes(
        votes_rows, votes_header, votes_header_line, vote_type, project_ids, typed
    )
    try:
        return Election(
            projects=projects,
            budget=budget,
            vote_type=vote_type,
            ballots=ballots,
            meta=meta,
            rankings=rankings,
            voter_ids=voter_ids,
            voter_fields=voter_fields,
            voter_data=voter_data,
            **typed,  # type: ignore[arg-type]
        )
    except ValueError as exc:  # pragma: no cover - the checks above come first
        raise PabulibError(str(exc)) from None


def _parse_votes(
    rows: list[tuple[int, list[str]]],
    header: list[str],
    header_line: int,
    vote_type: str,
    project_ids: dict[str, int],
    typed: dict[str, object],
) -> tuple[
    list[dict[str, Number]],
    list[tuple[str, ...]] | None,
    list[str],
    list[tuple[str, ...]],
    tuple[str, ...],
]:
    width = len(header)
    id_col = header.index("voter_id")
    vote_col = header.index("vote")
    points_col = header.index("points") if "points" in header else None
    extra_cols = [i for i, h in enumerate(header) if h not in ("voter_id", "vote", "points")]
    voter_fields = tuple(header[i] for i in extra_cols)
    if vote_type in ("cumulative", "scoring") and points_col is None:
        raise PabulibError(f"{vote_type} ballots need a points column in VOTES", header_line)
    ordinal = vote_type == "ordinal"
    borda_top = typed.get("max_length") or len(project_ids)

    ballots: list[dict[str, Number]] = []
    rankings: list[tuple[str, ...]] | None = [] if ordinal else None
    voter_ids: list[str] = []
    voter_data: list[tuple[str, ...]] = []
    seen_voters: set[str] = set()
    known = project_ids
    # Approval-like ballots dominate big files; share one dict per distinct vote string.
    cache: dict[str, dict[str, Number]] = {}

    for line, row in rows:
        if len(row) != width:
            raise PabulibError(f"a VOTES line needs {width} fields, found {len(row)}", line)
        voter = row[id_col].strip()
        if not voter:
            raise PabulibError("a voter id is empty", line)
        if voter in seen_voters:
            raise PabulibError(f"voter id {voter!r} appears twice", line)
        seen_voters.add(voter)
        voter_ids.append(voter)
        voter_data.append(tuple(row[i].strip() for i in extra_cols))
        vote = row[vote_col].strip()
        if points_col is None and not ordinal:
            ballot = cache.get(vote)
            if ballot is None:
                ballot = {}
                for pid in vote.split(","):
                    pid = pid.strip()
                    if not pid:
                        continue
                    if pid not in known:
                        raise PabulibError(f"the vote names an unknown project {pid!r}", line)
                    if pid in ballot:
                        raise PabulibError(f"the vote names project {pid!r} twice", line)
                    ballot[pid] = 1
                cache[vote] = ballot
            ballots.append(ballot)
            continue
        ids = [p.strip() for p in vote.split(",")] if vote else []
        if any(not p for p in ids):
            raise PabulibError("the vote has an empty project id", line)
        for pid in ids:
            if pid not in known:
                raise PabulibError(f"the vote names an unknown project {pid!r}", line)
        if len(set(ids)) != len(ids):
            raise PabulibError("the vote names a project twice", line)
        if points_col is not None:
            raw_points = row[points_col].strip()
            pts = [_points(x, line) for x in raw_points.split(",")] if raw_points else []
            if len(pts) != len(ids):
                raise PabulibError(f"the vote lists {len(ids)} projects but {len(pts)} points", line)
        else:
            pts = [borda_top - i for i in range(len(ids))]
        ballot = dict(zip(ids, pts, strict=True))
        if vote_type != "scoring" and any(p < 0 for p in pts):
            raise PabulibError("points cannot be negative for this vote type", line)
        ballots.append(ballot)
        if rankings is not None:
            rankings.append(tuple(ids))
    return ballots, rankings, voter_ids, voter_data, voter_fields


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
    meta["num_votes"] = len(election.ballots)
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
    for ballot in election.ballots:
        for pid, pts in ballot.items():
            votes[pid] = votes.get(pid, 0) + 1
            score[pid] = score.get(pid, 0) + pts
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
    ids = election.voter_ids or [str(i + 1) for i in range(len(election.ballots))]
    data = election.voter_data or [()] * len(election.ballots)
    rankings = election.rankings
    for i, ballot in enumerate(election.ballots):
        order = list(rankings[i]) if rankings is not None else list(ballot)
        row = [ids[i], ",".join(order)]
        if with_points:
            row.append(",".join(_fmt(ballot[p]) for p in order))
        row.extend(data[i])
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


def read_pb_file(path: str | Path) -> Election:
    """Read a ``.pb`` file from a path (same as :func:`read_pb`)."""
    return read_pb(Path(path))
