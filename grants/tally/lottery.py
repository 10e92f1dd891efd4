"""A public, repeatable draw to order tied proposals."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def lottery_order(project_ids: Iterable[str], seed: str) -> list[str]:
    """Order project ids by a draw anyone can repeat from the published seed.

    The procedure, to publish with the seed:

    1. For each project id, write the text ``SEED:ID`` (the seed, a colon, the id), encode it
       as UTF-8 and take its SHA-256 digest, written as 64 lowercase hexadecimal digits.
    2. Sort the projects by that hexadecimal string, smallest first; if two digests were ever
       equal, the smaller id (by Unicode code points) goes first.
    3. That is the draw: earlier in the list wins a tie.

    For example, ``sha256("2024-round-1:42")`` is computed with any SHA-256 tool, e.g.
    ``printf '%s' '2024-round-1:42' | sha256sum``. Duplicate ids are dropped (first kept).
    """
    unique = list(dict.fromkeys(str(pid) for pid in project_ids))

    def key(pid: str) -> tuple[str, str]:
        return hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest(), pid

    return sorted(unique, key=key)
