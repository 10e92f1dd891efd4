"""A small round with a panel, groups and proposals, built through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field

from grants.models import PanelRole, Person, Proposal, Round
from grants.panels.services import accept_invitation, invite
from tests import factories
from tests.conftest import login

PASSWORD = factories.PASSWORD


@dataclass
class World:
    rnd: Round
    convenor: Person
    facilitator: Person
    members: list[Person]
    lead: Person
    other_lead: Person
    proposals: list[Proposal]
    extra: dict = field(default_factory=dict)


def seat_as(convenor: Person, round_id: int, person: Person, role: PanelRole = PanelRole.MEMBER):  # noqa: ANN201
    _inv, token = invite(person=convenor, round_id=round_id, email=person.email, role=role)
    return accept_invitation(person=person, token=token)


def make_world(n_members: int = 3, **rules) -> World:  # noqa: ANN003
    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor, **rules)
    factories.funded(rnd.id, 1_000_000)
    lead = factories.person("Lena Lead")
    other_lead = factories.person("Omar Other")
    g1 = factories.group(lead, "Leeds Peer Circle")
    g2 = factories.group(other_lead, "Bradford Walkers")
    p1 = factories.proposal(lead, rnd.id, g1, 300_000)
    p2 = factories.proposal(other_lead, rnd.id, g2, 200_000)
    facilitator = factories.person("Fran Facilitator")
    seat_as(convenor, rnd.id, facilitator, PanelRole.FACILITATOR)
    members = [
        factories.person(name) for name in ("Aisha Anon", "Ben Bystander", "Chen Careful", "Dee Deep")[:n_members]
    ]
    for m in members:
        seat_as(convenor, rnd.id, m)
    return World(rnd, convenor, facilitator, members, lead, other_lead, [p1, p2])


def as_person(client, person: Person) -> None:  # noqa: ANN001
    """Sign in as `person` in a fresh browser session."""
    client.delete_cookie("session")
    response = login(client, person.email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
