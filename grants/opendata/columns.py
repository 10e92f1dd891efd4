"""What each column of the open datasets holds, for a person, in the reader's language.

The column names in the files (CSV headers, JSON keys) stay the same in every language, so that
programs reading them keep working; the open-data page gives each its human label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROUND = _l("The table's short name, as in its web address")
GROUP = _l("The group's short name")
GROUP_NAME = _l("The group's name")
PROPOSAL_TITLE = _l("The proposal's title")
WRITTEN_IN = _l("The language of the title and texts in the columns above (a code: en, cy)")
PAID = _l("Paid, in pence")
AMOUNT = _l("Amount, in pence")
NUMBER = _l("Number (the same in every file)")
CURRENCY = _l("Currency (GBP)")
RULE = _l("The counting rule (a code)")

COLUMNS = {
    "rounds": {
        "slug": ROUND,
        "title": _l("The table's name"),
        "purpose": _l("What the table is for"),
        "who_may_apply": _l("Who may apply"),
        "status": _l("Its stage (a code: draft, open_for_bids, voting...)"),
        "currency": CURRENCY,
        "max_grant_pence": _l("Largest grant, in pence"),
        "bids_open_at": _l("When bids open (UTC)"),
        "bids_close_at": _l("When bids close (UTC)"),
        "deliberation_opens_at": _l("When the panel starts reading (UTC)"),
        "voting_opens_at": _l("When voting opens (UTC)"),
        "voting_closes_at": _l("When voting closes (UTC)"),
        "ballot_type": _l("The ballot (a code)"),
        "counting_rule": RULE,
        "tie_break": _l("How a tie is broken (a code)"),
        "quorum_min_ballots": _l("Fewest ballots for a decision"),
        "quorum_min_share_percent": _l("Smallest share of the panel voting, in per cent"),
        "received_pence": _l("Money received, in pence"),
        "fees_pence": _l("Processing fees, in pence"),
        "committed_pence": _l("Awarded and not yet paid, in pence"),
        "paid_pence": PAID,
        "available_pence": _l("Still available, in pence"),
        "url": _l("Its page"),
        "language": WRITTEN_IN,
        "texts": _l("Its name, purpose and who may apply in each language it is run in (JSON, by language code)"),
    },
    "proposals": {
        "id": NUMBER,
        "round": ROUND,
        "group": GROUP,
        "group_name": GROUP_NAME,
        "title": PROPOSAL_TITLE,
        "summary": _l("What the proposal is for"),
        "status": _l("Its state (a code: submitted, funded...)"),
        "requested_pence": _l("Amount asked for, in pence"),
        "submitted_at": _l("When it was sent (UTC)"),
        "language": WRITTEN_IN,
        "texts": _l("Its title and summary in each language the group wrote it in (JSON, by language code)"),
    },
    "results": {
        "round": ROUND,
        "position": _l("Place in the result"),
        "proposal_id": _l("The proposal's number"),
        "proposal_title": PROPOSAL_TITLE,
        "group": GROUP,
        "group_name": GROUP_NAME,
        "support": _l("The support it had (votes, points or scores)"),
        "cost_pence": _l("Its cost, in pence"),
        "is_funded": _l("Funded (true or false)"),
        "explanation": _l("Why, in words (as written when it was counted)"),
        "rule": RULE,
        "budget_pence": _l("The pot, in pence"),
        "quorum_met": _l("Quorum met (true or false)"),
        "ballot_fingerprint": _l("Fingerprint of the published ballot file"),
        "counted_at": _l("When it was counted (UTC)"),
    },
    "awards": {
        "reference": _l("The award's reference"),
        "round": ROUND,
        "group": GROUP,
        "group_name": GROUP_NAME,
        "proposal_title": PROPOSAL_TITLE,
        "amount_pence": AMOUNT,
        "paid_pence": PAID,
        "held_pence": _l("On hold, in pence"),
        "held_reasons": _l("Why it is on hold"),
        "awarded_on": _l("The day it was awarded"),
        "currency": CURRENCY,
    },
    "ledger": {
        "id": NUMBER,
        "occurred_on": _l("The day it happened"),
        "kind": _l("What it was (a code: contribution, payment...)"),
        "description": _l("Details (as written at the time)"),
        "reference": _l("The bank or award reference"),
        "round": ROUND,
        "group": GROUP,
        "funder": _l("The funder's short name"),
        "amount_pence": AMOUNT,
        "received_so_far_pence": _l("Received so far, in pence"),
        "awarded_so_far_pence": _l("Awarded so far, in pence"),
        "paid_so_far_pence": _l("Paid so far, in pence"),
    },
}
