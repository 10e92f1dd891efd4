"""Appending to the hash-chained audit log, and checking the chain.

`record` joins the caller's transaction, so an action and its audit entry are written
together or not at all. Each entry's hash covers its content and the previous hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models.audit import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(
    prev_hash: str,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    action: str,
    round_id: int | None,
    is_public: bool,
    summary: str,
    details: dict[str, Any],
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "seq": seq,
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "action": action,
            "round": round_id,
            "public": is_public,
            "summary": summary,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _head() -> AuditHead:
    head = db.session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is not None:
        return head
    try:
        with db.session.begin_nested():
            db.session.add(AuditHead(id=1, seq=0, last_hash=GENESIS))
    except IntegrityError:
        pass
    return db.session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()


def record(
    action: str,
    summary: str,
    *,
    actor_id: int | None = None,
    round_id: int | None = None,
    public: bool = False,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry inside the caller's transaction."""
    head = _head()
    details = json.loads(json.dumps(details or {}, default=str))
    created_at = datetime.now(UTC)
    seq = head.seq + 1
    digest = _digest(head.last_hash, seq, created_at, actor_id, action, round_id, public, summary, details)
    entry = AuditEntry(
        seq=seq,
        created_at=created_at,
        actor_id=actor_id,
        action=action,
        round_id=round_id,
        is_public=public,
        summary=summary,
        details=details,
        prev_hash=head.last_hash,
        hash=digest,
    )
    head.seq = seq
    head.last_hash = digest
    db.session.add(entry)
    db.session.flush()
    return entry


def verify() -> tuple[bool, str]:
    """Recompute the chain from the start. Returns (ok, message naming the first break)."""
    prev = GENESIS
    expected_seq = 0
    count = 0
    for entry in db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        expected_seq += 1
        count += 1
        if entry.seq != expected_seq:
            return False, f"entry {expected_seq} is missing (found {entry.seq} next)"
        if entry.prev_hash != prev:
            return False, f"entry {entry.seq} does not follow entry {entry.seq - 1}"
        digest = _digest(
            prev,
            entry.seq,
            entry.created_at,
            entry.actor_id,
            entry.action,
            entry.round_id,
            entry.is_public,
            entry.summary,
            entry.details,
        )
        if digest != entry.hash:
            return False, f"entry {entry.seq} ({entry.action}) has been changed"
        prev = entry.hash
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq or head.last_hash != prev):
        return False, f"the chain ends at entry {expected_seq} but the head says {head.seq}: entries were removed"
    return True, f"{count} entries, chain intact"
