"""A real SMTP server for the tests (aiosmtpd, in a thread of its own), keeping what arrives.

The test server sends every e-mail to it over SMTP, as it would to a charity's relay;
tests read what arrived, or make it refuse for a while.
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

RANDOM_HEADERS = {"message-id", "content-type"}
TOKEN = re.compile(r"token=[\w.-]+")


@dataclass(frozen=True)
class Arrived:
    recipients: tuple[str, ...]
    raw: bytes
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    @property
    def everything(self) -> str:
        """All a reader could see, headers included, decoded from any transfer encoding.
        The random parts (the Message-ID, MIME boundaries, link tokens) are left out, so
        that a secret is never found in them by chance: they hold random or signed ids."""
        shown = [
            f"{name}: {value}"
            for name, value in self.message.items()
            if name.lower() not in RANDOM_HEADERS
        ]
        shown += [self.text, self.html]
        shown += [str(part.get_content()) for part in self.message.iter_attachments()]
        return TOKEN.sub("token=…", "\n".join(shown))


class Mailbox:
    """The handler aiosmtpd calls, and what tests ask of it."""

    def __init__(self) -> None:
        self.arrived: list[Arrived] = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 try later"
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        message = email.message_from_bytes(raw, policy=default)
        with self._lock:
            self.arrived.append(Arrived(tuple(envelope.rcpt_tos), raw, message))  # type: ignore[arg-type]
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.arrived.clear()
        self.refuse_with = None

    def to(self, address: str) -> list[Arrived]:
        with self._lock:
            return [mail for mail in self.arrived if address in mail.recipients]

    async def wait_for(self, address: str, count: int = 1, seconds: float = 10) -> list[Arrived]:
        """Wait until ``address`` has had ``count`` e-mails, then a little longer for more."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while len(self.to(address)) < count:
            assert loop.time() < deadline, f"{len(self.to(address))} of {count} e-mails arrived"
            await asyncio.sleep(0.02)
        return self.to(address)

    async def quiet(self, seconds: float = 0.5) -> list[Arrived]:
        """Everything that arrived once nothing more came for ``seconds``."""
        seen = -1
        while seen != len(self.arrived):
            seen = len(self.arrived)
            await asyncio.sleep(seconds)
        return list(self.arrived)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp_server() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox
