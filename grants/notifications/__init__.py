"""Telling people what happened. Call `notify` (people) or `notify_address` (an e-mail
address with no account yet) inside the use case's transaction; delivery comes later."""

from grants.notifications.outbox import EVENTS, notify, notify_address

__all__ = ["EVENTS", "notify", "notify_address"]
