"""An outage drill: a 15 s Redis stall and, overlapping it, a 20 s database partition,
against ``haven serve`` while members post to and follow a live session.

Each member's app does what a good client does: it retries every failure with the same
``clientMessageId``, and resubscribes after the last ``sequence`` it heard whenever its
stream ends. Through it all every request answers within its bound, with success or
``SERVICE_UNAVAILABLE``; no message is lost or stored twice; a member who opens the
session during the stall reads what was said at once; and the followers end with every
message, once each, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass, field

import httpx
import pytest

import models.database
from models import SessionMessage
from tests.live import LiveClient
from tests.test_database_faults import BOUND, POST, ask, haven_serve, proxied
from tests.test_faults import PrivateRedis
from tests.test_live_sessions import MESSAGES, live_session
from tests.workflow import code

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs DATABASE_URL=postgres://…",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

REDIS_STALL_SECONDS = 15
DATABASE_PARTITION_SECONDS = 20
# The probe's own bounds (the database's, the longer), and the answer's way back
READY_BOUND = models.database.PROBE_SECONDS + 1.0


@dataclass
class Attempt:
    seconds: float
    outcome: str  # "ok", an error's code, or "NO ANSWER" when the client gave up waiting


@dataclass
class Poster:
    """A member's app posting one message after another, each retried until stored."""

    http: httpx.AsyncClient
    token: str
    session_id: str
    name: str
    attempts: list[Attempt] = field(default_factory=list)
    stored: dict[int, str] = field(default_factory=dict)  # sequence -> body

    async def run(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            body = f"{self.name} says {n}"
            variables = {"session": self.session_id, "body": body, "id": f"{self.name}-{n}"}
            while True:
                started = time.monotonic()
                try:
                    answer = await ask(self.http, POST, variables, token=self.token)
                except httpx.TimeoutException:
                    answer = None
                took = time.monotonic() - started
                if answer is not None and "errors" not in answer:
                    self.attempts.append(Attempt(took, "ok"))
                    self.stored[answer["data"]["postSessionMessage"]["sequence"]] = body
                    break
                self.attempts.append(Attempt(took, code(answer) if answer else "NO ANSWER"))
                await asyncio.sleep(0.2)
            n += 1
            await asyncio.sleep(0.1)


@dataclass
class Follower:
    """A member's app following the session, resubscribing after its last sequence."""

    ws_url: str
    token: str
    session_id: str
    heard: list[int] = field(default_factory=list)
    interruptions: int = 0
    heard_any: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        while True:
            try:
                client = await LiveClient.connect(self.ws_url, self.token)
            except Exception:  # the server could not take her in just now: try again
                self.interruptions += 1
                await asyncio.sleep(0.5)
                continue
            try:
                await self._follow(client)
            except Exception:  # the socket went in the middle of something: try again
                pass
            finally:
                with contextlib.suppress(Exception):
                    await client.close()
            self.interruptions += 1
            await asyncio.sleep(0.5)

    async def _follow(self, client: LiveClient) -> None:
        after = self.heard[-1] if self.heard else 0
        stream = await client.subscribe(MESSAGES, {"session": self.session_id, "after": after})
        while True:
            message = asyncio.ensure_future(client.inbox[stream].get())
            await asyncio.wait({message, client.reader}, return_when=asyncio.FIRST_COMPLETED)
            if not message.done():  # the socket closed
                message.cancel()
                return
            frame = message.result()
            if frame["type"] != "next" or "errors" in frame["payload"]:
                return
            self.heard.append(frame["payload"]["data"]["sessionMessages"]["sequence"])
            self.heard_any.set()


async def until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def poll_readiness(http: httpx.AsyncClient, seen: list[tuple[int, float]]) -> None:
    while True:
        started = time.monotonic()
        try:
            status = (await http.get("/readyz", timeout=10)).status_code
        except httpx.TimeoutException:
            status = 0
        seen.append((status, time.monotonic() - started))
        await asyncio.sleep(0.5)


async def test_a_redis_stall_and_a_database_partition_surprise_no_one(
    settings, gql, person, tmp_path
):
    # Given haven serve on a Redis of its own and a database behind a proxy, two members
    # posting, one following, and the readiness probe asked throughout
    redis = PrivateRedis()
    await redis.accepting()
    async with (
        proxied(settings.database_url) as (proxy, through),
        haven_serve(through, redis.url, tmp_path / "haven.log") as http,
    ):
        scene = await live_session(gql, person)
        ws_url = str(http.base_url).replace("http", "ws") + "/graphql"
        stop = asyncio.Event()
        posters = [
            Poster(http, member.token, scene.session_id, f"member{i}")
            for i, member in enumerate(scene.members[1:])
        ]
        follower = Follower(ws_url, scene.members[0].token, scene.session_id)
        readiness: list[tuple[int, float]] = []
        tasks = [asyncio.create_task(poster.run(stop)) for poster in posters]
        background = [
            asyncio.create_task(follower.run()),
            asyncio.create_task(poll_readiness(http, readiness)),
        ]
        try:
            await asyncio.wait_for(follower.heard_any.wait(), 10)

            # When Redis stalls for 15 s, and 8 s into it the database is cut off for 20 s
            began = time.monotonic()
            try:
                redis.process.send_signal(signal.SIGSTOP)
                await until(began + 5)
                # (a member opening the session during the stall)
                said = max(sequence for p in posters for sequence in p.stored)
                late = await LiveClient.connect(ws_url, scene.members[0].token)
                opened = time.monotonic()
                stream = await late.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
                backlog = [
                    (await late.data(stream, "sessionMessages"))["sequence"] for _ in range(said)
                ]
                backlog_seconds = time.monotonic() - opened
                await late.close()
                await until(began + 8)
                proxy.thawed.clear()
                await until(began + REDIS_STALL_SECONDS)
                redis.process.send_signal(signal.SIGCONT)
                await until(began + 8 + DATABASE_PARTITION_SECONDS)
            finally:
                redis.process.send_signal(signal.SIGCONT)
                proxy.thawed.set()
            await asyncio.sleep(3)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 60)
            stored = {s: b for p in posters for s, b in p.stored.items()}
            for _ in range(200):  # the follower catches up
                if len(follower.heard) >= len(stored):
                    break
                await asyncio.sleep(0.1)
        finally:
            for task in tasks + background:
                task.cancel()
            await asyncio.gather(*tasks, *background, return_exceptions=True)
            redis.stop()

    # Then every request answered within its bound, with success or SERVICE_UNAVAILABLE
    attempts = [a for p in posters for a in p.attempts]
    outcomes = {a.outcome for a in attempts}
    assert outcomes == {"ok", "SERVICE_UNAVAILABLE"}, outcomes
    assert max(a.seconds for a in attempts) < BOUND
    assert {status for status, _ in readiness} == {200, 503}
    assert max(seconds for _, seconds in readiness) < READY_BOUND

    # And each message the members meant to send is stored exactly once, in one sequence
    rows = await SessionMessage.filter(session_id=scene.session.id).order_by("sequence")
    assert [(m.sequence, m.body) for m in rows] == sorted(stored.items())
    assert [m.sequence for m in rows] == list(range(1, len(rows) + 1))
    for poster in posters:
        bodies = [stored[s] for s in sorted(poster.stored)]
        assert bodies == [f"{poster.name} says {n}" for n in range(len(bodies))]

    # And the member who opened the session during the stall read its backlog at once
    assert backlog == list(range(1, said + 1))
    assert backlog_seconds < 1.0

    # And the follower heard every message, once each, in order
    assert follower.heard == list(range(1, len(rows) + 1))
