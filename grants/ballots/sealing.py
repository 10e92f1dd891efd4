"""Sealed envelopes: how a ballot stays secret in storage, not only in live rows.

A ballot cast while voting is open is written as ciphertext sealed to the round's count key
(X25519 with HKDF-SHA256 and AES-256-GCM, from the `cryptography` library: an anonymous
"sealed box"). The public half of the key is in the database, so any app server can seal;
the private half is a file in COUNT_KEY_FOLDER, on the app servers' disk, outside the
database and outside its backups. At the close the envelopes are opened once, their ballots
written as plain rows in random order in one new transaction, the envelopes deleted, and
the key file overwritten and removed once that transaction has committed.

So the participation row and the envelope written beside it (in the same transaction, next to
each other in PostgreSQL's WAL and pages and in SQLite's -wal) link a person only to
ciphertext whose key no longer exists; the plain ballots were written later, together, by the
close. Plaintext is padded to whole kilobytes so its length does not say how many proposals
a person picked or how long their comments were.

What this does not protect against: someone who controls the running app, or reads the key
folder, while voting is open (they can read ballots as they are cast or opened).
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from grants.core import DomainError
from grants.extensions import db
from grants.models import CountKey, Round, RoundStatus, SealedEnvelope
from grants.rounds import stages

BALLOTS = "ballots"
REFLECTIONS = "reflections"
PAD_TO = 1024  # bytes: plaintext lengths are rounded up to this
_INFO = b"our-tables sealed envelope v1"
_NONCE = bytes(12)  # each envelope has its own ephemeral key, so its AES key is used once
_MADE = "count_keys_made"
_TO_DESTROY = "count_keys_to_destroy"


class CountKeyMissing(DomainError):
    """The private half of a count key is not in the key folder (lost, or on another machine)."""


def key_folder() -> Path:
    """Where private count keys live: COUNT_KEY_FOLDER, or instance/count-keys in development."""
    configured = current_app.config.get("COUNT_KEY_FOLDER") or os.path.join(current_app.instance_path, "count-keys")
    folder = Path(configured)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _key_path(key: CountKey) -> Path:
    # The public key's start in the name, so a reused id (a database restored or reset) never
    # picks up another key's file.
    return key_folder() / f"round-{key.round_id}-{key.purpose}-{key.id}-{key.public_key.hex()[:16]}.key"


def make_key(session: Session, round_id: int, purpose: str) -> CountKey:
    """A new key pair: the public half in the database, the private half in the key folder.

    The file is written before the commit; if the transaction is rolled back it is removed.
    """
    private = X25519PrivateKey.generate()
    key = CountKey(round_id=round_id, purpose=purpose, public_key=private.public_key().public_bytes_raw())
    session.add(key)
    session.flush()
    path = _key_path(key)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private.private_bytes_raw())
        fh.flush()
        os.fsync(fh.fileno())
    session.info.setdefault(_MADE, []).append(path)
    return key


@stages.on_entering(RoundStatus.VOTING)
def _new_key_as_voting_opens(rnd: Round) -> None:
    """Ballots are sealed to this key; its private half is opened once, at the close."""
    make_key(db.session, rnd.id, BALLOTS)


def current_key(round_id: int, purpose: str) -> CountKey | None:
    """The round's key for `purpose` that is still in use (not yet opened and destroyed)."""
    return db.session.execute(
        select(CountKey)
        .where(CountKey.round_id == round_id, CountKey.purpose == purpose, CountKey.destroyed_at.is_(None))
        .order_by(CountKey.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _pad(data: bytes) -> bytes:
    body = len(data).to_bytes(4, "big") + data
    return body + bytes(-len(body) % PAD_TO)


def _unpad(data: bytes) -> bytes:
    return data[4 : 4 + int.from_bytes(data[:4], "big")]


def seal_bytes(public_key: bytes, plaintext: bytes) -> bytes:
    """Encrypt to `public_key` with a fresh ephemeral key: only the private key's holder can open it."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    aes_key = HKDF(hashes.SHA256(), 32, salt=ephemeral_public + public_key, info=_INFO).derive(shared)
    return ephemeral_public + AESGCM(aes_key).encrypt(_NONCE, _pad(plaintext), None)


def open_bytes(private: X25519PrivateKey, sealed: bytes) -> bytes:
    """Open an envelope made by `seal_bytes` for this private key."""
    ephemeral_public, body = sealed[:32], sealed[32:]
    public_key = private.public_key().public_bytes_raw()
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    aes_key = HKDF(hashes.SHA256(), 32, salt=ephemeral_public + public_key, info=_INFO).derive(shared)
    return _unpad(AESGCM(aes_key).decrypt(_NONCE, body, None))


def seal(
    session: Session,
    key: CountKey | tuple[int, bytes],
    content: Any,  # noqa: ANN401 - anything JSON can hold
    *,
    paper_batch_id: int | None = None,
) -> None:
    """Write `content` (JSON) as an envelope sealed to `key` (a CountKey, or its id and public key)."""
    session.execute(_ENVELOPE_INSERT, envelope(key, content, paper_batch_id=paper_batch_id))


def envelope(key: CountKey | tuple[int, bytes], content: Any, *, paper_batch_id: int | None = None) -> dict:  # noqa: ANN401
    """The row of an envelope sealing `content` (JSON) to `key`, for a caller that writes it itself."""
    key_id, public = (key.id, key.public_key) if isinstance(key, CountKey) else key
    sealed = seal_bytes(public, json.dumps(content, separators=(",", ":")).encode())
    return {"id": secrets.token_hex(16), "key_id": key_id, "paper_batch_id": paper_batch_id, "sealed": sealed}


_ENVELOPE_INSERT = insert(SealedEnvelope.__table__)  # built once: a statement is immutable


def _private(key: CountKey) -> X25519PrivateKey:
    path = _key_path(key)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CountKeyMissing(
            "The key that opens this table's sealed ballots is not in the key folder (COUNT_KEY_FOLDER) on this "
            "server. Run the count where the key was made, or restore the folder; nothing has been changed."
        ) from exc
    private = X25519PrivateKey.from_private_bytes(raw)
    if private.public_key().public_bytes_raw() != key.public_key:
        raise CountKeyMissing("The key file in COUNT_KEY_FOLDER does not match this table's count key.")
    return private


def open_all(session: Session, key: CountKey) -> list[Any]:
    """Open every envelope sealed to `key` that is not held by a paper batch awaiting confirmation,
    delete them, and mark the key destroyed; its file is destroyed once this transaction commits.

    Raises while any paper batch sealed to this key still waits (it must be confirmed or discarded).
    """
    envelopes = list(session.execute(select(SealedEnvelope).where(SealedEnvelope.key_id == key.id)).scalars())
    if any(e.paper_batch_id is not None for e in envelopes):
        raise DomainError(_("Paper ballots still wait for a second person to confirm them."))
    private = _private(key) if envelopes else None
    contents = []
    for envelope in envelopes:
        try:
            contents.append(json.loads(open_bytes(private, envelope.sealed)))  # type: ignore[arg-type]
        except InvalidTag as exc:
            raise DomainError(
                _("A sealed ballot could not be opened: it has been changed. Nothing was counted.")
            ) from exc
        session.delete(envelope)
    key.destroyed_at = datetime.now(UTC)
    session.flush()
    session.info.setdefault(_TO_DESTROY, []).append(_key_path(key))
    return contents


def destroy_file(path: Path) -> None:
    """Overwrite a key file and remove it. (On a journaling or flash file system the old blocks may
    survive overwriting; the folder belongs on storage that is never backed up or imaged.)"""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            fh.write(secrets.token_bytes(size))
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    except FileNotFoundError:
        pass


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_MADE, None)
    for path in session.info.pop(_TO_DESTROY, []):
        destroy_file(path)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Keys made in a transaction that did not happen are not needed; keys that were to be
    # destroyed are still needed, since their envelopes are still there.
    session.info.pop(_TO_DESTROY, None)
    for path in session.info.pop(_MADE, []):
        destroy_file(path)
