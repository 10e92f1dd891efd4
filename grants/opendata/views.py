"""Open data downloads: CSV and JSON datasets, the 360Giving package and the Atom feed."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import lazy_gettext as _l

from grants.audit import head_at, published_head
from grants.caching import same_for_everyone
from grants.opendata import bp, data, feed, files, services
from grants.opendata.columns import COLUMNS
from grants.opendata.csvtext import csv_lines
from grants.security import public

FORMATS = ("csv", "json")
DESCRIPTIONS = {
    "rounds": _l("Every published table: purpose, rules, timetable and money."),
    "proposals": _l("Proposals from groups that agreed to be named, and every funded proposal."),
    "results": _l("Every counted result, line by line, with the explanation of each outcome."),
    "awards": _l("Every award, with what has been paid and anything on hold."),
    "ledger": _l("Every public money movement, newest first, with running totals."),
}


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
    return render_template(
        "opendata/index.html",
        datasets=DESCRIPTIONS,
        formats=FORMATS,
        files_made_at=files.made_at(),
        columns=COLUMNS,
    )


@bp.route("/<dataset>.<fmt>")
@public
@same_for_everyone(query=("round", "group", "funder"))
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
        # Streamed row by row, so a large file is never held whole: the same bytes as
        # json.dumps({"data": [...]}, ensure_ascii=False), its brackets written here.
        return _download(stream_with_context(_json_lines(rows)), "application/json", filename)

    def generate() -> Iterator[str]:
        first = next(rows, None)
        if first is None:
            yield ""
            return
        header = list(first)
        yield from csv_lines(header, ([r[k] for k in header] for r in _chain(first, rows)))

    return _download(stream_with_context(generate()), "text/csv", filename)


def _json_lines(rows: Iterator[dict]) -> Iterator[str]:
    yield '{"data": ['
    for number, row in enumerate(rows):
        yield (", " if number else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def _send_stored(name: str) -> Response:
    """A stored file as it is: gzipped if the client accepts gzip; 304 if it has this version."""
    published = files.FILES[name]
    gzipped = request.accept_encodings["gzip"] > 0
    for _ in range(3):  # a file remade between the two reads is looked up again
        found = files.current(name)
        if found is None:  # a new site: the first download makes the files
            services.make_open_data_files()
            found = files.current(name)
        path = files.local_copy(name, found.etag, gzipped)
        if path is not None:
            break
    else:
        raise RuntimeError(f"the stored file {name} kept changing while it was read")
    response = send_file(
        path,
        mimetype=published.mimetype,
        conditional=True,
        etag=f"{found.etag}-gzip" if gzipped else found.etag,
        last_modified=found.made_at,
    )
    if gzipped and response.status_code != 304:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Disposition"] = f'attachment; filename="{published.download_name}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept-Encoding")
    return response


# The 360Giving files are made by the worker after each change (grants/opendata/services.py)
# and sent as stored: not kept in the page cache, which is for pages made in the request.
@bp.route("/360giving.json")
@public
def threesixty_json():
    """Every award as a 360Giving Data Standard package."""
    return _send_stored("360giving.json")


@bp.route("/360giving.csv")
@public
def threesixty_csv():
    """The 360Giving grants flattened to one sheet, with the standard's column titles."""
    return _send_stored("360giving.csv")


@bp.route("/360giving-disbursements.csv")
@public
def threesixty_transactions_csv():
    """The 360Giving disbursement transactions (the second sheet of the flattened package)."""
    return _send_stored("360giving-disbursements.csv")


def _head_json(head) -> Response:  # noqa: ANN001
    body = {"entry": head.seq, "hash": head.hash, "head": head.text, "written_at": head.created_at.isoformat()}
    return Response(json.dumps(body), mimetype="application/json", headers={"Access-Control-Allow-Origin": "*"})


@bp.route("/audit-head.json", endpoint="audit_head")
@public
@same_for_everyone
def audit_head_now():
    """The head of the audit log's chain now: its entry number, its hash and when it was written."""

    head = published_head()
    if head is None:
        abort(404)
    return _head_json(head)


@bp.route("/audit-head/<int:seq>.json")
@public
@same_for_everyone
def audit_head_at(seq: int):
    """Entry `seq` of the chain as a head, to compare with one kept earlier; 404 if the chain no longer reaches it."""

    head = head_at(seq)
    if head is None:
        abort(404)
    return _head_json(head)


@bp.route("/feed.atom", endpoint="feed")
@public
@same_for_everyone
def feed_atom():
    """The Atom feed of decisions and payments."""
    return Response(feed.atom(), mimetype="application/atom+xml")
