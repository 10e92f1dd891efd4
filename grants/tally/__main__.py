"""Count a Pabulib file from the command line.

    python -m grants.tally FILE.pb [--rule RULE] [--json] [--tie-break ID,ID,...] [--strict]

Prints the funded project ids, one per line, in the order they were selected. Without
``--rule`` the rule named in the file's META ``rule`` key is used. ``--json`` prints one JSON
object instead: ``rule``, ``selected``, ``budget``, ``spent``, ``support``, ``explanations``
(id -> ``funded``, ``text``, ``figures``), ``steps`` and ``details``.

A file that breaks its own META (a project repeated in a ballot, ``num_votes`` that disagrees,
a ballot longer than ``max_length``, ...) is counted the way pabutools and the official results
count it, and each problem is printed to stderr as ``warning: FILE: line N: ...``;
``--strict`` refuses such a file instead.

Exit codes: 0 counted; 2 the file could not be read or is malformed (the message names the
line, and the byte for text that is not UTF-8), or the rule is unknown or missing.

Without ``--tie-break``, ties are broken as the file says: its META ``tie_break_order`` (ids,
earlier wins), else ``tie_break;lottery`` with its ``seed`` (the draw of ``lottery_order``),
else the engine's default for the rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .counting import RULES, count
from .lottery import lottery_order
from .model import Election
from .pabulib import PabulibError, read_pb
from .ties import tied_outcomes


def tie_break_from_meta(election: Election) -> list[str] | None:
    """The tie-break the file publishes in META, as a priority order of project ids (None: not given)."""
    order = str(election.meta.get("tie_break_order", "")).strip()
    if order:
        return [t.strip() for t in order.split(",")]
    if election.meta.get("tie_break") == "lottery" and "seed" in election.meta:
        return lottery_order([p.id for p in election.projects], str(election.meta["seed"]))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m grants.tally",
        description="Count a Pabulib .pb file and print the funded project ids.",
    )
    parser.add_argument("file", help="path to a Pabulib .pb file")
    parser.add_argument("--rule", help=f"counting rule (default: the file's META rule); one of {', '.join(RULES)}")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tie-break", help="comma-separated project ids, earlier wins a tie")
    parser.add_argument("--strict", action="store_true", help="refuse a file that breaks its own META")
    parser.add_argument(
        "--all-ties", action="store_true", help="print every outcome a tie-break order could give, one a line"
    )
    args = parser.parse_args(argv)

    try:
        # Voter ids are only needed to write a file back; merging ballots as they are read
        # keeps a million-voter file small and fast.
        election = read_pb(args.file, strict=args.strict, voters=False)
    except FileNotFoundError:
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 2
    except PabulibError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    for warning in election.warnings:
        print(f"warning: {args.file}: {warning}", file=sys.stderr)
    rule = args.rule or election.rule
    if not rule:
        print(f"error: the file names no rule in META; pass --rule (one of {', '.join(RULES)}).", file=sys.stderr)
        return 2
    if rule not in RULES:
        where = "--rule" if args.rule else "the file's META rule"
        print(
            f"error: {where} is {rule!r}, which this tool cannot count; pass --rule with one of {', '.join(RULES)}.",
            file=sys.stderr,
        )
        return 2
    if args.tie_break:
        tie_break = [t.strip() for t in args.tie_break.split(",")]
    else:
        tie_break = tie_break_from_meta(election)
    if args.all_ties:
        found = tied_outcomes(election, rule)
        for outcome in found.outcomes:
            print(",".join(outcome))
        if not found.complete:
            print("note: the list may not be complete (see grants/tally/ties.py).", file=sys.stderr)
        return 0
    try:
        result = count(election, rule, tie_break=tie_break)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: counting this file needs more memory than is available here.", file=sys.stderr)
        return 2
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for pid in result.selected:
            print(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
