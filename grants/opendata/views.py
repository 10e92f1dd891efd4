"""Open data downloads: CSV and JSON datasets, the 360Giving package and the Atom feed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from flask import Response, abort, render_template, request, stream_with_context

from grants.caching import same_for_everyone
from grants.opendata import bp, data, feed, threesixty
from grants.security import public

FORMATS = ("csv", "json")
DESCRIPTIONS = {
    "rounds": "Every published table: purpose, rules, timetable and money.",
    "proposals": "Proposals from groups that agreed to be named, and every funded proposal.",
    "results": "Every counted result, line by line, with the explanation of each outcome.",
    "awards": "Every award, with what has been paid and anything on hold.",
    "ledger": "Every public money movement, newest first, with running totals.",
}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):  # noqa: ANN001, ANN202
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in row])
        yield buffer.getvalue()


def _download(body, mimetype: str, filename: str) -> Response:  # noqa: ANN001
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Access-Control-Allow-Origin": "*"},
    )


@bp.route("/")
@public
@same_for_everyone
def index():
    """What open data there is, in which formats, and under which licence."""
    return render_template("opendata/index.html", datasets=DESCRIPTIONS, formats=FORMATS)


@bp.route("/<dataset>.<fmt>")
@public
@same_for_everyone
def download(dataset: str, fmt: str):
    """One dataset as CSV or JSON, optionally for one table (?round=slug), group or funder."""
    if dataset not in data.DATASETS or fmt not in FORMATS:
        abort(404)
    filters = data.resolve_filters(request.args.get("round"), request.args.get("group"), request.args.get("funder"))
    if filters is None:
        abort(404)
    suffix = "-" + "-".join(
        v for v in (request.args.get("round"), request.args.get("group"), request.args.get("funder")) if v
    )
    filename = f"our-tables-{dataset}{suffix if suffix != '-' else ''}.{fmt}"
    rows = data.all_rows(dataset, filters)
    if fmt == "json":
        # Built whole: JSON cannot be streamed row by row without hand-writing the brackets.
        return _download(json.dumps({"data": list(rows)}, ensure_ascii=False), "application/json", filename)

    def generate() -> Iterator[str]:
        first = next(rows, None)
        if first is None:
            yield ""
            return
        header = list(first)
        yield from _csv_lines(header, ([r[k] for k in header] for r in _chain(first, rows)))

    return _download(stream_with_context(generate()), "text/csv", filename)


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


@bp.route("/360giving.json")
@public
@same_for_everyone
def threesixty_json():
    """Every award as a 360Giving Data Standard package."""
    body = json.dumps(threesixty.package(), ensure_ascii=False, indent=1)
    return _download(body, "application/json", "our-tables-360giving.json")


@bp.route("/360giving.csv")
@public
@same_for_everyone
def threesixty_csv():
    """The 360Giving grants flattened to one sheet, with the standard's column titles."""
    header, rows = threesixty.grant_rows(threesixty.grants())
    return _download("".join(_csv_lines(header, rows)), "text/csv", "our-tables-360giving-grants.csv")


@bp.route("/360giving-disbursements.csv")
@public
@same_for_everyone
def threesixty_transactions_csv():
    """The 360Giving disbursement transactions (the second sheet of the flattened package)."""
    header, rows = threesixty.transaction_rows(threesixty.grants())
    return _download("".join(_csv_lines(header, rows)), "text/csv", "our-tables-360giving-disbursements.csv")


@bp.route("/feed.atom", endpoint="feed")
@public
@same_for_everyone
def feed_atom():
    """The Atom feed of decisions and payments."""
    return Response(feed.atom(), mimetype="application/atom+xml")
