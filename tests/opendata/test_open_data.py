"""Open data: CSV and JSON datasets, the 360Giving package (validated against the schema), the Atom feed."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from grants.extensions import db
from grants.ledger import books
from grants.models import Award, Proposal, ProposalStatus

SHARED = Path(__file__).resolve().parents[3] / "shared" / "360giving"
PERSONAL = ["Cara Convenor", "Pat Panel", "Gus Group", "Olu Other", "Fay Funder", "Theo Treasurer", "@example.org"]
ATOM = "{http://www.w3.org/2005/Atom}"


def _validator() -> Draft202012Validator:
    grant = json.loads((SHARED / "360-giving-schema.json").read_text())
    package = json.loads((SHARED / "360-giving-package-schema.json").read_text())
    grant_resource = Resource(contents=grant, specification=DRAFT202012)
    registry = Registry().with_resources(
        [
            (grant["$id"], grant_resource),
            # The package schema still points at the 1.4.2 address of the grant schema.
            (package["properties"]["grants"]["items"]["$ref"], grant_resource),
        ]
    )
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


def test_360giving_package_validates_with_zero_errors(client, demo):
    if not SHARED.exists():
        pytest.fail(f"the vendored 360Giving schema is missing at {SHARED}")
    response = client.get("/open-data/360giving.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    package = response.get_json()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(package)]
    assert errors == []
    awards = db.session.execute(select(Award).order_by(Award.id)).scalars().all()
    assert len(package["grants"]) == len(awards) > 0
    paid = books.award_paid_totals([a.id for a in awards])
    for grant, award in zip(package["grants"], awards, strict=True):
        assert grant["id"] == f"360G-ourtables-{award.reference}"
        assert grant["amountAwarded"] * 100 == award.amount_pence
        assert round(grant["amountDisbursed"] * 100) == paid[award.id]
        assert round(sum(t["value"] for t in grant.get("disbursementTransaction", [])) * 100) == paid[award.id]
        assert grant["awardDate"] == award.awarded_on.isoformat()
        assert grant["grantProgramme"][0]["code"] == award.round.slug
        assert grant["fundingOrganization"][0] == {
            "id": "GB-CHC-1099999",
            "charityNumber": "1099999",
            "name": "Northern Community Trust",
            "url": "https://trust.example.org",
        }
        recipient = grant["recipientOrganization"][0]
        if award.group.registered_number:
            assert recipient["id"] == f"GB-CHC-{award.group.registered_number}"
        else:
            assert recipient["id"] == f"360G-ourtables-org-group-{award.group.slug}"
    assert any(g.get("disbursementTransaction") for g in package["grants"])
    assert any(g["recipientOrganization"][0]["id"].startswith("GB-CHC-") for g in package["grants"])
    assert not any(name in response.get_data(as_text=True) for name in PERSONAL)


def test_org_identifiers_follow_org_id_schemes(app):
    from grants.opendata.threesixty import org_identifiers

    assert org_identifiers("1180000", "group", "x") == {"id": "GB-CHC-1180000", "charityNumber": "1180000"}
    assert org_identifiers("01234567", "group", "x") == {"id": "GB-COH-01234567", "companyNumber": "01234567"}
    assert org_identifiers("sc 123456", "group", "x")["id"] == "GB-COH-SC123456"
    assert org_identifiers(None, "group", "allotment-minds") == {"id": "360G-ourtables-org-group-allotment-minds"}
    assert org_identifiers("not a number", "funder", "f") == {"id": "360G-ourtables-org-funder-f"}


def test_360giving_csv_uses_the_standard_column_titles(client, demo):
    grants = client.get("/open-data/360giving.json").get_json()["grants"]
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/360giving.csv").get_data(as_text=True))))
    assert len(rows) == len(grants)
    for row, grant in zip(rows, grants, strict=True):
        assert row["Identifier"] == grant["id"]
        assert row["Amount Awarded"] == str(grant["amountAwarded"])
        assert row["Recipient Org:Identifier"] == grant["recipientOrganization"][0]["id"]
        assert row["Funding Org:Identifier"] == "GB-CHC-1099999"
        assert row["Grant Programme:Title"] == grant["grantProgramme"][0]["title"]
    payments = list(
        csv.DictReader(io.StringIO(client.get("/open-data/360giving-disbursements.csv").get_data(as_text=True)))
    )
    assert len(payments) == sum(len(g.get("disbursementTransaction", [])) for g in grants) > 0


@pytest.mark.parametrize("dataset", ["rounds", "proposals", "results", "awards", "ledger"])
def test_csv_and_json_downloads_agree_and_name_no_one(client, demo, dataset):
    as_json = client.get(f"/open-data/{dataset}.json")
    as_csv = client.get(f"/open-data/{dataset}.csv")
    assert as_json.status_code == as_csv.status_code == 200
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = as_json.get_json()["data"]
    table = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert len(rows) == len(table) > 0
    assert list(table[0]) == list(rows[0])
    for body in (as_json.get_data(as_text=True), as_csv.get_data(as_text=True)):
        assert not any(name in body for name in PERSONAL)


@pytest.mark.parametrize("scope", ["site", "round"])
def test_the_ledger_download_is_the_ledger_pages_read_in_one_pass(client, demo, scope):
    # A download reads the ledger once (a large ledger read page after page re-read every newer
    # movement for each page); its rows and running totals are the pages' rows, and its JSON is
    # streamed as exactly the bytes json.dumps would make of the whole list.
    from grants.opendata.data import Filters, all_rows, ledger_entries

    rnd = demo["peer-support-table-2026"]
    filters, query = (Filters(), "") if scope == "site" else (Filters(round_id=rnd.id), f"?round={rnd.slug}")
    paged, offset = [], 0
    while page := ledger_entries(filters, 3, offset):
        paged += page
        offset += 3
    assert len(paged) > 6, "the demo's ledger spans several pages of 3"
    assert list(all_rows("ledger", filters, page_size=4)) == paged
    body = client.get(f"/open-data/ledger.json{query}").get_data(as_text=True)
    assert body == json.dumps({"data": paged}, ensure_ascii=False)
    table = list(csv.DictReader(io.StringIO(client.get(f"/open-data/ledger.csv{query}").get_data(as_text=True))))
    assert [int(r["received_so_far_pence"]) for r in table] == [r["received_so_far_pence"] for r in paged]


def test_unnamed_applicants_are_never_named_in_exports(client, demo):
    hidden = (
        db.session.execute(
            select(Proposal).where(Proposal.agreed_to_be_named.is_(False), Proposal.status != ProposalStatus.FUNDED)
        )
        .scalars()
        .all()
    )
    assert hidden, "the demo has groups that did not agree to be named"
    bodies = [
        client.get(f"/open-data/{d}.{f}").get_data(as_text=True)
        for d in ("proposals", "results")
        for f in ("csv", "json")
    ]
    results = client.get("/open-data/results.json").get_json()["data"]
    assert any(r["proposal_title"] is None for r in results)
    for p in hidden:
        for body in bodies:
            assert p.title not in body


def test_round_filter_and_unknown_round(client, demo):
    rnd = demo["peer-support-table-2026"]
    rows = client.get(f"/open-data/awards.json?round={rnd.slug}").get_json()["data"]
    assert rows and all(r["round"] == rnd.slug for r in rows)
    assert client.get("/open-data/awards.json?round=no-such-table").status_code == 404
    assert client.get("/open-data/secrets.json").status_code == 404
    assert client.get("/open-data/awards.xml").status_code == 404


def test_atom_feed_of_decisions_and_payments_parses(client, demo):
    response = client.get("/open-data/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Decision: Peer Support Table 2026" in titles
    assert any(t.startswith("Payment to group") for t in titles)
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}") is not None
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)


def test_open_data_index_links_all_work(client, demo):
    import re

    html = client.get("/open-data/").get_data(as_text=True)
    links = re.findall(r'href="(/(?:open-data|api)/[^"]*)"', html)
    assert len(links) >= 14
    for link in links:
        assert client.get(link).status_code == 200, link


def test_csv_cells_that_look_like_formulas_are_defused(client, demo):
    proposal = (
        db.session.execute(select(Proposal).where(Proposal.status == ProposalStatus.FUNDED).order_by(Proposal.id))
        .scalars()
        .first()
    )
    proposal.title = '=HYPERLINK("https://evil.example","click")'
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/proposals.csv").get_data(as_text=True))))
    titles = [r["title"] for r in rows]
    assert "'" + proposal.title in titles and proposal.title not in titles
    ledger_rows = list(csv.DictReader(io.StringIO(client.get("/open-data/ledger.csv").get_data(as_text=True))))
    # Numbers are left alone, money out's minus sign too (it is not defused into text).
    assert all(re.fullmatch(r"-?\d+", r["amount_pence"]) for r in ledger_rows)
    assert any(int(r["amount_pence"]) < 0 for r in ledger_rows)
