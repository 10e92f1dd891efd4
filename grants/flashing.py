"""Shapes many views share: run a use case, then tell the person how it went."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort, flash
from flask_wtf import FlaskForm

from grants.core import DomainError, NotAllowed, Problems

T = TypeVar("T")


def attempt(action: Callable[[], object], success: str) -> bool:
    """Run `action` (one use case); flash its success or the reason it was refused. True if it worked."""
    try:
        action()
    except DomainError as exc:
        flash(exc.message, "error")
        return False
    flash(success, "success")
    return True


@dataclass(frozen=True)
class Done(Generic[T]):
    """A use case that worked, and what it returned (true even when that is None)."""

    value: T


def submitted(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    field: str,
    success: str | None = None,
    field_for: Mapping[type[DomainError], str] | None = None,
    not_allowed_is_403: bool = False,
) -> Done[T] | None:
    """Run `action` (one use case) if `form` was sent and is valid; flash `success` if it worked.

    A refusal's message goes on the form field the refusal names (`exc.field`), else on the
    field `field_for` gives for its kind, else on `field`: the page shows it beside what to fix.
    With `not_allowed_is_403`, NotAllowed is a 403 instead. The result is Done(what `action`
    returned) if it worked; None if the form was not sent, not valid, or the use case refused.
    """
    if not form.validate_on_submit():
        return None
    try:
        value = action()
    except Problems as exc:
        # Several problems found at once: each beside the box it names (else beside `field`).
        for where, message in exc.problems:
            name = where if where in form else field
            form[name].errors = [*form[name].errors, message]
        return None
    except DomainError as exc:
        if not_allowed_is_403 and isinstance(exc, NotAllowed):
            abort(403)
        name = getattr(exc, "field", None)
        if name not in form:
            name = next((named for kind, named in (field_for or {}).items() if isinstance(exc, kind)), field)
        # A field's errors are a tuple until it is validated: a new list works either way.
        form[name].errors = [*form[name].errors, exc.message]
        return None
    if success is not None:
        flash(success, "success")
    return Done(value)
