"""Telling people what happened. Call `notify` (people) or `notify_address` (an e-mail
address with no account yet) inside the use case's transaction; delivery happens after the
commit, in the background (grants/notifications/delivery.py, grants/jobs)."""

from flask import Blueprint

from grants.notifications.outbox import EVENTS, notify, notify_address

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

__all__ = ["EVENTS", "bp", "notify", "notify_address"]
