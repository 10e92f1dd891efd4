"""Shared setup for the money tests: a fake Stripe, an app wired to it, and an awarded round."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import stripe
from flask import Flask

from grants.core import transaction
from grants.extensions import db
from grants.models import Award, Funder, Group, Person, Proposal, Round
from grants.money.services import commit_awards
from tests import factories
from tests.conftest import make_app
from tests.fakes.fake_stripe import FAKE_WEBHOOK_SECRET, FakeStripe, forbid_non_loopback_connections, sign_event


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """A local fake Stripe; DNS for anything but loopback is refused (and checked)."""
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    attempted = forbid_non_loopback_connections(monkeypatch)
    with FakeStripe() as server:
        yield server
    assert attempted == [], f"tried to reach {attempted}"


def stripe_config(fake: FakeStripe, **extra) -> dict:  # noqa: ANN003
    """App settings that point the real stripe library at the fake."""
    return {
        "STRIPE_SECRET_KEY": fake.api_key,
        "STRIPE_WEBHOOK_SECRET": FAKE_WEBHOOK_SECRET,
        "STRIPE_LIVEMODE": False,
        "STRIPE_API_BASE": fake.base_url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        **extra,
    }


@pytest.fixture
def stripe_app(database_url: str, tmp_path, fake: FakeStripe) -> Iterator[Flask]:  # noqa: ANN001
    """The application with Stripe switched on against the fake."""
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), **stripe_config(fake))
    with app.app_context():
        yield app
        gateway = app.extensions.get("stripe_gateway")
        if gateway is not None:
            gateway.close()
        db.session.remove()
        db.engine.dispose()


def deliver(client, event: dict, *, secret: str = FAKE_WEBHOOK_SECRET, timestamp: int | None = None):  # noqa: ANN001, ANN201
    """POST a signed event to the webhook, as Stripe would (no CSRF token, no login)."""
    body, header = sign_event(event, secret, timestamp=timestamp)
    return client.post(
        "/stripe/webhook", data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


@dataclass
class Scenario:
    """A round with a paid-in pot and awards made by the panel's decision."""

    convenor: Person
    funder: Funder
    funder_person: Person
    lead: Person
    rnd: Round
    groups: list[Group]
    awards: list[Award]


def awarded_round(pot_pence: int, costs: list[int]) -> Scenario:
    """Set up a round, pay `pot_pence` in by bank transfer and award one group per cost."""
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    funder, funder_person = factories.funded(rnd.id, pot_pence)
    lead = factories.person("Lee Lead")
    groups, proposals = [], []
    for cost in costs:
        grp = factories.group(lead)
        factories.bank_details(lead, grp)  # a group can be paid only once it has said how
        groups.append(grp)
        proposals.append(factories.proposal(lead, rnd.id, grp, cost))
    with transaction():
        round_ = db.session.get(Round, rnd.id)
        awards = commit_awards(round_, [db.session.get(Proposal, p.id) for p in proposals], date.today())
    return Scenario(convenor, funder, funder_person, lead, rnd, groups, awards)
