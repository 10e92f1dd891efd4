"""Appending to the keyed hash chain of the audit log, publishing its head, and checking it.

`record` joins the caller's transaction, so an action and its audit entry are written
together or not at all. Each entry's hash is an HMAC-SHA256, under AUDIT_KEY, of its content
and the previous hash: without the key nobody can recompute the chain after changing an entry.
AUDIT_KEY lives outside the database, like DATA_KEYS (production refuses to start without it;
elsewhere it is derived from SECRET_KEY).

The head (the latest entry's number, hash and time) is published on every table's record,
in the Atom feed and in the open data. Whoever keeps a head can later check that the chain
still holds it (`/open-data/audit-head/<n>.json`, or `flask audit verify --head n:hash`): a
rewrite or a cut back to before that entry, even by someone holding the database and the
key, no longer shows the head they kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, column, select, table, text, update
from sqlalchemy.exc import IntegrityError

from grants.configuration import ConfigurationError
from grants.extensions import db
from grants.language.records import Words
from grants.models._base import UTCDateTime, sqlite_append_only_triggers
from grants.models.audit import AuditEntry, AuditHead

GENESIS = "0" * 64
WORDS = "words"  # the key in `details` of a public summary's parts (grants/language/records.py)
EXTENSION = "audit_key"


def key_from_config(config: Any) -> bytes:  # noqa: ANN401 - Flask's config or a mapping
    """The chain's HMAC key: AUDIT_KEY, or one derived from SECRET_KEY where none is set (never in production)."""
    configured = (config.get("AUDIT_KEY") or "").strip()
    return (configured or key_from_secret(config["SECRET_KEY"])).encode()


def key_from_secret(secret: str) -> str:
    """An AUDIT_KEY derived from SECRET_KEY, for development and tests only."""
    return hashlib.sha256(b"our-tables audit key\0" + secret.encode()).hexdigest()


def init_app(app: Any) -> None:  # noqa: ANN401 - the Flask app
    """Check and keep the key; production must name its own."""
    if app.config.get("ENV_NAME") == "production" and len((app.config.get("AUDIT_KEY") or "").strip()) < 32:
        raise ConfigurationError(
            "Set AUDIT_KEY (at least 32 characters) before running in production: it keys the audit log's chain. "
            "Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    app.extensions[EXTENSION] = key_from_config(app.config)


def _key() -> bytes:
    key = current_app.extensions.get(EXTENSION)
    return key if key is not None else key_from_config(current_app.config)


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
    *,
    keyed: bool = True,
) -> str:
    # keyed=False is the plain SHA-256 chain from before migration 0021, for its downgrade only.
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
    return hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest() if keyed else hashlib.sha256(
        payload.encode()
    ).hexdigest()


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
    summary: str | Words,
    *,
    actor_id: int | None = None,
    round_id: int | None = None,
    public: bool = False,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry inside the caller's transaction.

    A summary given as `Words` is kept in English (what the seal covers, as before) with its parts
    in `details["words"]`, under the same seal, so that a page can put it into its reader's words."""
    head = _head()
    if isinstance(summary, Words):
        details = {**(details or {}), WORDS: summary.stored()}
        summary = summary.english()
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


@dataclass(frozen=True)
class Head:
    """The latest entry of the chain, as published: its number, its hash and when it was written."""

    seq: int
    hash: str
    created_at: datetime

    @property
    def text(self) -> str:
        """The head as one line to keep: 52:3f1a…"""
        return f"{self.seq}:{self.hash}"


def published_head() -> Head | None:
    """The head of the chain (None before the first entry)."""
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    return None if entry is None else Head(entry.seq, entry.hash, entry.created_at)


def head_at(seq: int) -> Head | None:
    """The chain's entry `seq` as a head, to compare with one kept earlier."""
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.seq == seq)).scalar_one_or_none()
    return None if entry is None else Head(entry.seq, entry.hash, entry.created_at)


def parse_head(text: str) -> tuple[int | None, str]:
    """A kept head, as "52:3f1a…" or the hash alone."""
    seq, _, digest = text.strip().rpartition(":")
    digest = digest.lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("A head is the entry's number and its 64-character hash, like 52:3f1a…")
    if seq and not seq.isdigit():
        raise ValueError("A head is the entry's number and its 64-character hash, like 52:3f1a…")
    return (int(seq) if seq else None), digest


def verify(kept_heads: list[str] | None = None) -> tuple[bool, str]:
    """Recompute the keyed chain from the start, and check it still holds every head kept.

    Returns (ok, message naming the first break). Without a kept head this cannot see the
    last entries removed together with the head row put back, nor a chain rewritten by
    someone holding AUDIT_KEY: a head published before is what shows those.
    """
    wanted = [parse_head(h) for h in kept_heads or []]
    seen: dict[str, int] = {}
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
        if not hmac.compare_digest(digest, entry.hash):
            return False, f"entry {entry.seq} ({entry.action}) has been changed"
        seen[entry.hash] = entry.seq
        prev = entry.hash
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq or head.last_hash != prev):
        return False, f"the chain ends at entry {expected_seq} but the head says {head.seq}: entries were removed"
    for seq, digest in wanted:
        if digest not in seen or (seq is not None and seen[digest] != seq):
            where = f"entry {seq}" if seq is not None else "any entry"
            return False, (
                f"the head you kept ({(str(seq) + ':') if seq is not None else ''}{digest[:12]}…) is not {where} of "
                f"the chain: entries up to it were changed or removed after it was published"
            )
    checked = f"; it holds the {len(wanted)} head{'s' if len(wanted) != 1 else ''} you kept" if wanted else ""
    return True, f"{count} entries, chain intact{checked}"


def rekey_chain(bind: Any, *, keyed: bool = True) -> int:  # noqa: ANN401 - a SQLAlchemy connection
    """Recompute every entry's hash, from the first, under the current AUDIT_KEY; returns how many.

    For migration 0021 (the chain was plain SHA-256 before) and for changing AUDIT_KEY. Every
    head published before no longer matches: say so where the old heads were published. On
    PostgreSQL the append-only trigger is lifted for this one transaction.
    """

    entries = table(
        "audit_entries",
        column("seq"),
        column("created_at", UTCDateTime()),
        column("actor_id"),
        column("action"),
        column("round_id"),
        column("is_public"),
        column("summary"),
        column("details", JSON()),
        column("prev_hash"),
        column("hash"),
    )

    postgres = bind.dialect.name == "postgresql"
    sqlite = bind.dialect.name == "sqlite"
    if postgres:
        bind.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
    if sqlite:  # SQLite's DDL is transactional: the triggers are back before anyone else can write
        for verb in ("update", "delete"):
            bind.execute(text(f"DROP TRIGGER IF EXISTS audit_entries_append_only_{verb}"))
    prev, count = GENESIS, 0
    rows = bind.execute(select(entries).order_by(entries.c.seq)).all()
    # Each hash is unique: park them all first, so no new hash meets an old one still there.
    for row in rows:
        bind.execute(update(entries).where(entries.c.seq == row.seq).values(hash=f"rekeying-{row.seq}"))
    for row in rows:
        digest = _digest(prev, row.seq, row.created_at, row.actor_id, row.action, row.round_id,
                         bool(row.is_public), row.summary, row.details or {}, keyed=keyed)  # fmt: skip
        bind.execute(update(entries).where(entries.c.seq == row.seq).values(prev_hash=prev, hash=digest))
        prev, count = digest, count + 1
    if postgres:
        bind.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
    if sqlite:
        for statement in sqlite_append_only_triggers("audit_entries"):
            bind.execute(text(statement))
    bind.execute(text("UPDATE audit_head SET seq = :s, last_hash = :h WHERE id = 1"), {"s": count, "h": prev})
    return count
