"""The JSON API views: read-only, public, paged, and every error a JSON reason."""

from __future__ import annotations

import re

from flask import jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from grants.api import bp, openapi
from grants.ledger import published
from grants.opendata import data
from grants.security import public

DEFAULT_PAGE_SIZE = 50
SLUG = re.compile(openapi.SLUG_PATTERN)


class BadQuery(Exception):
    """A query parameter that is not valid."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _error(status: int, error: str, reason: str):  # noqa: ANN202
    response = jsonify({"error": error, "reason": reason})
    response.status_code = status
    return response


@bp.errorhandler(BadQuery)
def bad_query(exc: BadQuery):
    """A 400 (or 404) with the reason, as JSON."""
    return _error(exc.status, "bad_request" if exc.status == 400 else "not_found", exc.reason)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Every other HTTP error from the API as JSON, never an HTML page."""
    response = _error(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise BadQuery(f"`{name}` must be a whole number from {low} to {high}; got {raw!r}.")
    value = int(raw)
    if not low <= value <= high:
        raise BadQuery(f"`{name}` must be from {low} to {high}; got {value}.")
    return value


def _filters(allowed: tuple[str, ...]) -> data.Filters:
    slugs = {}
    for name in ("round", "group", "funder"):
        raw = request.args.get(name)
        if raw is None:
            continue
        if name not in allowed:
            raise BadQuery(f"This list cannot be filtered by `{name}`. It can be filtered by: {', '.join(allowed)}.")
        if not SLUG.fullmatch(raw):
            raise BadQuery(
                f"`{name}` must be a short name as in a web address: 1 to 80 lower-case letters, digits and hyphens."
            )
        slugs[name] = raw
    found = data.resolve_filters(slugs.get("round"), slugs.get("group"), slugs.get("funder"))
    if found is None:
        raise BadQuery("No published " + " or ".join(f"{k} called {v!r}" for k, v in slugs.items()) + ".", 404)
    return found


def _page(dataset: str, endpoint: str, allowed: tuple[str, ...]):  # noqa: ANN202
    page = _int_param("page", 1, 1, openapi.MAX_PAGE)
    per_page = _int_param("per_page", DEFAULT_PAGE_SIZE, 1, data.MAX_PAGE_SIZE)
    filters = _filters(allowed)
    rows = data.DATASETS[dataset](filters, per_page + 1, (page - 1) * per_page)
    has_next = len(rows) > per_page and page < openapi.MAX_PAGE
    args = {k: v for k, v in request.args.items() if k in ("round", "group", "funder")}
    return jsonify(
        {
            "data": rows[:per_page],
            "page": page,
            "per_page": per_page,
            "next": url_for(endpoint, page=page + 1, per_page=per_page, **args) if has_next else None,
        }
    )


@bp.route("/openapi.json")
@public
def openapi_document():
    """The OpenAPI 3 document describing this API."""
    return jsonify(openapi.document())


@bp.route("/totals")
@public
def totals():
    """Money across every table, from the ledger."""
    m = published.platform_summary()
    return jsonify(
        {
            "received_pence": m.received_pence,
            "fees_pence": m.fees_pence,
            "committed_pence": m.committed_pence,
            "paid_pence": m.paid_pence,
            "available_pence": m.available_pence,
        }
    )


@bp.route("/rounds")
@public
def rounds():
    """Published tables, paged."""
    return _page("rounds", "api.rounds", ())


@bp.route("/rounds/<slug>")
@public
def round_detail(slug: str):
    """One published table."""
    filters = data.resolve_filters(slug, None, None)
    if filters is None:
        raise BadQuery(f"No published table called {slug!r}.", 404)
    return jsonify(data.rounds(filters, 1, 0)[0])


@bp.route("/proposals")
@public
def proposals():
    """Named proposals, paged."""
    return _page("proposals", "api.proposals", ("round", "group"))


@bp.route("/results")
@public
def results():
    """Lines of counted results, paged."""
    return _page("results", "api.results", ("round", "group"))


@bp.route("/awards")
@public
def awards():
    """Awards, paged."""
    return _page("awards", "api.awards", ("round", "group", "funder"))


@bp.route("/ledger")
@public
def ledger_entries():
    """Money movements, newest first, paged."""
    return _page("ledger", "api.ledger_entries", ("round", "group", "funder"))


@bp.route("/<path:anything>")
@public
def not_found(anything: str):
    """Anything else under the API is a JSON 404."""
    return _error(404, "not_found", "There is nothing at this address. See /api/v1/openapi.json.")
