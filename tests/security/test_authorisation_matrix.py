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
from typing import Any

import pytest
from flask import Flask

from grants.extensions import db
from tests.conftest import Client, post_form
from tests.security.world import EMAILS, ROLES, World, describe

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
PANEL = frozenset({"panel", "conflicted_panel"})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Case:
    """One request tried by every role."""

    method: str
    args: Callable[[World], dict[str, Any]]
    allow: frozenset[str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    owner: str = ""  # whose object this is, for the test id and the failure message


def case(method: str, allow: frozenset[str], owner: str = "", data=None, **args: str):  # noqa: ANN001, ANN201
    """A case whose URL arguments name World attributes (`slug="voting_round"`)."""
    return Case(
        method=method,
        args=lambda w, a=args: {k: getattr(w, v) for k, v in a.items()},
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
    "public.upload": [
        case("GET", EVERYONE, "public photo", upload_id="public_upload"),
        case("GET", NOBODY, "private file", upload_id="private_upload"),
    ],
    # --- accounts ----------------------------------------------------------------------
    "auth.signup": both(EVERYONE),
    "auth.login": both(EVERYONE),
    "auth.logout": [case("POST", SIGNED_IN)],
    "auth.reset_request": both(EVERYONE),
    "auth.reset_password": [
        case("GET", EVERYONE, token="reset_token"),
        case("POST", EVERYONE, token="reset_token"),
    ],
    "auth.dashboard": [case("GET", SIGNED_IN)],
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
    "rounds.edit": both(frozenset({"convenor"}), slug="open_round"),
    "rounds.advance": [case("POST", frozenset({"convenor"}), slug="open_round")],
    "rounds.close_voting": [case("POST", frozenset({"convenor"}), slug="voting_round")],
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


def _try(app: Flask, world: World, role: str, item: Case, endpoint: str) -> str:
    from flask import url_for

    app.test_client_class = Client
    client = app.test_client()
    if role != "anonymous":
        response = post_form(client, "/login", {"email": EMAILS[role], "password": "our-tables-demo"})
        assert response.status_code == 302, f"{role} could not sign in"
    with app.test_request_context():
        url = url_for(endpoint, **item.args(world))
    if item.method == "GET":
        response = client.get(url)
    else:
        page = "/me" if role != "anonymous" else "/login"
        response = post_form(client, url, item.data(world), page=page)
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
    for item in MATRIX[endpoint]:
        order = sorted(ROLES, key=lambda r: r in item.allow)
        for role in order:
            expected = "allow" if role in item.allow else "deny"
            got = _try(world_app, world, role, item, endpoint)
            if got != expected:
                wrong.append(f"{item.method} {item.owner or ''} as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
