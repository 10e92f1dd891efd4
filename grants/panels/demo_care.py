"""Demo data for the panel's life: an open call on the open table, agreed ground rules elsewhere."""

from __future__ import annotations

from grants.models import Person
from grants.panels import deliberation, formation


def demo_care(*, convenor: Person, round_id: int, stage: str, panel: list[Person]) -> None:
    """Open the call on tables still taking bids; elsewhere, ground rules the panel has agreed."""
    formation.save_settings(
        person=convenor,
        round_id=round_id,
        values={
            "panel_size": 7,
            "lived_experience_target_percent": 67,
            "call_text": "We are looking for people with lived experience of mental ill-health to decide this table.",
            "sources_of_help": "Samaritans: call 116 123, free, any time.\nMind Infoline: 0300 123 3393.",
            "where_else_to_look": "The Community Foundation's small grants, and your council's ward budget.",
        },
    )
    if stage == "open":
        formation.open_call(person=convenor, round_id=round_id, is_open=True)
        return
    deliberation.write_ground_rules(person=convenor, round_id=round_id, text=deliberation.GROUND_RULES_TEMPLATE)
    for person in panel:
        deliberation.respond_to_ground_rules(person=person, round_id=round_id, agreed=True)
