"""The OpenAPI 3 document of the JSON API. The tests run schemathesis against it."""

from __future__ import annotations

from grants.opendata.data import MAX_PAGE_SIZE

MAX_PAGE = 100_000
# Slugs are made by grants.core.slugify: lower-case letters, digits and hyphens.
SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{0,79}$"
SLUG = {"type": "string", "pattern": SLUG_PATTERN, "minLength": 1, "maxLength": 80}


def _nullable(kind: str, **extra) -> dict:  # noqa: ANN003
    return {"type": kind, "nullable": True, **extra}


def _obj(props: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(props), "properties": props}


STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
DATE, DATETIME = {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}

def _texts(*fields: str) -> dict:
    """Text written in each language: an object keyed by language code (en, cy), each with these texts."""
    return {
        "type": "object",
        "description": "The texts in each language they were written in, keyed by language code (en, cy). "
        "Nothing is machine translated: a language is here only if people wrote in it.",
        "additionalProperties": _obj({f: STR for f in fields}),
    }


ROUND = _obj(
    {
        "slug": STR,
        "title": STR,
        "purpose": STR,
        "who_may_apply": STR,
        "language": {"type": "string", "description": "The language title, purpose and who_may_apply are in."},
        "texts": _texts("title", "purpose", "who_may_apply"),
        "status": STR,
        "currency": STR,
        "max_grant_pence": INT,
        "bids_open_at": DATETIME,
        "bids_close_at": DATETIME,
        "deliberation_opens_at": DATETIME,
        "voting_opens_at": DATETIME,
        "voting_closes_at": DATETIME,
        "ballot_type": STR,
        "counting_rule": STR,
        "tie_break": STR,
        "quorum_min_ballots": _nullable("integer"),
        "quorum_min_share_percent": _nullable("integer"),
        "received_pence": INT,
        "fees_pence": INT,
        "committed_pence": INT,
        "paid_pence": INT,
        "available_pence": INT,
        "url": STR,
    }
)
PROPOSAL = _obj(
    {
        "id": INT,
        "round": STR,
        "group": STR,
        "group_name": STR,
        "title": STR,
        "summary": STR,
        "language": {"type": "string", "description": "The language title and summary are in."},
        "texts": _texts("title", "summary"),
        "status": STR,
        "requested_pence": INT,
        "submitted_at": _nullable("string", format="date-time"),
    }
)
RESULT_LINE = _obj(
    {
        "round": STR,
        "position": INT,
        "proposal_id": _nullable("integer"),
        "proposal_title": _nullable("string"),
        "group": _nullable("string"),
        "group_name": _nullable("string"),
        "support": NUM,
        "cost_pence": INT,
        "is_funded": BOOL,
        "explanation": STR,
        "rule": STR,
        "budget_pence": INT,
        "quorum_met": BOOL,
        "ballot_fingerprint": STR,
        "counted_at": DATETIME,
    }
)
AWARD = _obj(
    {
        "reference": STR,
        "round": STR,
        "group": STR,
        "group_name": STR,
        "proposal_title": STR,
        "amount_pence": INT,
        "paid_pence": INT,
        "held_pence": INT,
        "held_reasons": _nullable("string"),
        "awarded_on": DATE,
        "currency": STR,
    }
)
LEDGER_ENTRY = _obj(
    {
        "id": INT,
        "occurred_on": DATE,
        "kind": STR,
        "description": STR,
        "reference": _nullable("string"),
        "round": _nullable("string"),
        "group": _nullable("string"),
        "funder": _nullable("string"),
        "amount_pence": INT,
        "received_so_far_pence": INT,
        "awarded_so_far_pence": INT,
        "paid_so_far_pence": INT,
    }
)
TOTALS = _obj(
    {"received_pence": INT, "fees_pence": INT, "committed_pence": INT, "paid_pence": INT, "available_pence": INT}
)
ERROR = _obj({"error": STR, "reason": STR})

SCHEMAS = {
    "Round": ROUND,
    "Proposal": PROPOSAL,
    "ResultLine": RESULT_LINE,
    "Award": AWARD,
    "LedgerEntry": LEDGER_ENTRY,
    "Totals": TOTALS,
    "Error": ERROR,
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(name: str) -> dict:
    return _obj(
        {
            "data": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            "next": _nullable("string"),
        }
    )


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "A query parameter is not valid; `reason` says which and why."),
    "404": _json(_ref("Error"), "Nothing public by that name."),
}
PAGING = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Page number, from 1.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": f"Items per page, 1 to {MAX_PAGE_SIZE}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50},
    },
]


def _filter(name: str, what: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"Only items for this {what} (its short name, as in its web address).",
        "schema": SLUG,
    }


def _list(op_id: str, summary: str, schema: str, filters: list[str]) -> dict:
    what = {"round": "table", "group": "group", "funder": "funder"}
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "parameters": [*PAGING, *(_filter(f, what[f]) for f in filters)],
            "responses": {"200": _json(_page_of(schema), summary), **ERRORS},
        }
    }


def document() -> dict:
    """The OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Our Tables open data API",
            "version": "1.0.0",
            "description": (
                "Read-only public data: tables (rounds), named proposals, results, awards and every money "
                "movement. Amounts are integer pence. Lists are paged with `page` and `per_page`; follow `next`. "
                "No personal data is published."
            ),
            "license": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/totals": {
                "get": {
                    "operationId": "totals",
                    "summary": "Money across every table",
                    "responses": {"200": _json(_ref("Totals"), "Totals from the ledger")},
                }
            },
            "/rounds": _list("listRounds", "Published tables", "Round", []),
            "/rounds/{slug}": {
                "get": {
                    "operationId": "getRound",
                    "summary": "One published table",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": SLUG,
                        }
                    ],
                    "responses": {"200": _json(_ref("Round"), "The table"), "404": ERRORS["404"]},
                }
            },
            "/proposals": _list("listProposals", "Named proposals", "Proposal", ["round", "group"]),
            "/results": _list("listResults", "Lines of counted results", "ResultLine", ["round", "group"]),
            "/awards": _list("listAwards", "Awards", "Award", ["round", "group", "funder"]),
            "/ledger": _list(
                "listLedger", "Money movements, newest first", "LedgerEntry", ["round", "group", "funder"]
            ),
        },
        "components": {"schemas": SCHEMAS},
    }
