"""The read-only JSON API: schemathesis checks it against its OpenAPI document; bad input gets a JSON reason."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from grants.ledger import books

OPERATIONS = ["/totals", "/rounds", "/rounds/{slug}", "/proposals", "/results", "/awards", "/ledger"]


@pytest.mark.parametrize("path", OPERATIONS)
def test_api_conforms_to_its_openapi_document(app, demo, path):
    """No 5xx, and every response matches the document (status codes, content types, bodies).

    Uses schemathesis' Python API with Hypothesis directly, in-process through WSGI (no network).
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path]["GET"]
    calls = []

    @given(case=operation.as_strategy())
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):  # noqa: ANN001, ANN202
        response = case.call_and_validate()
        calls.append(response.status_code)

    check()
    assert calls and all(code < 500 for code in calls)
    if "{" not in path:
        assert 200 in calls


def test_bad_query_parameters_get_a_400_with_a_reason(client, demo):
    for url, word in [
        ("/api/v1/rounds?page=0", "`page` must be from 1"),
        ("/api/v1/rounds?page=abc", "`page` must be a whole number"),
        ("/api/v1/ledger?per_page=100000", "`per_page` must be from 1 to 500"),
        ("/api/v1/rounds?round=x", "cannot be filtered by `round`"),
        ("/api/v1/proposals?funder=x", "cannot be filtered by `funder`"),
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        body = response.get_json()
        assert body["error"] == "bad_request" and word in body["reason"], (url, body)
    response = client.get("/api/v1/awards?round=no-such-table")
    assert response.status_code == 404 and "no-such-table" in response.get_json()["reason"]
    assert client.get("/api/v1/rounds/no-such-table").get_json()["error"] == "not_found"
    assert client.get("/api/v1/nothing/here").status_code == 404
    response = client.post("/api/v1/rounds")
    assert response.status_code in (400, 405)  # never a write


def test_pages_follow_next_links_to_every_item(client, demo):
    seen, url = [], "/api/v1/ledger?per_page=2"
    while url:
        body = client.get(url).get_json()
        assert len(body["data"]) <= 2
        seen += body["data"]
        url = body["next"]
    assert len(seen) == len({row["id"] for row in seen}) > 2
    assert seen[0]["received_so_far_pence"] == books.platform_summary().received_pence
    assert client.get("/api/v1/totals").get_json()["paid_pence"] == books.platform_summary().paid_pence


def test_round_detail_and_filters(client, demo):
    rnd = demo["peer-support-table-2026"]
    body = client.get(f"/api/v1/rounds/{rnd.slug}").get_json()
    assert body["title"] == rnd.title
    assert body["received_pence"] == books.round_summary(rnd.id).received_pence
    awards = client.get(f"/api/v1/awards?round={rnd.slug}").get_json()["data"]
    assert awards and {a["round"] for a in awards} == {rnd.slug}


def test_nul_bytes_and_long_names_are_refused_not_500(client, demo):
    """Found by schemathesis on PostgreSQL, which refuses NUL bytes in text."""
    assert client.get("/api/v1/ledger?round=a%00b").status_code == 400
    assert client.get("/api/v1/ledger?round=Caf%C3%A9").status_code == 400
    # A NUL anywhere in the address is refused before any view, with the reason (issue 16).
    refused = client.get("/api/v1/rounds/a%00b")
    assert refused.status_code == 400 and "control character" in refused.get_json()["reason"]
    for address in ("/tables/a%00b", "/groups/a%00b", "/funders/a%00b", "/open-data/awards.csv?round=a%00b"):
        response = client.get(address)
        assert response.status_code == 400 and "control character" in response.get_data(as_text=True), address
    assert client.get("/tables/" + "x" * 300).status_code == 404
