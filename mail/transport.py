"""How an e-mail leaves: through an SMTP relay, or as a file a person can open.

With no ``SMTP_URL`` (a laptop, a demo) each e-mail is written to ``MAIL_DIR`` as an
``.eml`` file named by its Message-ID, which any mail program opens. Both transports
are idempotent per Message-ID as far as they can be: a file is replaced whole, and a
receiving server or mail client sees the same Message-ID again.

Failures say only what kind of failure it was (an SMTP code, a class of error): the
relay's answer may repeat the address, and an address is personal data.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from settings import Settings

SMTP_SECONDS = 30.0


class NotNow(Exception):
    """The e-mail may go later: the relay is away, busy, or answered 4xx."""


class Undeliverable(Exception):
    """The e-mail will never go as it is: the relay refused it for good (5xx)."""


class Transport(Protocol):
    async def send(self, message: EmailMessage, to_address: str) -> None: ...


class FileTransport:
    """Writes ``<Message-ID>.eml`` under a folder, replacing any earlier copy whole."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage, to_address: str) -> None:
        await asyncio.to_thread(self._write, message)

    def path_for(self, message_id: str) -> Path:
        return self.folder / (re.sub(r"[^A-Za-z0-9.@_-]", "", message_id) + ".eml")

    def _write(self, message: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            final = self.path_for(str(message["Message-ID"]))
            partial = final.with_suffix(".part")
            partial.write_bytes(message.as_bytes())
            os.replace(partial, final)  # a reader never sees half an e-mail
        except OSError as error:
            raise NotNow(f"could not write the file: {type(error).__name__}") from None


class SmtpTransport:
    """Sends through the relay named by ``SMTP_URL``.

    ``smtps://`` speaks TLS from the first byte (port 465); ``smtp://`` upgrades with
    STARTTLS whenever the server offers it, and demands it with ``?starttls=required``.
    A user and password in the URL sign in to the relay.
    """

    def __init__(self, url: str, timeout: float = SMTP_SECONDS) -> None:
        parts = urlsplit(url)
        options = parse_qs(parts.query)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        required = options.get("starttls", [""])[0] == "required"
        self.start_tls: bool | None = None if not required else True
        if self.implicit_tls:
            self.start_tls = False
        self.timeout = timeout

    async def send(self, message: EmailMessage, to_address: str) -> None:
        try:
            await aiosmtplib.send(
                message,
                recipients=[to_address],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.implicit_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refusal.code for refusal in error.recipients})
            raise _by_code(codes[0] if codes else 550) from None
        except aiosmtplib.SMTPResponseException as error:
            raise _by_code(error.code) from None
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise NotNow(f"the relay could not be reached: {type(error).__name__}") from None


def _by_code(code: int) -> NotNow | Undeliverable:
    if 500 <= code < 600:
        return Undeliverable(f"the relay refused it for good: SMTP {code}")
    return NotNow(f"the relay asked to try later: SMTP {code}")


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return FileTransport(settings.mail_dir)
