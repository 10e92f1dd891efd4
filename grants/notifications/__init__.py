"""Telling people what happened. Call `notify` (people) or `notify_address` (an e-mail
address with no account yet) inside the use case's transaction; delivery happens after the
commit, in the background (grants/notifications/delivery.py, grants/jobs)."""

from flask import Blueprint

from grants.notifications.outbox import EVENTS, notify, notify_address

# Its commands are `flask mail ...` (commands.py).
bp = Blueprint("notifications", __name__, url_prefix="/notifications", cli_group="mail")

__all__ = ["EVENTS", "bp", "notify", "notify_address"]
