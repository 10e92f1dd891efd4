"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrives."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Handler that keeps every delivered message; it can refuse, or stall one delivery."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False  # answer 451 (try again later) to every recipient
        self.stall_at: int | None = None  # the n-th RCPT (1-based) waits for `release`
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._rcpts = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        if self.refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        with self._lock:
            self._rcpts += 1
            n = self._rcpts
        if n == self.stall_at:
            # A crash mid-send: the worker is killed while the server is still talking to it.
            self.stalled.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 stalled delivery abandoned"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def by_event(self, event: str) -> list[EmailMessage]:
        """Messages for one kind of notification."""
        return [m for m in self.messages if m["X-Our-Tables-Event"] == event]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """Run an SMTP server on an ephemeral port for the duration of the block."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()
