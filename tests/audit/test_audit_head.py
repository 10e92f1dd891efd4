"""The record cannot be rewritten unnoticed (issue 15): the chain is keyed and its head published.

Seen before: deleting the last entry with audit_head rolled back, and rewriting a hold reason
with the chain recomputed by the app's own digest, both left `flask audit verify` saying the
chain was intact, while the public page said nothing could be changed or removed unnoticed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC

from sqlalchemy import text

from grants.audit import record
from grants.core import transaction
from grants.extensions import db
from grants.models._base import sqlite_append_only_triggers
from tests import factories as f
from tests.conftest import text_of

HEAD = re.compile(r"\b(\d+:[0-9a-f]{64})\b")


def _entries(n: int = 3) -> None:
    with transaction():
        for i in range(n):
            record("tranche_held", f"Held: reason {i}.", public=True)


def _kept_head(client, slug: str) -> str:  # noqa: ANN001
    """The head as a member of the public copies it from a table's record."""
    page = client.get(f"/tables/{slug}").get_data(as_text=True)
    found = HEAD.search(page)
    assert found, "no head on the table's record"
    return found.group(1)


def _unguarded(sql: str, params: dict | None = None) -> None:
    """Run `sql` as someone with the database's superuser would, past the append-only trigger."""
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        else:  # SQLite's append-only triggers, dropped as the file's owner could
            for verb in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS audit_entries_append_only_{verb}"))
        conn.execute(text(sql), params or {})
        if postgres:
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
        else:
            for statement in sqlite_append_only_triggers("audit_entries"):
                conn.execute(text(statement))


def _recompute(digest) -> None:  # noqa: ANN001
    """Rewrite every hash from the start with `digest(payload)`, and the head row to match."""
    rows = db.session.execute(text("SELECT * FROM audit_entries ORDER BY seq")).mappings().all()
    db.session.rollback()
    prev = "0" * 64
    for row in rows:
        created = row["created_at"]
        created = created if isinstance(created, str) else created.astimezone(UTC).isoformat(timespec="microseconds")
        if isinstance(row["created_at"], str):  # SQLite keeps text: read it as the app would
            from grants.models import AuditEntry

            created = db.session.get(AuditEntry, row["id"]).created_at.isoformat(timespec="microseconds")
            db.session.rollback()
        details = row["details"] if isinstance(row["details"], dict) else json.loads(row["details"] or "{}")
        payload = json.dumps(
            {"prev": prev, "seq": row["seq"], "at": created, "actor": row["actor_id"], "action": row["action"],
             "round": row["round_id"], "public": bool(row["is_public"]), "summary": row["summary"], "details": details},
            sort_keys=True, separators=(",", ":"), default=str,
        )  # fmt: skip
        new = digest(payload.encode())
        _unguarded(
            "UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE seq = :s", {"p": prev, "h": new, "s": row["seq"]}
        )
        prev = new
    _unguarded("UPDATE audit_head SET seq = :s, last_hash = :h WHERE id = 1", {"s": len(rows), "h": prev})


def test_the_head_is_published_on_the_record_the_feed_and_the_open_data(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    _entries()
    head = _kept_head(client, rnd.slug)
    seq, digest = head.split(":")
    page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "nothing can be changed or removed unnoticed" not in page  # the old claim, no longer made
    assert f"entry {seq}, written" in page
    assert head in client.get("/open-data/feed.atom").get_data(as_text=True)
    now = client.get("/open-data/audit-head.json").get_json()
    assert now["head"] == head and now["hash"] == digest and now["written_at"]
    assert client.get(f"/open-data/audit-head/{seq}.json").get_json()["hash"] == digest
    assert head in client.get("/open-data/").get_data(as_text=True)


def test_removing_the_last_entry_and_rolling_back_the_head_is_caught_by_a_kept_head(client, app, runner):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    _entries()
    kept = _kept_head(client, rnd.slug)
    seq = int(kept.split(":")[0])
    before = runner.invoke(args=["audit", "verify", "--head", kept])
    assert before.exit_code == 0 and "chain intact" in before.output, before.output
    # The last entry removed, the head row put back as it was before it.
    prev = db.session.execute(text("SELECT prev_hash FROM audit_entries WHERE seq = :s"), {"s": seq}).scalar_one()
    db.session.rollback()
    _unguarded("DELETE FROM audit_entries WHERE seq = :s", {"s": seq})
    _unguarded("UPDATE audit_head SET seq = :s, last_hash = :h WHERE id = 1", {"s": seq - 1, "h": prev})
    assert "chain intact" in runner.invoke(args=["audit", "verify"]).output  # alone it cannot tell
    after = runner.invoke(args=["audit", "verify", "--head", kept])
    assert after.exit_code == 1, after.output
    assert "the head you kept" in after.output and "changed or removed after it was published" in after.output
    # Anyone can see it too: the entry their head names is gone from the chain.
    assert client.get(f"/open-data/audit-head/{seq}.json").status_code == 404


def test_a_rewritten_entry_with_the_chain_recomputed_is_caught(client, app, runner):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    _entries()
    kept = _kept_head(client, rnd.slug)
    _unguarded("UPDATE audit_entries SET summary = 'The group misused funds.' WHERE summary = 'Held: reason 1.'")
    # Recomputed with the digest the app used before (plain SHA-256): the key is missing.
    _recompute(lambda payload: hashlib.sha256(payload).hexdigest())
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "has been changed" in result.output, result.output
    # Recomputed with a guessed key: the same.
    _recompute(lambda payload: hmac.new(b"test-secret-key", payload, hashlib.sha256).hexdigest())
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
    # Someone who also holds AUDIT_KEY can recompute a chain that verifies, but not one that
    # still holds the head published before.
    key = app.extensions["audit_key"]
    _recompute(lambda payload: hmac.new(key, payload, hashlib.sha256).hexdigest())
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    caught = runner.invoke(args=["audit", "verify", "--head", kept])
    assert caught.exit_code == 1 and "the head you kept" in caught.output
    seq, digest = kept.split(":")
    assert client.get(f"/open-data/audit-head/{seq}.json").get_json()["hash"] != digest


def test_a_mistyped_head_is_refused_with_the_form_it_takes(app, runner):
    _entries(1)
    result = runner.invoke(args=["audit", "verify", "--head", "12:not-a-hash"])
    assert result.exit_code == 2 and "64-character hash" in result.output
