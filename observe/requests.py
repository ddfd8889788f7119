"""Request ids: one for each HTTP request and each WebSocket connection, in every log line
written while it is served and in the ``X-Request-ID`` header of every answer.

An id arriving in ``X-Request-ID`` is kept only from a proxy the operator trusts
(``HAVEN_TRUSTED_PROXIES``), so that the proxy's logs and Haven's join up; anyone
else's would let a client write into Haven's logs. Otherwise a new one is made.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Scope, Send

from auth.addresses import is_trusted, parse_address
from settings import Network

HEADER = "x-request-id"
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def id_for(scope: Scope, trusted: Sequence[Network]) -> str:
    """The id of this request: its trusted proxy's, or a new one."""
    given = next((v for k, v in scope.get("headers", ()) if k == HEADER.encode()), None)
    client = scope.get("client")
    peer = parse_address(client[0]) if client else None
    if given is not None and peer is not None and is_trusted(peer, trusted):
        text = given.decode("latin-1")
        if WELL_FORMED.fullmatch(text):
            return text
    return uuid.uuid4().hex


def begin(scope: Scope, trusted: Sequence[Network]) -> str:
    """Name the request being served: for its log lines, its context and its answer."""
    current = id_for(scope, trusted)
    request_id.set(current)
    scope.setdefault("state", {})["request_id"] = current
    return current


def answering_with_id(send: Send, current: str) -> Send:
    """``send``, adding the request's id to the answer's headers (over HTTP, and to a
    WebSocket handshake's)."""

    async def with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers[HEADER] = current
        elif message["type"] == "websocket.accept":  # the handshake's answer
            headers = [*message.get("headers", ()), (HEADER.encode(), current.encode())]
            message = {**message, "headers": headers}
        await send(message)

    return with_id
