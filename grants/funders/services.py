"""Funder use cases."""

from __future__ import annotations

from grants.core import add_with_unique_slug, transaction
from grants.models import Funder, FunderMembership, Person


def register_funder(
    *,
    person: Person,
    name: str,
    description: str = "",
    registered_number: str | None = None,
    website: str | None = None,
) -> Funder:
    """Register a funder; the person who registers it acts for it."""
    with transaction() as session:
        funder = Funder(
            name=name.strip(),
            description=(description or "").strip(),
            registered_number=(registered_number or "").strip() or None,
            website=(website or "").strip() or None,
        )
        add_with_unique_slug(session, funder, name)
        session.add(FunderMembership(funder_id=funder.id, person_id=person.id))
    return funder
