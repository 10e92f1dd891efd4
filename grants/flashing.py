"""One shape many button views share: run a use case, then tell the person how it went."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from grants.core import DomainError


def attempt(action: Callable[[], object], success: str) -> bool:
    """Run `action` (one use case); flash its success or the reason it was refused. True if it worked."""
    try:
        action()
    except DomainError as exc:
        flash(exc.message, "error")
        return False
    flash(success, "success")
    return True
