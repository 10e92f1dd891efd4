"""Every route x every role x object owner: the expected allow or deny.

MATRIX has one entry per endpoint. Each entry is a list of cases: a method, the URL
arguments (read from the world), the roles allowed, and optional form data. A role not
in `allow` must be refused: anonymous people are sent to sign in; signed-in people get
403/404 or are turned away with an error message. Allowed roles must get the page or
the action (a 400 for an empty form still counts: the form was theirs to send).

The test fails on a route that has no entry, so a new route cannot ship unchecked.
To add a route at merge: add one `"endpoint": [case(...), ...]` line below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask

from grants.extensions import db
from tests.conftest import Client
from tests.security.world import EMAILS, ROLES, World, describe, signed_in

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
PANEL = frozenset({"panel", "conflicted_panel"})
NOBODY: frozenset[str] = frozenset()
MEMBER = frozenset({"member"})
OTHER = frozenset({"other_member"})
CONVENOR = frozenset({"convenor"})
FUNDER = frozenset({"funder"})
TREASURER = frozenset({"treasurer"})
FACILITATOR = frozenset({"panel"})  # panel@ facilitates every demo panel; panel1@ does not
PAYS_PANEL = frozenset({"convenor", "treasurer"})  # whoever pays the panel


@dataclass(frozen=True)
class Case:
    """One request tried by every role."""

    method: str
    args: Callable[[World], dict[str, Any]]
    allow: frozenset[str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    owner: str = ""  # whose object this is, for the test id and the failure message


def _for_role(w: World, value: Any) -> Any:  # noqa: ANN401
    """A World attribute, or (for one-shot actions) the object kept for the role trying it."""
    if isinstance(value, dict):
        return value.get(w.current_role, value[""])
    return value


def case(method: str, allow: frozenset[str], owner: str = "", data=None, **args: str):  # noqa: ANN001, ANN201
    """A case whose URL arguments name World attributes (`slug="voting_round"`).

    An attribute holding a dict gives each role its own object (`{role: id, "": id for the rest}`), for
    actions that succeed only once: each allowed role then acts on an object nobody has touched yet.
    """
    return Case(
        method=method,
        args=lambda w, a=args: {k: _for_role(w, getattr(w, v)) for k, v in a.items()},
        allow=allow,
        data=data or (lambda w: {}),
        owner=owner,
    )


def both(allow: frozenset[str], owner: str = "", **args: str) -> list[Case]:
    """GET the page and POST it empty (the error state)."""
    return [case("GET", allow, owner, **args), case("POST", allow, owner, **args)]


MATRIX: dict[str, list[Case]] = {
    # --- public pages: everyone -------------------------------------------------------
    "public.home": [case("GET", EVERYONE)],
    "public.rounds": [case("GET", EVERYONE)],
    "public.round": [case("GET", EVERYONE, slug="paying_round"), case("GET", EVERYONE, slug="voting_round")],
    "public.ballot_file_download": [case("GET", EVERYONE, slug="paying_round")],
    "public.group": [case("GET", EVERYONE, slug="member_group")],
    "public.funder": [case("GET", EVERYONE, slug="funder")],
    "public.ledger": [case("GET", EVERYONE)],
    "public.favicon": [case("GET", EVERYONE)],
    "public.upload": [
        case("GET", EVERYONE, "public photo", upload_id="public_upload"),
        case("GET", NOBODY, "private file", upload_id="private_upload"),
    ],
    # --- accounts ----------------------------------------------------------------------
    "auth.signup": both(EVERYONE),
    "auth.login": both(EVERYONE),
    "auth.logout": [case("POST", SIGNED_IN)],
    "auth.sign_out_everywhere": [case("POST", SIGNED_IN)],
    "auth.keep_signed_in": [case("POST", SIGNED_IN)],
    # The language link: a plain link for everyone (the visit); the signed-in form also keeps it.
    "language.choose": [case("GET", EVERYONE, code="language"), case("POST", EVERYONE, code="language")],
    "auth.reset_request": both(EVERYONE),
    "auth.reset_password": [
        case("GET", EVERYONE, token="reset_token"),
        case("POST", EVERYONE, token="reset_token"),
    ],
    "auth.dashboard": [case("GET", SIGNED_IN)],
    "auth.check_email": [case("GET", EVERYONE)],
    "auth.finish_signup": [
        case("GET", EVERYONE, token="reset_token"),
        case("POST", NOBODY, "a link that is not a sign-up link", token="reset_token"),
    ],
    # --- groups and funders: their own members only ------------------------------------
    "groups.new": both(SIGNED_IN),
    "groups.show": [
        case("GET", frozenset({"member"}), "member's group", slug="member_group"),
        case("GET", frozenset({"other_member"}), "other group", slug="other_group"),
    ],
    "groups.add_member": [
        *both(frozenset({"member"}), "member's group", slug="member_group"),
        *both(frozenset({"other_member"}), "other group", slug="other_group"),
    ],
    # Only the account with the invited address may answer (the demo invites member@).
    "groups.answer": [
        case("POST", MEMBER, "member's invitation", data=lambda w: {"answer": "yes"}, invitation_id="group_invitation")
    ],
    "auth.invitations": [case("GET", SIGNED_IN)],
    # Only the account with the invited address may answer; the demo's is for an address with no
    # account yet, so nobody here may (tests/security/test_nobody_locked_out.py answers one).
    "rounds.answer_invitation": [
        case(
            "POST", NOBODY, "co-convenor's invitation", data=lambda w: {"answer": "yes"},
            invitation_id="staff_invitation",
        )  # fmt: skip
    ],
    "groups.edit": [
        *both(frozenset({"member"}), "member's group", slug="member_group"),
        *both(frozenset({"other_member"}), "other group", slug="other_group"),
    ],
    "funders.new": both(SIGNED_IN),
    "funders.show": [case("GET", frozenset({"funder"}), slug="funder")],
    # --- money -------------------------------------------------------------------------
    "money.pledge": both(frozenset({"funder"}), slug="funder"),
    "money.receive": both(frozenset({"funder"}), pledge_id="pledge_id"),
    "money.round_payments": [case("GET", frozenset({"convenor", "funder", "treasurer"}), slug="paying_round")],
    # Nobody who ran or sat on the decision may release money.
    "money.pay": both(frozenset({"funder", "treasurer"}), award_id="award_id"),
    # --- bids: the group's members only ------------------------------------------------
    # Anyone signed in may start a bid (they then choose one of their groups, or register one).
    "proposals.new": both(SIGNED_IN, slug="open_round"),
    "proposals.edit": [
        *both(frozenset({"member"}), "member's bid", proposal_id="member_proposal_open"),
        *both(frozenset({"other_member"}), "other group's bid", proposal_id="other_proposal_open"),
    ],
    "proposals.check": [
        case("GET", frozenset({"member"}), "member's bid", proposal_id="member_proposal_open"),
        case("GET", frozenset({"other_member"}), "other group's bid", proposal_id="other_proposal_open"),
    ],
    "proposals.submit": [
        case("POST", frozenset({"member"}), "member's bid", proposal_id="member_proposal_open"),
        case("POST", frozenset({"other_member"}), "other group's bid", proposal_id="other_proposal_open"),
    ],
    "proposals.show": [
        case("GET", frozenset({"member"}), "member's bid", proposal_id="member_proposal_open"),
        case("GET", frozenset({"other_member"}), "other group's bid", proposal_id="other_proposal_open"),
    ],
    # --- the convenor runs the table ---------------------------------------------------
    "rounds.new": both(SIGNED_IN),
    "rounds.manage": [case("GET", frozenset({"convenor"}), slug="voting_round")],
    "rounds.preview": [case("GET", frozenset({"convenor"}), slug="draw_round")],
    "rounds.edit": both(frozenset({"convenor"}), slug="open_round"),
    # The new table's task list, on a draft (issue 17); publishing is tried on a published table, which
    # refuses it on the check page, so the world's draft stays a draft.
    "rounds.setup_list": [case("GET", frozenset({"convenor"}), slug="draw_round")],
    "rounds.setup_page": [
        Case(method, lambda w, p=page: {"slug": w.draw_round, "page": p}, frozenset({"convenor"}))
        for page in (
            "who",
            "money",
            "timetable",
            "ballot",
            "ballot-settings",
            "counting",
            "quorum",
            "conflicts",
            "tie-break",
        )
        for method in ("GET", "POST")
    ],  # fmt: skip
    "rounds.setup_check": [
        case("GET", frozenset({"convenor"}), slug="draw_round"),
        case("POST", frozenset({"convenor"}), slug="open_round"),
    ],
    "rounds.advance": [case("POST", frozenset({"convenor"}), slug="open_round")],
    # Before the published close the convenor gives a reason (issue 15), as anyone closing early must.
    "rounds.close_voting": [
        case("POST", frozenset({"convenor"}), slug="voting_round", data=lambda w: {"reason": "Everyone has voted."})
    ],
    "rounds.staff": both(frozenset({"convenor"}), slug="voting_round"),
    "panels.invite": both(frozenset({"convenor"}), slug="voting_round"),
    # --- the panel ---------------------------------------------------------------------
    # An invitation link is its own key: anyone may open it (a bad one is a 404 for all).
    "panels.accept": [case("GET", NOBODY, "bad token", token="extra_token")],
    "panels.home": [case("GET", PANEL, slug="voting_round")],
    "panels.proposal": [
        *both(PANEL, "a bid", slug="voting_round", proposal_id="member_proposal_voting"),
        # A conflicted member stands aside from the vote on it but may still read it.
        case("GET", PANEL, "the conflicted bid", slug="voting_round", proposal_id="conflicted_proposal"),
    ],
    "panels.declare_interest": [
        case(
            "POST",
            PANEL,
            slug="voting_round",
            proposal_id="member_proposal_voting",
            data=lambda w: {"nature": "I volunteer with this group."},
        ),
    ],
    "panels.pause": [case("POST", PANEL, slug="voting_round")],
    "panels.resume": [case("POST", PANEL, slug="voting_round")],
    # --- the secret ballot: panel members of a table in voting -------------------------
    "ballots.vote": [
        case("GET", PANEL, slug="voting_round"),
        Case(
            "POST",
            lambda w: {"slug": w.voting_round},
            PANEL,
            data=lambda w: {"proposal": str(w.member_proposal_voting)},
        ),
    ],
    "ballots.cast": [
        Case(
            "POST",
            lambda w: {"slug": w.voting_round},
            PANEL,
            data=lambda w: {"proposal": str(w.member_proposal_voting)},
        ),
    ],
    # Shows only a code kept in the person's own session, once; nothing to protect.
    "ballots.receipt": [case("GET", SIGNED_IN, slug="voting_round")],
    # --- community votes with a code: anyone holding a code, signed in or not ----------
    # The code is the credential; without one in the session each page sends you to enter it.
    "ballots.code_entry": both(EVERYONE, slug="voting_round"),
    "ballots.code_vote": both(EVERYONE, slug="voting_round"),
    "ballots.code_cast": [case("POST", EVERYONE, slug="voting_round")],
    "ballots.code_receipt": [case("GET", EVERYONE, slug="voting_round")],
    # --- what only the convenor does with votes: codes and paper ballots ---------------
    "ballots.voting_codes": both(CONVENOR, slug="voting_round"),
    "ballots.paper_entry": both(CONVENOR, slug="voting_round"),
    "ballots.paper_save": [case("POST", CONVENOR, slug="voting_round")],
    # An action that is neither confirm nor discard is a bad request (400) for the convenor.
    "ballots.paper_batch": [case("POST", CONVENOR, slug="voting_round", batch_id="any_id", action="bogus_action")],
    # --- consensus records: the facilitator (panel@) or a convenor writes them -------------
    "ballots.consensus_record": [
        case("GET", FACILITATOR | CONVENOR, slug="consensus_round"),
        # Posting the empty form shows it again with the error (400) to those who may write it.
        case("POST", FACILITATOR | CONVENOR, slug="consensus_round"),
    ],
    # A proposal id that is not a number is a bad request (400) once the writer is let in.
    "ballots.consensus_save": [
        case("POST", FACILITATOR | CONVENOR, slug="consensus_round", data=lambda w: {"funded": "x"}),
    ],
    # Only the facilitator or a convenor records why a present member's confirmation is missing;
    # a member id that is not a number is a bad request (400) once the writer is let in.
    "ballots.consensus_excuse": [
        case("POST", FACILITATOR | CONVENOR, slug="consensus_round", data=lambda w: {"member_id": "x"}),
    ],
    # Only the panel members recorded as present confirm (each once).
    "ballots.consensus_confirm": [
        case("POST", PANEL, "both recorded as present", slug="consensus_round"),
        case("POST", NOBODY, "no record on a ballot table", slug="voting_round"),
    ],
    # --- decisions -----------------------------------------------------------------------
    "decisions.decision_download": [case("GET", EVERYONE, slug="paying_round")],
    # Like starting a table: anyone signed in may import one (they become its convenor).
    "decisions.import_pb": both(SIGNED_IN),
    # An import is seen only by whoever uploaded it (tests/decisions/test_pb_import_background.py);
    # the demo has none, so here every role gets the 404 an unknown or another person's import gives.
    "decisions.import_status": [case("GET", NOBODY, "no such import", import_id="no_pb_import")],
    # --- money: card payments, payees, tranches --------------------------------------
    # Without Stripe keys the funder is sent to record a bank transfer instead (an "info" note).
    "money.pay_online": [case("GET", FUNDER, pledge_id="pledge_id")],
    "money.checkout_done": [case("GET", FUNDER, checkout_id="checkout_id")],
    "money.refund": both(FUNDER, checkout_id="checkout_id"),
    "money.payee": [
        *both(MEMBER, "member's group", slug="member_group"),
        *both(OTHER, "other group", slug="other_group"),
    ],
    # Stripe onboarding: a group lead's, but with no Stripe keys it is a 404 for everyone.
    "money.payee_connect": [case("GET", NOBODY, "no Stripe on this site", slug="member_group")],
    "money.payee_return": [
        case("GET", MEMBER, "member's group", slug="member_group"),
        case("GET", OTHER, "other group", slug="other_group"),
    ],
    # Nobody who ran or sat on the decision may release money (valid amounts: an empty form is an error).
    "money.release": [
        case(
            "POST",
            frozenset({"funder", "treasurer"}),
            award_id="award_id",
            data=lambda w: {f"release-{w.award_id}-amount": "1.00"},
        ),
    ],
    "money.hold": [
        case(
            "POST",
            FUNDER,
            tranche_id="scheduled_tranche",
            data=lambda w: {f"hold-{w.scheduled_tranche}-reason": "Waiting for the group's first report."},
        ),
    ],
    # Only the funder that placed a hold lifts it (the convenors only where that funder has gone).
    "money.lift": [case("POST", FUNDER, tranche_id="held_tranche")],
    # Who may act on a table's money: the convenors accept funders and set the second-person amount;
    # a second person (here the treasurer: the funder released it) approves a release above it.
    "money.table_funders": both(CONVENOR, slug="paying_round"),
    "money.decide_funder": [
        case("POST", CONVENOR, place_id="offered_place", data=lambda w: {"decision": "accept"}),
    ],
    "money.approve": [case("POST", frozenset({"treasurer"}), tranche_id="awaiting_tranche")],
    # Each of the funder and treasurer records a different scheduled transfer as sent.
    "money.confirm": [
        case(
            "POST",
            frozenset({"funder", "treasurer"}),
            tranche_id="confirm_tranche",
            data=lambda w: {
                f"confirm-{_for_role(w, w.confirm_tranche)}-paid_on": date.today().isoformat(),
                f"confirm-{_for_role(w, w.confirm_tranche)}-bank_reference": "OT-TEST-1",
            },
        ),
    ],
    # --- panel pay ---------------------------------------------------------------------
    "panel_pay.rate": both(CONVENOR, slug="paying_round"),
    "panel_pay.manage": [case("GET", PAYS_PANEL, slug="paying_round")],
    # Bank details and money out of the pot: the table's treasurer alone (issue 14).
    "panel_pay.schedule_csv": [case("GET", TREASURER, slug="paying_round")],
    "panel_pay.my_pay": [case("GET", PANEL, slug="paying_round")],
    "panel_pay.log_time": [case("POST", PANEL, slug="paying_round")],
    "panel_pay.claim_expense": [case("POST", PANEL, slug="paying_round")],
    "panel_pay.pay_choice": [case("POST", PANEL, slug="paying_round")],
    "panel_pay.decide_time": [
        case("POST", CONVENOR, log_id="time_log", data=lambda w: {f"time-{w.time_log}-decision": "approve"}),
    ],
    "panel_pay.decide_expense": [
        case("POST", CONVENOR, expense_id="expense_id", data=lambda w: {f"expense-{w.expense_id}-decision": "approve"}),
    ],
    # panel@ claimed it: the claimant, and whoever pays the panel.
    "panel_pay.receipt": [case("GET", PAYS_PANEL | {"panel"}, "panel@'s receipt", expense_id="expense_id")],
    "panel_pay.settled": [
        case(
            "POST",
            TREASURER,
            seat_id="settle_seat",
            data=lambda w: {f"settled-{_for_role(w, w.settle_seat)}-reference": "OT-PANEL-1"},
        ),
    ],
    "panel_pay.table_note": [
        case("POST", CONVENOR, slug="paying_round", data=lambda w: {"note-text": "Leeds Welfare Rights can help."}),
    ],
    # A person's own panel pay (issue 20): every page is about the signed-in person alone.
    "panel_pay.mine": [case("GET", SIGNED_IN)],
    "panel_pay.letter": [case("GET", SIGNED_IN)],
    "panel_pay.year": [case("GET", SIGNED_IN, year="tax_year")],
    "panel_pay.statement": [case("GET", PANEL, "the demo's pay run paid panel@ and panel1@", run_id="panel_run")],
    # The demo's panel1@ has approved pay over their own weekly limit; nobody else has any.
    "panel_pay.over_limit": [
        case(
            "POST",
            frozenset({"conflicted_panel"}),
            "panel1@'s pay over a limit",
            data=lambda w: {"what": "give", "slug": w.paying_round},
        ),
    ],
    "panel_pay.set_limit": [
        case(
            "POST",
            SIGNED_IN,
            data=lambda w: {"limit-period": "week", "limit-amount": "100", "limit-over": "later"},
        ),
    ],
    "panel_pay.remove_limit": [case("POST", SIGNED_IN)],
    # --- money checked against the bank (issue 14) -------------------------------------
    "money.money_in": [case("GET", frozenset({"convenor", "funder", "treasurer"}), slug="paying_round")],
    # Only the table's treasurer, who sees the bank statement, confirms, rejects or corrects money in.
    "money.confirm_transfer": [case("POST", TREASURER, contribution_id="claimed_contribution")],
    "money.reject_transfer": [
        case(
            "POST",
            TREASURER,
            contribution_id="claimed_contribution",
            data=lambda w: {f"reject-{w.claimed_contribution}-reason": "Not on the statement yet."},
        ),
    ],
    "money.reverse_transfer": [
        case(
            "POST",
            TREASURER,
            contribution_id="reversible_contribution",
            data=lambda w: {f"reverse-{w.reversible_contribution}-reason": "Recorded twice by mistake."},
        ),
    ],
    "money.set_ceiling": [case("POST", CONVENOR, slug="paying_round", data=lambda w: {"ceiling-amount": "300000"})],
    "money.raise_pledge": both(FUNDER, pledge_id="pledge_id"),
    "money.returned": [
        case(
            "POST",
            TREASURER,
            tranche_id="paid_bank_tranche",
            data=lambda w: {
                f"returned-{w.paid_bank_tranche}-amount": "1.00",
                f"returned-{w.paid_bank_tranche}-returned_on": date.today().isoformat(),
                f"returned-{w.paid_bank_tranche}-reason": "The bank returned it.",
            },
        ),
    ],
    # A pay run moves the table's money: its treasurer records it (not the convenors who ran the decision).
    "panel_pay.pay_run": [
        case("POST", TREASURER, slug="paying_round", data=lambda w: {"run-reference": "OT-RUN-1"}),
    ],
    # Stripe's webhook: no login, the signature is the credential; with no Stripe keys it is a 404.
    "stripe_webhook": [case("POST", NOBODY, "no signature")],
    # --- notifications: your own ------------------------------------------------------
    "notifications.index": [case("GET", SIGNED_IN)],
    "notifications.choices": both(SIGNED_IN),
    "notifications.mark_all_read": [case("POST", SIGNED_IN)],
    "notifications.mark_read": [case("POST", MEMBER, "member's notification", notification_id="notification_id")],
    # --- open data and the read-only API: everyone -------------------------------------
    "opendata.index": [case("GET", EVERYONE)],
    "opendata.feed": [case("GET", EVERYONE)],
    "opendata.audit_head": [case("GET", EVERYONE)],
    "opendata.audit_head_at": [case("GET", EVERYONE, seq="award_id")],  # any entry number there is
    "opendata.download": [case("GET", EVERYONE, dataset="dataset", fmt="fmt")],
    "opendata.threesixty_csv": [case("GET", EVERYONE)],
    "opendata.threesixty_json": [case("GET", EVERYONE)],
    "opendata.threesixty_transactions_csv": [case("GET", EVERYONE)],
    "api.openapi_document": [case("GET", EVERYONE)],
    "api.rounds": [case("GET", EVERYONE)],
    "api.round_detail": [case("GET", EVERYONE, slug="paying_round")],
    "api.proposals": [case("GET", EVERYONE)],
    "api.awards": [case("GET", EVERYONE)],
    "api.results": [case("GET", EVERYONE)],
    "api.totals": [case("GET", EVERYONE)],
    "api.ledger_entries": [case("GET", EVERYONE)],
    # The API's own 404 for unknown paths.
    "api.not_found": [case("GET", NOBODY, "unknown path", anything="unknown_path")],
    # --- operations: health for everyone; the deliveries pages for administrators only --
    # No demo role is an administrator.
    "ops.healthz": [case("GET", EVERYONE)],
    "ops.deliveries": [case("GET", NOBODY)],
    "ops.resend_email": [case("POST", NOBODY, notification_id="notification_id")],
    "ops.retry_job": [case("POST", NOBODY, job_id="any_id")],
    # --- group updates and end-of-grant reports: the group's members --------------------
    "updates.new_update": [
        *both(MEMBER, "member's group", slug="member_group"),
        *both(OTHER, "other group", slug="other_group"),
    ],
    "updates.new_report": [
        *both(MEMBER, "member's award", slug="member_group", award_id="member_award"),
        case("GET", OTHER, "other group's award", slug="other_group", award_id="other_award"),
    ],
    # Choosing a later date for the report (an empty form is the member's error page).
    "updates.report_date": [
        case("POST", MEMBER, "member's award", slug="member_group", award_id="member_award"),
        case("POST", OTHER, "other group's award", slug="other_group", award_id="other_award"),
    ],
    # --- forming the panel: the open call is public, the rest is the convenor's ----------
    # Anyone may read the call; answering it needs an account (anonymous people are sent to sign in).
    "panels.volunteer": [case("GET", EVERYONE, slug="voting_round"), case("POST", SIGNED_IN, slug="voting_round")],
    "panels.draw_record": [case("GET", EVERYONE, slug="voting_round")],
    "panels.how_we_work": [case("GET", EVERYONE, slug="voting_round")],
    # Only someone in the pool can take their name out: the member answered the open table's call.
    "panels.withdraw_volunteer": [case("POST", MEMBER, "the member volunteered", slug="open_round")],
    "panels.forming": both(CONVENOR, slug="voting_round"),
    "panels.open_call": [case("POST", CONVENOR, slug="open_round")],
    "panels.close_call": [case("POST", CONVENOR, slug="open_round")],
    "panels.draw": [case("POST", CONVENOR, "call closed, pool ready", slug="draw_round")],
    "panels.call_substitute": [case("POST", CONVENOR, "a seat empty, a substitute waiting", slug="substitute_round")],
    # --- the panel's own pages -----------------------------------------------------------
    "panels.care": both(PANEL, slug="voting_round"),
    "panels.step_down": [case("GET", PANEL, slug="voting_round")],
    "panels.conflicts": [case("GET", PANEL | CONVENOR, slug="voting_round")],
    "panels.ground_rules": both(PANEL | CONVENOR, slug="voting_round"),
    "panels.meetings": [case("GET", PANEL | CONVENOR, slug="voting_round")],
    "panels.meeting": [case("GET", PANEL | CONVENOR, slug="voting_round", meeting_id="meeting_id")],
    "panels.edit_meeting": [
        case("GET", FACILITATOR | CONVENOR, slug="voting_round"),
        *both(FACILITATOR | CONVENOR, slug="voting_round", meeting_id="meeting_id"),
    ],
    # While the panel deliberates it asks groups questions (interests are fixed once voting opens).
    "panels.ask_question": [
        case(
            "POST",
            PANEL,
            slug="deliberation_round",
            proposal_id="member_proposal_deliberation",
            data=lambda w: {"question": "How many people come each week?"},
        ),
        # panel1@ declared an interest in this bid, so stands aside from asking about it.
        case(
            "POST",
            FACILITATOR,
            "the conflicted bid",
            slug="deliberation_round",
            proposal_id="conflicted_proposal_deliberation",
            data=lambda w: {"question": "How many people come each week?"},
        ),
    ],
    # Only the person who declared an interest can withdraw it, and only before voting opens.
    "panels.withdraw_interest": [
        case(
            "POST",
            frozenset({"conflicted_panel"}),
            "panel1@'s declaration",
            slug="deliberation_round",
            proposal_id="conflicted_proposal_deliberation",
        ),
        case("POST", NOBODY, "voting: interests fixed", slug="voting_round", proposal_id="conflicted_proposal"),
    ],
    "panels.hide_comment": [
        case(
            "POST",
            FACILITATOR,
            slug="voting_round",
            comment_id="comment_id",
            data=lambda w: {f"hide-{w.comment_id}-reason": "Please keep to the ground rules: be kind."},
        ),
    ],
    "panels.feedback_list": [case("GET", FACILITATOR, slug="voting_round")],
    "panels.feedback_edit": both(FACILITATOR, slug="voting_round", proposal_id="member_proposal_voting"),
    # The group's members and the table's facilitators read a proposal's feedback.
    "panels.feedback_read": [
        case("GET", MEMBER | FACILITATOR, "member's bid", proposal_id="member_proposal_voting"),
        case("GET", OTHER | FACILITATOR, "other group's bid", proposal_id="other_proposal_voting"),
    ],
    "panels.deadlines": both(CONVENOR, slug="voting_round"),
    "panels.remind": [case("POST", CONVENOR, slug="voting_round")],
    # Everyone who took part: panel, applicant groups, convenor and funders (not the treasurer).
    "panels.reflect": [case("GET", SIGNED_IN - {"treasurer"}, slug="paying_round")],
    "panels.reflections": [case("GET", CONVENOR, slug="paying_round")],
    # --- the group's side of the panel: questions and content notes on its own bids ------
    "panels.group_questions": [
        *both(MEMBER, "member's bid", proposal_id="member_proposal_voting"),
        case("GET", OTHER, "other group's bid", proposal_id="other_proposal_voting"),
    ],
    "panels.content_note": [
        *both(MEMBER, "member's bid", proposal_id="member_proposal_open"),
        case("GET", OTHER, "other group's bid", proposal_id="other_proposal_open"),
    ],
}

# Routes that are not application pages.
NOT_PAGES = {"static"}


def _endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_PAGES


def test_every_route_is_in_the_matrix(world_app: Flask) -> None:
    """A route without an entry fails here: say who may use it before it ships."""
    missing = sorted(_endpoints(world_app) - MATRIX.keys())
    assert not missing, f"add these endpoints to MATRIX in {__file__}: {missing}"
    stale = sorted(MATRIX.keys() - _endpoints(world_app))
    assert not stale, f"MATRIX lists endpoints that no longer exist: {stale}"


def _outcome(client: Client, response) -> str:  # noqa: ANN001
    """'allow' or 'deny', from what the person was shown."""
    status = response.status_code
    assert status < 500, f"server error {status}"
    if status in (401, 403, 404):
        return "deny"
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        if "/login" in location:
            return "deny"
        with client.session_transaction() as sess:
            flashes = sess.get("_flashes", [])
        if any(category == "error" for category, _ in flashes):
            return "deny"
    return "allow"


def _try(app: Flask, world: World, role: str, item: Case, endpoint: str, *, again: bool = False) -> str:
    """What `role` is shown when it sends `item` (signed in afresh with `again`)."""
    from flask import url_for

    client, token = signed_in(app, role, again=again)
    world.current_role = role
    with app.test_request_context():
        url = url_for(endpoint, **item.args(world))
    if item.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={**item.data(world), "csrf_token": token})
    return _outcome(client, response)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_allows_exactly_the_expected_roles(world_app: Flask, endpoint: str) -> None:
    """Each case tried by every role; refused roles first, so an allowed action cannot hide a refusal."""
    world = describe(world_app)
    world.extra_token = "not-a-real-token"  # type: ignore[attr-defined]
    from grants.auth.services import find_person_by_email, make_reset_token

    world.reset_token = make_reset_token(find_person_by_email(EMAILS["member"]))  # type: ignore[attr-defined]
    db.session.rollback()
    wrong = []
    acted: set[str] = set()  # roles whose POST went through here: it may have ended their sessions
    for item in MATRIX[endpoint]:
        order = sorted(ROLES, key=lambda r: r in item.allow)
        for role in order:
            expected = "allow" if role in item.allow else "deny"
            got = _try(world_app, world, role, item, endpoint, again=role in acted)
            if item.method == "POST" and got == "allow":
                acted.add(role)
            if got != expected:
                wrong.append(f"{item.method} {item.owner or ''} as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
