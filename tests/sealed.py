"""Reading sealed ballots in tests, as only the holder of a count key could before the close.

Casting writes envelopes, not ballots (grants/ballots/sealing.py); a test that checks what was
cast before voting closes opens them here with the key file, without deleting anything.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from grants.ballots import sealing
from grants.extensions import db
from grants.models import CountKey, SealedEnvelope


def sealed_ballots(round_id: int | None = None, *, with_pending_paper: bool = False) -> list[dict]:
    """Every ballot still sealed (each {"marks", "receipt", "comments"}), of one round or all."""
    stmt = (
        select(SealedEnvelope, CountKey)
        .join(CountKey, CountKey.id == SealedEnvelope.key_id)
        .where(CountKey.purpose == sealing.BALLOTS)
    )
    if round_id is not None:
        stmt = stmt.where(CountKey.round_id == round_id)
    found: list[dict] = []
    for envelope, key in db.session.execute(stmt).all():
        if envelope.paper_batch_id is not None and not with_pending_paper:
            continue
        content = json.loads(sealing.open_bytes(sealing._private(key), envelope.sealed))
        found.extend(content["ballots"] if "ballots" in content else [content])
    return found
