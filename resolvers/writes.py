"""Messages named by the client (``clientMessageId``): sent twice, stored once.

A client that lost the answer to a message it sent (a train into a tunnel, a hospital's
Wi-Fi dropping) sends it again under the same id; the author gets what the first one
made, and nothing new is stored, for ``KEPT_FOR`` after the first. The id is the
author's own: two people may use the same one. The same id for a different message is
a mistake, answered ``CONFLICT``, rather than silently answered with the old message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from errors import BadUserInput, Conflict
from models import ClientWrite
from subscriptions.outbox import transaction

KEPT_FOR = timedelta(hours=24)
CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

Written = TypeVar("Written", bound=Model)


@dataclass(frozen=True)
class ClientWriteKey:
    """One author's write under one client id, and a digest of what it asks."""

    author_id: int
    client_id: str
    kind: str
    digest: str

    async def earlier(self, now: datetime | None = None) -> int | None:
        """The id of what this write made before, within ``KEPT_FOR``; None if nothing."""
        found = await ClientWrite.filter(author_id=self.author_id, client_id=self.client_id).first()
        if found is None:
            return None
        if found.written_at < (now or datetime.now(UTC)) - KEPT_FOR:
            await found.delete()  # forgotten: the id may name a new message
            return None
        if (found.kind, found.digest) != (self.kind, self.digest):
            raise Conflict(
                "This clientMessageId was already used for another message: "
                "give each new message an id of its own."
            )
        return found.object_id

    async def record(self, object_id: int) -> None:
        await ClientWrite.create(
            author_id=self.author_id,
            client_id=self.client_id,
            kind=self.kind,
            digest=self.digest,
            object_id=object_id,
        )


def check_client_write(
    author_id: int, client_id: str | None, kind: str, *asked: object
) -> ClientWriteKey | None:
    """The key of a write the client named, or None when it named none."""
    if client_id is None:
        return None
    if not CLIENT_ID.fullmatch(client_id):
        raise BadUserInput(
            "clientMessageId is 1 to 64 letters, digits, dots, dashes, colons or underscores."
        )
    digest = hashlib.sha256("\x1f".join(map(str, (kind, *asked))).encode()).hexdigest()
    return ClientWriteKey(author_id, client_id, kind, digest)


async def write_once(
    key: ClientWriteKey | None, model: type[Written], write: Callable[[], Awaitable[Written]]
) -> Written:
    """``write`` in a transaction, unless ``key`` names a write already made: then what it
    made. Of two writes racing under one key, the second fails to record it, is undone,
    and answers with the first's."""
    try:
        async with transaction():
            if key is not None and (earlier := await key.earlier()) is not None:
                return await model.get(pk=earlier)
            written = await write()
            if key is not None:
                await key.record(written.pk)
            return written
    except IntegrityError:
        if key is None or (earlier := await key.earlier()) is None:
            raise
        return await model.get(pk=earlier)


async def do_forget_client_writes(now: datetime | None = None) -> int:
    """Forget the ids of writes older than ``KEPT_FOR``; how many were forgotten."""
    before = (now or datetime.now(UTC)) - KEPT_FOR
    return await ClientWrite.filter(written_at__lt=before).delete()
