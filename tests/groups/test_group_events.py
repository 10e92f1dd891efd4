"""What other features do when someone joins a group, without groups importing them (issue 13).

groups calls the subscribers of grants/groups/events.py; panels make a panel member who joins a
group bidding to their table stand aside from its bids at once (the behaviour itself is tested in
tests/panels/test_conflicts_and_invitations.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.core import DomainError
from grants.extensions import db
from grants.groups import events
from grants.models import GroupMembership
from tests import factories as f


def test_panels_answer_someone_joining_a_group(app):
    assert events.subscribers() == ["grants.panels.conflicts._stand_aside_from_the_new_groups_bids"]


def test_a_subscriber_that_refuses_leaves_nobody_joined(app, monkeypatch):
    """A subscriber runs inside the joining's transaction: its refusal keeps nothing."""

    def refuse(person_id: int, group_id: int) -> None:
        raise DomainError("Not now.")

    monkeypatch.setitem(events.SUBSCRIBERS, "tests.refuse", refuse)
    lead = f.person("Lena Lead")
    group = f.group(lead)
    newcomer = f.person("Nia Newcomer")
    with pytest.raises(DomainError):
        f.join_group(lead, group.id, newcomer)
    assert db.session.execute(select(GroupMembership).where(GroupMembership.person_id == newcomer.id)).first() is None
