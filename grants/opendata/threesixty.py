"""The 360Giving Data Standard (schema 1.4) package of every award, and its flattened CSV.

Identifiers: grants are `<prefix>-<award reference>` with the platform's registered
360Giving prefix (config THREESIXTYGIVING_PREFIX). Organisations use the org-id.guide
schemes where a registered number is known (GB-CHC- for a charity in England and Wales,
GB-COH- for a company) and `<prefix>-org-...` otherwise, as 360Giving asks for
unregistered groups. Amounts are in pounds (the standard's unit), from integer pence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, time

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import (
    Account,
    AccountKind,
    Award,
    Entry,
    EntryGroup,
    Funder,
    Pledge,
    TableFunder,
    TableFunderStatus,
)

CHARITY_NUMBER = re.compile(r"^\d{6,7}$")
COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")
SCHEMA_VERSION = "1.4"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def _pounds(pence: int) -> int | float:
    """Pence as a JSON number of pounds: whole pounds as integers, otherwise two decimal places."""
    whole, rest = divmod(int(pence), 100)
    return whole if rest == 0 else round(pence / 100, 2)


def _prefix() -> str:
    return current_app.config["THREESIXTYGIVING_PREFIX"]


def org_identifiers(registered_number: str | None, kind: str, slug: str) -> dict:
    """An organisation's identifier (and number fields) from its registered number, if it has one."""
    number = (registered_number or "").replace(" ", "").upper()
    if CHARITY_NUMBER.match(number):
        return {"id": f"GB-CHC-{number}", "charityNumber": number}
    if COMPANY_NUMBER.match(number):
        return {"id": f"GB-COH-{number}", "companyNumber": number}
    return {"id": f"{_prefix()}-org-{kind}-{slug}"}


def _platform_org() -> dict:
    return {"id": _prefix(), "name": current_app.config.get("SITE_NAME", "Our Tables")}


def _moment(day: date) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=UTC).isoformat().replace("+00:00", "Z")


def grants() -> list[dict]:
    """Every award as a 360Giving grant (four queries, whatever the number of awards)."""
    awards = list(
        db.session.execute(
            select(Award)
            .options(joinedload(Award.round), joinedload(Award.group), joinedload(Award.proposal))
            .order_by(Award.id)
        ).scalars()
    )
    round_ids = {a.round_id for a in awards}
    funders_by_round: dict[int, list[Funder]] = defaultdict(list)
    if round_ids:
        for round_id, funder in db.session.execute(
            select(Pledge.round_id, Funder)
            .join(Funder, Funder.id == Pledge.funder_id)
            # Only funders the table's convenors accepted: an offer is not public.
            .join(TableFunder, (TableFunder.round_id == Pledge.round_id) & (TableFunder.funder_id == Pledge.funder_id))
            .where(Pledge.round_id.in_(round_ids), TableFunder.status == TableFunderStatus.ACCEPTED)
            .group_by(Pledge.round_id, Funder.id)
            .order_by(Pledge.round_id, Funder.name)
        ):
            funders_by_round[round_id].append(funder)
    # Disbursements: every ledger event that moved money into or out of an award's paid account.
    transactions: dict[int, list[tuple[int, date, int]]] = defaultdict(list)
    for award_id, group_id, occurred_on, amount in db.session.execute(
        select(Account.award_id, EntryGroup.id, EntryGroup.occurred_on, func.sum(Entry.amount_pence))
        .join(Entry, Entry.account_id == Account.id)
        .join(EntryGroup, EntryGroup.id == Entry.entry_group_id)
        .where(Account.kind == AccountKind.AWARD_PAID)
        .group_by(Account.award_id, EntryGroup.id, EntryGroup.occurred_on)
        .order_by(EntryGroup.occurred_on, EntryGroup.id)
    ):
        if amount:
            transactions[award_id].append((group_id, occurred_on, int(amount)))
    return [_grant(a, funders_by_round.get(a.round_id, []), transactions.get(a.id, [])) for a in awards]


def _grant(award: Award, funders: list[Funder], paid: list[tuple[int, date, int]]) -> dict:
    prefix = _prefix()
    rnd, group, proposal = award.round, award.group, award.proposal
    currency = rnd.currency
    recipient = {
        **org_identifiers(group.registered_number, "group", group.slug),
        "name": group.name,
        "description": group.description,
        "url": url_for("public.group", slug=group.slug, _external=True),
    }
    funding = [
        {
            **org_identifiers(f.registered_number, "funder", f.slug),
            "name": f.name,
            **({"url": f.website} if f.website else {}),
        }
        for f in funders
    ] or [_platform_org()]
    modified = max([award.awarded_on, *(day for _, day, _ in paid)])
    grant = {
        "id": f"{prefix}-{award.reference}",
        "title": proposal.title,
        "description": proposal.summary,
        "currency": currency,
        "amountAppliedFor": _pounds(int(proposal.requested_pence)),
        "amountAwarded": _pounds(award.amount_pence),
        "amountDisbursed": _pounds(sum(amount for _, _, amount in paid)),
        "awardDate": award.awarded_on.isoformat(),
        "url": url_for("public.round", slug=rnd.slug, _external=True),
        "recipientOrganization": [recipient],
        "fundingOrganization": funding,
        "grantProgramme": [
            {"code": rnd.slug, "title": rnd.title, "url": url_for("public.round", slug=rnd.slug, _external=True)}
        ],
        "fromOpenCall": "Yes",
        "commitmentTransaction": [
            {
                "id": f"{prefix}-{award.reference}-commitment",
                "transactionDate": award.awarded_on.isoformat(),
                "currency": currency,
                "value": _pounds(award.amount_pence),
            }
        ],
        "dateModified": _moment(modified),
        "dataSource": url_for("opendata.threesixty_json", _external=True),
    }
    if paid:
        grant["disbursementTransaction"] = [
            {
                "id": f"{prefix}-ledger-{group_id}",
                "transactionDate": day.isoformat(),
                "currency": currency,
                "value": _pounds(amount),
                "description": "Payment to the group" if amount > 0 else "Payment returned (reversal)",
            }
            for group_id, day, amount in paid
        ]
    return grant


def package(items: list[dict] | None = None) -> dict:
    """The whole 360Giving data package (of `items`, by default every grant read now)."""
    items = grants() if items is None else items
    site = current_app.config.get("SITE_NAME", "Our Tables")
    today = date.today().isoformat()
    return {
        "version": SCHEMA_VERSION,
        "title": f"{site}: grants decided by panels of people with lived experience",
        "description": (
            f"Every award made through {site}, with the funders who pooled the money, the groups that "
            "received it, and each payment. Grant programme = the table (round) that decided it."
        ),
        "identifier": f"{_prefix()}-{today}",
        "issued": today,
        "publisher": {
            "name": site,
            "identifier": _prefix(),
            "website": url_for("public.home", _external=True),
        },
        "license": LICENSE,
        "accessURL": url_for("opendata.index", _external=True),
        "downloadURL": url_for("opendata.threesixty_json", _external=True),
        "grants": items,
    }


# The flattened form, with the standard's own column titles (as the 360Giving template
# spreadsheet and flattentool's title mode write them). Transactions go in a second sheet.
GRANT_COLUMNS = [
    ("Identifier", lambda g: g["id"]),
    ("Title", lambda g: g["title"]),
    ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]),
    ("Amount Applied For", lambda g: g["amountAppliedFor"]),
    ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Amount Disbursed", lambda g: g["amountDisbursed"]),
    ("Award Date", lambda g: g["awardDate"]),
    ("URL", lambda g: g["url"]),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    ("Recipient Org:Charity Number", lambda g: g["recipientOrganization"][0].get("charityNumber", "")),
    ("Recipient Org:Company Number", lambda g: g["recipientOrganization"][0].get("companyNumber", "")),
    ("Recipient Org:Description", lambda g: g["recipientOrganization"][0].get("description", "")),
    ("Recipient Org:Web Address", lambda g: g["recipientOrganization"][0].get("url", "")),
    ("Grant Programme:Code", lambda g: g["grantProgramme"][0]["code"]),
    ("Grant Programme:Title", lambda g: g["grantProgramme"][0]["title"]),
    ("Grant Programme:URL", lambda g: g["grantProgramme"][0]["url"]),
    ("From An Open Call?", lambda g: g["fromOpenCall"]),
    ("Last Modified", lambda g: g["dateModified"]),
    ("Data Source", lambda g: g["dataSource"]),
]
TRANSACTION_COLUMNS = [
    "Grant Identifier",
    "Disbursement:Identifier",
    "Disbursement:Transaction Date",
    "Disbursement:Currency",
    "Disbursement:Value",
    "Disbursement:Description",
]


def grant_rows(items: list[dict]) -> tuple[list[str], list[list]]:
    """The grants sheet: one row per grant; several funders get Funding Org:0:, :1: ... columns."""
    most = max((len(g["fundingOrganization"]) for g in items), default=1)
    fund_titles = []
    for i in range(most):
        stem = "Funding Org:" if most == 1 else f"Funding Org:{i}:"
        fund_titles += [f"{stem}Identifier", f"{stem}Name", f"{stem}Charity Number", f"{stem}Company Number"]
    header = [title for title, _ in GRANT_COLUMNS] + fund_titles
    rows = []
    for g in items:
        row = [get(g) for _, get in GRANT_COLUMNS]
        for i in range(most):
            org = g["fundingOrganization"][i] if i < len(g["fundingOrganization"]) else {}
            row += [org.get("id", ""), org.get("name", ""), org.get("charityNumber", ""), org.get("companyNumber", "")]
        rows.append(row)
    return header, rows


def transaction_rows(items: list[dict]) -> tuple[list[str], list[list]]:
    """The disbursements sheet: one row per payment, keyed by the grant's identifier."""
    rows = [
        [g["id"], t["id"], t["transactionDate"], t["currency"], t["value"], t.get("description", "")]
        for g in items
        for t in g.get("disbursementTransaction", [])
    ]
    return TRANSACTION_COLUMNS, rows
