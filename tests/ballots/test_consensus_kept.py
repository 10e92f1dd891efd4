"""The panel's own rules are kept: a consensus decision counts only with every confirmation, or a reason.

Through the web with CSRF on: the facilitator records, members confirm, the convenor closes.
"""

from __future__ import annotations

from sqlalchemy import select

from grants.extensions import db
from grants.models import BallotType, CountingRule, PanelRole, QuorumPolicy, Result, RoundStatus
from grants.panels.services import accept_invitation, invite
from tests import factories as f
from tests.ballots.test_decision_ballots import as_person, build, close
from tests.conftest import post_form, text_of


def _consensus_round(n_members: int, **rules):  # noqa: ANN003, ANN202
    convenor, rnd, (a, b, c), members = build(
        n_members, ballot_type=BallotType.CONSENSUS, counting_rule=CountingRule.CONSENSUS, **rules
    )
    facilitator = f.person("Fran Facilitator")
    _inv, token = invite(person=convenor, round_id=rnd.id, email=facilitator.email, role=PanelRole.FACILITATOR)
    accept_invitation(person=facilitator, token=token)
    f.to_voting(convenor, rnd.id)
    return convenor, rnd, (a, b, c), members, facilitator


def _record(client, facilitator, rnd, funded, present, aside) -> None:  # noqa: ANN001
    as_person(client, facilitator)
    record = {
        "funded": [str(p.id) for p in funded],
        "present": [str(m.id) for m in present],
        "aside": [str(m.id) for m in aside],
    }
    saved = post_form(client, f"/vote/{rnd.slug}/consensus/save", record, page=f"/vote/{rnd.slug}/consensus")
    assert saved.status_code == 302


def _confirm(client, member, rnd) -> None:  # noqa: ANN001
    as_person(client, member)
    post_form(client, f"/vote/{rnd.slug}/consensus/confirm", {}, page=f"/panel/{rnd.slug}")


def test_two_of_four_confirmations_do_not_make_a_decision_until_the_facilitator_says_why(client, app):
    convenor, rnd, (a, b, c), members, facilitator = _consensus_round(4)
    _record(client, facilitator, rnd, [a], members, [members[3]])
    for m in members[:2]:
        _confirm(client, m, rnd)
    refused = close(client, convenor, rnd.slug)
    assert "Not every member present has confirmed the record: Pat2 Panel and Pat3 Panel" in refused
    assert db.session.execute(select(Result)).first() is None
    # The facilitator sees who is missing and records why, one by one, with a reason.
    as_person(client, facilitator)
    page = text_of(client.get(f"/panel/{rnd.slug}"))
    assert "Pat2 Panel has not confirmed" in page and "Pat3 Panel has not confirmed" in page
    empty = post_form(
        client, f"/vote/{rnd.slug}/consensus/excuse", {"member_id": str(members[2].id), "reason": ""},
        page=f"/panel/{rnd.slug}", follow=True,
    )  # fmt: skip
    assert "Say why their confirmation is missing" in text_of(empty)
    for m in members[2:]:
        post_form(
            client, f"/vote/{rnd.slug}/consensus/excuse", {"member_id": str(m.id), "reason": "Lost internet access."},
            page=f"/panel/{rnd.slug}",
        )  # fmt: skip
    message = close(client, convenor, rnd.slug)
    assert "Decided by consensus" in message
    db.session.expire_all()
    assert db.session.execute(select(Result)).scalar_one().quorum_met
    assert rnd.status is RoundStatus.COUNTED


def test_stand_asides_are_published_as_the_panel_recorded_them(client, app):
    convenor, rnd, (a, b, c), members, facilitator = _consensus_round(10)
    aside = members[:5]
    _record(client, facilitator, rnd, [a, b], members, aside)
    for m in members:
        _confirm(client, m, rnd)
    assert "Decided by consensus" in close(client, convenor, rnd.slug)
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Stood aside from the decision, as the panel recorded it: 5." in public
    assert "Panel members present: 10." in public


def test_a_single_stand_aside_is_suppressed_not_shown_as_none(client, app):
    convenor, rnd, (a, b, c), members, facilitator = _consensus_round(4)
    _record(client, facilitator, rnd, [a], members, [members[3]])
    for m in members:
        _confirm(client, m, rnd)
    close(client, convenor, rnd.slug)
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Stood aside from the decision, as the panel recorded it: fewer than 5." in public
    # Nobody declared an interest in a proposal: a count of nobody is published as 0 (grants/privacy.py).
    for p in (a, b, c):
        assert f"{p.title}: 0 panel members stood aside." in public
    assert "fewer than 5 panel members stood aside" not in public
    client.get(f"/language/cy?next=/tables/{rnd.slug}")
    welsh = text_of(client.get(f"/tables/{rnd.slug}"))
    assert welsh.count("camodd 0 aelod o'r panel o'r neilltu.") == 3
    assert "camodd llai na 5 aelod" not in welsh


def test_a_consensus_table_short_of_quorum_is_extended_once_then_says_so_like_a_ballot(client, app):
    convenor, rnd, (a, b, c), members, facilitator = _consensus_round(
        4, quorum_min_ballots=4, quorum_policy=QuorumPolicy.EXTEND, quorum_extend_days=3
    )
    _record(client, facilitator, rnd, [a], members, members[2:])
    for m in members:
        _confirm(client, m, rnd)
    # Two confirmed and two stood aside: two of the four the published quorum needs.
    extended = close(client, convenor, rnd.slug)
    # The reasons are published with the record: 2 ballots go through the one suppression rule.
    assert "Quorum was not met: fewer than 5 ballots were cast and the published quorum needed 4" in extended
    assert "voting is extended once" in extended
    assert db.session.execute(select(Result)).first() is None
    # The same close as a ballot's: the second time, no decision, and the result says voting was extended.
    close(client, convenor, rnd.slug)
    db.session.expire_all()
    result = db.session.execute(select(Result)).scalar_one()
    assert not result.quorum_met and "Voting had already been extended once." in result.summary
    assert rnd.status is RoundStatus.NO_DECISION
