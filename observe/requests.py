"""Request ids: one for each HTTP request and each WebSocket connection, in every log line
written while it is served and in the ``X-Request-ID`` header of every answer.

An id arriving in ``X-Request-ID`` is kept only from a proxy the operator trusts
(``HAVEN_TRUSTED_PROXIES``), so that the proxy's logs and Haven's join up; anyone
else's would let a client write into Haven's logs. Otherwise a new one is made.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from collections.abc import Sequence
from contextvars import ContextVar

from starlette.types import Message, Scope, Send

from auth.addresses import is_trusted, parse_address
from settings import Network

HEADER = "x-request-id"
_HEADER = HEADER.encode()
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# A new id is this process's random prefix and a count: unique across processes and
# restarts, and cheap, since every request and socket is given one.
_prefix = secrets.token_hex(8)
_counter = itertools.count(1)


def _start_anew() -> None:
    global _prefix, _counter
    _prefix, _counter = secrets.token_hex(8), itertools.count(1)


os.register_at_fork(after_in_child=_start_anew)  # a forked worker counts on its own


def new_id() -> str:
    return f"{_prefix}{next(_counter):016x}"  # 32 hex digits, as a UUID's


def id_for(scope: Scope, trusted: Sequence[Network]) -> str:
    """The id of this request: its trusted proxy's, or a new one."""
    given = next((v for k, v in scope.get("headers", ()) if k == _HEADER), None)
    if given is not None and trusted:
        client = scope.get("client")
        peer = parse_address(client[0]) if client else None
        text = given.decode("latin-1")
        if peer is not None and is_trusted(peer, trusted) and WELL_FORMED.fullmatch(text):
            return text
    return new_id()


def begin(scope: Scope, trusted: Sequence[Network]) -> str:
    """Name the request being served: for its log lines, its context and its answer."""
    current = id_for(scope, trusted)
    request_id.set(current)
    scope.setdefault("state", {})["request_id"] = current
    return current


def answering_with_id(send: Send, current: str) -> Send:
    """``send``, adding the request's id to the answer's headers (over HTTP, and to a
    WebSocket handshake's)."""

    header = (_HEADER, current.encode())

    async def with_id(message: Message) -> None:
        # A new message with a new list: the headers given may be shared (a kept answer's)
        if message["type"] in ("http.response.start", "websocket.accept"):
            headers = [h for h in message.get("headers", ()) if h[0].lower() != _HEADER]
            message = {**message, "headers": [*headers, header]}
        await send(message)

    return with_id
