"""The one way a money view loads a pledge, an award or an online payment: it, or 404; and 403
unless the person may (the check gets the funder or the table the object belongs to)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grants.extensions import db
from grants.models import Award, Pledge, StripeCheckout
from grants.security import allowed_or_403

Check = Callable[[Any, int], Any]


def get_pledge(pledge_id: int, *, check: Check | None = None) -> Pledge:
    """The pledge (404 if none); with `check`, 403 unless `check(current_user, pledge.funder_id)`."""
    pledge = db.get_or_404(Pledge, pledge_id)
    allowed_or_403(check, pledge.funder_id)
    return pledge


def get_award(award_id: int, *, check: Check | None = None) -> Award:
    """The award (404 if none); with `check`, 403 unless `check(current_user, award.round_id)`."""
    award = db.get_or_404(Award, award_id)
    allowed_or_403(check, award.round_id)
    return award


def get_checkout(checkout_id: int, *, check: Check | None = None) -> StripeCheckout:
    """The online payment (404 if none); with `check`, 403 unless `check(current_user, its pledge's funder_id)`."""
    checkout = db.get_or_404(StripeCheckout, checkout_id)
    allowed_or_403(check, checkout.pledge.funder_id)
    return checkout
