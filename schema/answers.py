"""Answers kept and given again: the same query from the same reader, nothing changed.

What decides an answer is the request body (document, variables, operation name), who
asks (their profile and role, or nobody), the data, and for a few rules the clock. So an
answer is kept under the body and the reader, with the data version it was computed at
(``models.versions``: every committed write moves it, in the writing transaction) and
the moment until which time alone cannot change it (``resolvers.horizon``). It is given
again only while the version is the one it was computed at and that moment has not
come. The reader's token is still verified on every request before anything kept is
looked at; a closed profile, a changed role or an ended membership are writes, and
move the version.

Only answers to queries that finished without an error, during which the version did
not move, are kept: an operation that writes (reading a transcript is audited) moves
the version itself, so it runs every time.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from auth.identity import bearer_token, viewer_from_token
from models.versions import read_version
from observe.metrics import KEPT_ANSWERS
from resolvers.horizon import next_change_after
from settings import Settings

logger = logging.getLogger("haven.answers")

MAX_KEPT = 10_000
MAX_KEPT_BYTES = 64 * 1024  # an answer larger than this is computed each time
LONGEST = timedelta(minutes=5)  # however still the data, nothing is kept longer
KEEPABLE = "haven.answer_may_be_kept"

GRAPHQL_PATH = "/graphql"

Reader = tuple[int | None, str | None]
Key = tuple[Reader, bytes]


@dataclass(frozen=True)
class Kept:
    """One answer, as sent: valid at ``version`` until ``until``."""

    version: int
    until: datetime
    headers: list[tuple[bytes, bytes]]
    body: bytes


class MarkKeepable(SchemaExtension):
    """Say, for ``KeptAnswers``, whether this operation's answer may be kept: a query
    that finished without any error."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        result = context.result
        if result is None or result.errors or context.pre_execution_errors:
            return
        if context.operation_type != OperationType.QUERY:
            return
        request = getattr(context.context, "request", None)
        if request is not None and request.scope["type"] == "http":
            request.scope.setdefault("state", {})[KEEPABLE] = True


class AnswerStore:
    """The answers one process keeps, most recently given last; the oldest go first."""

    def __init__(self, size: int = MAX_KEPT) -> None:
        self.size = size
        self.kept: OrderedDict[Key, Kept] = OrderedDict()
        self.given = 0  # answers given from what was kept, since the start
        self._horizon: tuple[int, datetime, datetime] | None = None  # version, asked at, until

    def lookup(self, key: Key, version: int, now: datetime) -> Kept | None:
        kept = self.kept.get(key)
        if kept is None:
            return None
        if kept.version != version or now >= kept.until:
            del self.kept[key]
            return None
        self.kept.move_to_end(key)
        self.given += 1
        return kept

    def keep(self, key: Key, kept: Kept) -> None:
        self.kept[key] = kept
        self.kept.move_to_end(key)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)

    async def horizon(self, version: int, now: datetime) -> datetime:
        """When time alone next changes an answer, asked once per version of the data."""
        known = self._horizon
        if known is not None and known[0] == version and known[1] <= now < known[2]:
            return known[2]
        until = await next_change_after(now) or now + LONGEST
        self._horizon = (version, now, until)
        return until


class KeptAnswers:
    """ASGI middleware before the GraphQL route: gives kept answers, keeps new ones."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        store: AnswerStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.settings = settings
        self.store = store
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_json_post_to(scope, GRAPHQL_PATH):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        reader = self.reader(scope)
        version = None if reader is None else await read_version()
        if reader is None or version is None:
            await self.app(scope, replay(body, receive), send)
            return
        key = (reader, body)
        now = self.clock()
        kept = self.store.lookup(key, version, now)
        if kept is not None:
            KEPT_ANSWERS.inc()
            await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
            await send({"type": "http.response.body", "body": kept.body})
            return
        answer = _Answer()
        await self.app(scope, replay(body, receive), answer)
        # Kept before it is sent, so that the same question asked on receiving this
        # answer finds it.
        if scope.get("state", {}).get(KEEPABLE) and answer.keepable:
            try:
                await self.keep_if_still(key, version, now, answer)
            except Exception:  # keeping is a saving: its failure must not cost the answer
                logger.exception("keeping an answer failed")
        await answer.send_to(send)

    async def keep_if_still(self, key: Key, version: int, now: datetime, answer: _Answer) -> None:
        """Keep ``answer`` if nothing was written while it was computed."""
        if await read_version() != version:
            return  # something was written meanwhile, perhaps by this very operation
        until = min(await self.store.horizon(version, now), now + LONGEST)
        self.store.keep(key, Kept(version, until, answer.headers, bytes(answer.body)))

    def reader(self, scope: Scope) -> Reader | None:
        """Who asks, as far as the answer depends on it; None if their token is refused."""
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
        viewer = viewer_from_token(self.settings, bearer_token(authorization))
        if viewer.problem is not None:
            return None
        return (viewer.user_id, viewer.role.value if viewer.role else None)


class _Answer:
    """A response as the view gave it, held to be sent once it is known whether to keep it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    @property
    def keepable(self) -> bool:
        return self.status == 200 and len(self.body) <= MAX_KEPT_BYTES

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def send_to(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


def is_json_post_to(scope: Scope, path: str) -> bool:
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != path:
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then whatever comes next (the client going away)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
