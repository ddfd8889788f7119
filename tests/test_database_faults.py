"""A database that stops answering: PostgreSQL behind a TCP proxy the test freezes.

Haven runs as ``haven serve`` runs it, in a process of its own, connected through the
proxy; while the proxy holds every byte, requests must answer within their bound with
``SERVICE_UNAVAILABLE`` (never hang, never ``INTERNAL_SERVER_ERROR``), the readiness
probe must say so, and a client that retries with its ``clientMessageId`` once the
database is back ends with exactly one copy of its message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from tortoise import connections

import models.postgres
from bench.__main__ import free_port
from errors import ServiceUnavailable
from models import SessionMessage
from models.postgres import RELEASE_SECONDS, BoundedAsyncpgClient
from settings import DB_COMMAND_SECONDS, DB_CONNECT_SECONDS, Settings, database_connection
from tests.conftest import TEST_ENV
from tests.live import LiveClient
from tests.test_live_sessions import MESSAGES, live_session
from tests.workflow import code, data

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="needs DATABASE_URL=postgres://…",
)

ME = "{ me { profileName } }"
POST = """
mutation ($session: ID!, $body: String!, $id: String) {
  postSessionMessage(sessionId: $session, body: $body, clientMessageId: $id) { sequence }
}"""
# The request's own bound, after the kept-answers check, which a pool's new connection
# may hold up to its own bound
BOUND = Settings.request_seconds + DB_CONNECT_SECONDS + 1.0


class FreezableProxy:
    """Forwards TCP to a target; while frozen, holds every byte in both directions."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.thawed = asyncio.Event()
        self.thawed.set()
        self.port = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, upstream_writer),
            self._pipe(upstream_reader, writer),
            return_exceptions=True,
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                await self.thawed.wait()
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()

    @contextlib.contextmanager
    def frozen(self):
        self.thawed.clear()
        try:
            yield
        finally:
            self.thawed.set()

    async def stop(self) -> None:
        self.thawed.set()
        if self.server is not None:
            self.server.close()


@contextlib.asynccontextmanager
async def proxied(database_url: str) -> AsyncIterator[tuple[FreezableProxy, str]]:
    """A proxy in front of the database, and the URL that reaches it through the proxy."""
    database = urlsplit(database_url)
    proxy = FreezableProxy(database.hostname or "127.0.0.1", database.port or 5432)
    await proxy.start()
    try:
        yield proxy, database_url.replace(database.netloc.split("@")[-1], f"127.0.0.1:{proxy.port}")
    finally:
        await proxy.stop()


@contextlib.asynccontextmanager
async def haven_serve(
    database_url: str, broadcast_url: str, log: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """``haven serve`` in a process of its own, its output in ``log``, once it is ready."""
    port = free_port()
    environ = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": database_url,
        "BROADCAST_URL": broadcast_url,
    }
    haven = str(Path(sys.executable).parent / "haven")
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            haven, "serve", "--port", str(port), env=environ, stdout=output, stderr=output
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            yield http
    finally:
        process.terminate()
        await process.wait()


@pytest.fixture
async def haven_behind_proxy(
    settings, tmp_path
) -> AsyncIterator[tuple[FreezableProxy, httpx.AsyncClient]]:
    async with (
        proxied(settings.database_url) as (proxy, through),
        haven_serve(through, "memory://", tmp_path / "haven.log") as http,
    ):
        yield proxy, http


async def ask(http: httpx.AsyncClient, query: str, variables=None, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    return response.json()


async def test_a_frozen_database_answers_service_unavailable_in_time(haven_behind_proxy, person):
    # Given a member, answered while the database answers
    proxy, http = haven_behind_proxy
    member = await person()
    assert data(await ask(http, ME, token=member.token), "me") == {"profileName": "Member 1"}

    with proxy.frozen():
        # When she asks while the database is frozen
        started = time.monotonic()
        answer = await ask(http, ME, token=member.token)
        took = time.monotonic() - started

        # Then she is told to try again, within the bound, and readiness says not ready;
        # nothing in the answer says where the database is or what was asked of it
        assert code(answer) == "SERVICE_UNAVAILABLE"
        assert answer["errors"][0]["message"] == ServiceUnavailable().message
        assert set(answer["errors"][0]["extensions"]) == {"code", "retryAfter"}
        assert answer["errors"][0]["extensions"]["retryAfter"] > 0
        assert took < BOUND
        started = time.monotonic()
        assert (await http.get("/readyz")).status_code == 503
        assert time.monotonic() - started < 1.5

    # And once it thaws, she is answered again
    for _ in range(50):
        answer = await ask(http, ME, token=member.token)
        if "errors" not in answer:
            break
        await asyncio.sleep(0.2)
    assert data(answer, "me") == {"profileName": "Member 1"}


async def test_a_post_retried_through_an_outage_is_stored_once(
    haven_behind_proxy, gql, person, tmp_path
):
    # Given a member in a live session whose post meets a frozen database
    proxy, http = haven_behind_proxy
    scene = await live_session(gql, person)
    member = scene.members[0]
    variables = {"session": scene.session_id, "body": "Is anyone there?", "id": "retry-1"}
    with proxy.frozen():
        first = await ask(http, POST, variables, token=member.token)
        assert code(first) == "SERVICE_UNAVAILABLE"

    # When her app retries every failure with the same clientMessageId
    for _ in range(50):
        answer = await ask(http, POST, variables, token=member.token)
        if "errors" not in answer:
            break
        assert code(answer) == "SERVICE_UNAVAILABLE"
        await asyncio.sleep(0.2)

    # Then the message is stored exactly once
    assert data(answer, "postSessionMessage")["sequence"] == 1
    assert await SessionMessage.filter(session_id=scene.session.id).count() == 1

    # And the server's log of the outage holds neither what she said nor what was asked
    log = (tmp_path / "haven.log").read_text()
    assert "did not answer" in log or "ran past" in log
    for private in ("Is anyone there?", "INSERT", "SELECT", "retry-1"):
        assert private not in log


async def test_a_request_finding_every_connection_taken_gives_up_in_time(gql, person, monkeypatch):
    # Given a member, and every pooled connection taken by work that does not end
    member = await person()
    pool = connections.get("default")._pool
    taken = [await pool.acquire() for _ in range(pool.get_max_size())]
    monkeypatch.setattr(models.postgres, "ACQUIRE_SECONDS", 0.5)
    try:
        # When she asks for something that needs the database
        started = time.monotonic()
        answer = await gql(ME, token=member.token)
        took = time.monotonic() - started
    finally:
        for connection in taken:
            await pool.release(connection)

    # Then she is told to try again once the wait for a connection is over, not the
    # request's whole bound later; and with connections free she is answered
    assert code(answer) == "SERVICE_UNAVAILABLE"
    assert took < Settings.request_seconds / 2
    assert data(await gql(ME, token=member.token), "me") == {"profileName": "Member 1"}


async def test_a_subscription_during_a_frozen_database_is_refused_in_time(
    haven_behind_proxy, gql, person
):
    # Given a member connected to a live session's server, whose database then freezes
    proxy, http = haven_behind_proxy
    scene = await live_session(gql, person)
    ws_url = str(http.base_url).replace("http", "ws") + "/graphql"
    client = await LiveClient.connect(ws_url, scene.members[0].token)
    try:
        with proxy.frozen():
            # When she opens the session's stream
            started = time.monotonic()
            stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})

            # Then she is told to try again within a statement's bound and a connection's
            # return, not left waiting for as long as the freeze lasts
            assert await client.refusal(stream) == "SERVICE_UNAVAILABLE"
            assert time.monotonic() - started < DB_COMMAND_SECONDS + RELEASE_SECONDS + 1.0

        # And once it thaws, the stream opens
        await gql(
            POST, {"session": scene.session_id, "body": "Hello"}, token=scene.facilitator.token
        )
        for _ in range(20):
            stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
            message = await client.next(stream)
            if message["type"] == "next" and "errors" not in message["payload"]:
                break
            await asyncio.sleep(0.5)
        assert message["payload"]["data"]["sessionMessages"]["body"] == "Hello"
    finally:
        await client.close()


async def test_a_transaction_cut_short_at_its_begin_gives_its_connection_back(settings, caplog):
    # Given a pool of one connection, through a proxy
    async with proxied(settings.database_url) as (proxy, through):
        credentials = database_connection(through)["credentials"]
        client = BoundedAsyncpgClient(
            connection_name="cut_short", minsize=1, maxsize=1, **credentials
        )
        await client.create_connection(with_db=True)
        try:
            # When a transaction is cut short while its BEGIN waits on the database
            async def transaction() -> None:
                async with client._in_transaction():
                    pass

            proxy.thawed.clear()
            cut_short = asyncio.create_task(transaction())
            await asyncio.sleep(0.3)
            cut_short.cancel()
            proxy.thawed.set()
            with contextlib.suppress(asyncio.CancelledError):
                await cut_short

            # Then the pool's one connection serves the next transaction
            async with asyncio.timeout(models.postgres.ACQUIRE_SECONDS + 2):
                async with client._in_transaction() as again:
                    assert await again.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]
            assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        finally:
            await client.close()
