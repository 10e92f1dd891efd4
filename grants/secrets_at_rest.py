"""Bank details encrypted at rest, so a copy of the database or a backup does not hold them.

Account names, sort codes and account numbers are stored as Fernet tokens (AES-128-CBC with an HMAC, from
the `cryptography` library) under keys that live outside the database: `DATA_KEYS`, one or
more Fernet keys separated by commas. The first key encrypts; every key decrypts, so a key is
rotated by putting the new one first, running `flask data rekey`, then dropping the old one.
Production refuses to start without `DATA_KEYS`; development and the tests derive a key from
SECRET_KEY, so nothing needs setting up.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text, column, select, table, update
from sqlalchemy.types import TypeDecorator

from grants.configuration import ConfigurationError
from grants.core import transaction

EXTENSION = "data_keys"


class DataKeyError(RuntimeError):
    """The stored value cannot be read with the configured keys."""


def key_from_secret(secret: str) -> str:
    """A Fernet key derived from SECRET_KEY, for development and tests only."""
    digest = hashlib.sha256(b"our-tables data key\0" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def keys_from_config(config: Any) -> MultiFernet:  # noqa: ANN401 - Flask's config or a mapping
    """The configured keys; a key derived from SECRET_KEY where none are set (never in production)."""
    raw = [k.strip() for k in (config.get("DATA_KEYS") or "").split(",") if k.strip()]
    if not raw:
        raw = [key_from_secret(config["SECRET_KEY"])]
    try:
        return MultiFernet([Fernet(k) for k in raw])
    except ValueError as exc:
        raise DataKeyError("DATA_KEYS must be Fernet keys (32 url-safe base64 bytes), separated by commas.") from exc


def init_app(app: Any) -> None:  # noqa: ANN401 - the Flask app
    """Check and keep the keys; production must name its own."""
    if app.config.get("ENV_NAME") == "production" and not (app.config.get("DATA_KEYS") or "").strip():
        raise ConfigurationError(
            "Set DATA_KEYS before running in production: bank details are encrypted with it. "
            "Make one with: python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    app.extensions[EXTENSION] = keys_from_config(app.config)


def _keys() -> MultiFernet:
    return current_app.extensions[EXTENSION]


def encrypt(value: str) -> str:
    """A token for `value` under the first key."""
    return _keys().encrypt(value.encode()).decode()


def decrypt_fresh(token: str, max_age_seconds: int) -> str:
    """The value of a token made under any configured key in the last `max_age_seconds`;
    `InvalidToken` if it is older, altered or made under no key we hold (a link that expired)."""
    return _keys().decrypt(token.encode(), ttl=max_age_seconds).decode()


def decrypt(token: str) -> str:
    """The value of a token made under any configured key."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DataKeyError("Stored bank details cannot be read with the keys in DATA_KEYS.") from exc


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; the application reads and writes plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:  # noqa: ANN401, ARG002
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:  # noqa: ANN401, ARG002
        return None if value is None else decrypt(value)


# Every encrypted column, by table, for `rekey`. A new encrypted column belongs here too, and
# needs a migration of its own to encrypt what is already stored (as 0016 did for these).
ENCRYPTED_COLUMNS = {
    "payees": ("account_name", "sort_code", "account_number"),
    "panel_pay_preferences": ("account_name", "sort_code", "account_number"),
    # New in 0024, encrypted from its first row: no migration of stored values needed.
    "panel_pay_limits": ("reason",),
}


def rekey() -> int:
    """Encrypt every stored value again under the first key (after adding a new key in front).

    One transaction: every value is rewritten, or none is. Returns how many values were rewritten.
    """
    keys = _keys()
    rewritten = 0
    with transaction() as session:
        for name, columns in ENCRYPTED_COLUMNS.items():
            raw = table(name, column("id"), *(column(c, Text) for c in columns))
            for row in session.execute(select(raw)).all():
                values = {c: keys.rotate(getattr(row, c).encode()).decode() for c in columns if getattr(row, c)}
                if values:
                    session.execute(update(raw).where(raw.c.id == row.id).values(**values))
                    rewritten += len(values)
    return rewritten
