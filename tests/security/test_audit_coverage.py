"""The sensitive actions of the spine are in the audit log, the chain holds, and the public
part (never personal memberships) is on the round's public page."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from grants.audit import verify
from grants.extensions import db
from grants.models import AuditEntry, GroupRole, Person, Round
from grants.rounds.services import change_rules, form_data_from_round, rules_from_form
from tests.conftest import Client, text_of
from tests.factories import join_group
from tests.security.world import EMAILS, describe


def _person(key: str) -> Person:
    return db.session.execute(select(Person).where(Person.email == EMAILS[key])).scalar_one()


def _actions(round_id: int | None = None) -> list[str]:
    stmt = select(AuditEntry.action).order_by(AuditEntry.seq)
    if round_id is not None:
        stmt = stmt.where(AuditEntry.round_id == round_id)
    return list(db.session.execute(stmt).scalars())


def test_the_spine_sensitive_actions_are_audited_and_shown_in_public(world_app: Flask) -> None:
    world = describe(world_app)
    paying = db.session.execute(select(Round).where(Round.slug == world.paying_round)).scalar_one()
    actions = _actions(paying.id)
    # The demo ran this table through every stage: roles granted, vote closed, result published, money paid.
    for action in ("role_granted", "round_voting", "voting_closed", "result_published", "money_released"):
        assert action in actions, (action, actions)

    # Rules changed after publishing (with the reason) are audited too.
    open_round = db.session.execute(select(Round).where(Round.slug == world.open_round)).scalar_one()
    values = rules_from_form(form_data_from_round(open_round))
    values["max_grant_pence"] = open_round.max_grant_pence - 100_00
    change_rules(person=_person("convenor"), round_id=open_round.id, values=values, reason="A smaller pot this year.")
    assert "rules_changed" in _actions(open_round.id)

    # A group role granted is audited but not public (membership is personal).
    member, other = _person("member"), _person("other_member")
    from grants.models import Group

    group = db.session.execute(select(Group).where(Group.slug == world.member_group)).scalar_one()
    join_group(member, group.id, other, GroupRole.MEMBER)
    # The lead's invitation, then the newcomer's yes: both logged, neither public.
    accepted, invited = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().all()[:2]
    assert invited.action == "role_granted" and not invited.is_public and invited.actor_id == member.id
    assert accepted.action == "role_granted" and not accepted.is_public and accepted.actor_id == other.id

    ok, message = verify()
    assert ok, message

    world_app.test_client_class = Client
    client = world_app.test_client()
    page = text_of(client.get(f"/tables/{world.paying_round}"))
    public_entries = db.session.execute(
        select(AuditEntry).where(AuditEntry.round_id == paying.id, AuditEntry.is_public.is_(True))
    ).scalars()
    for entry in public_entries:
        assert entry.summary in page, entry.summary
    assert "Record of decisions" in page
    open_page = text_of(client.get(f"/tables/{world.open_round}"))
    assert "A smaller pot this year" in open_page or "Rules changed" in open_page
    assert "was added to a group" not in open_page and "was added to a group" not in page
