"""``/metrics`` as Prometheus scrapes it, after real traffic over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from models import GroupSession, Role
from subscriptions import channels
from tests.conftest import PRODUCTION_ENV, TEST_ENV, another_server, join, make_group
from tests.live import LiveClient, listening
from tests.mailbox import free_port
from tests.test_scale_out import wait_ready
from tests.workflow import code, data

SAY = """
mutation ($session: ID!, $body: String!) {
  postSessionMessage(sessionId: $session, body: $body) { sequence }
}"""


async def scrape(http: httpx.AsyncClient, **headers: str) -> dict[tuple[str, frozenset], float]:
    answer = await http.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_what_happened_over_http_and_websocket(server, http, gql, person):
    # Given a member in a live session, and the metrics as they stand
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    group = await make_group(facilitator)
    await join(group, member)
    session = await GroupSession.create(
        group=group, starts_at=datetime.now(UTC) + timedelta(minutes=5), one_off=True
    )
    await gql(
        "mutation ($s: ID!) { startSession(sessionId: $s) { status } }",
        {"s": str(session.id)},
        token=facilitator.token,
    )
    before = await scrape(http)

    # When she asks, is refused, follows the session over a socket and speaks in it
    data(await gql("{ me { id } }", token=member.token), "me")
    assert code(await gql("{ auditLog { edges { cursor } } }", token=member.token)) == "FORBIDDEN"
    live = await LiveClient.connect(server.ws_url, member.token)
    stream = await live.subscribe(
        "subscription ($s: ID!) { sessionMessages(sessionId: $s) { body } }",
        {"s": str(session.id)},
    )
    await listening(channels.session_messages(session.id))
    await gql(SAY, {"session": str(session.id), "body": "Hello"}, token=member.token)
    assert await live.data(stream, "sessionMessages") == {"body": "Hello"}
    during = await scrape(http)
    await live.close()
    await asyncio.sleep(0.2)  # the server sees the socket go
    after = await scrape(http)

    # Then each is counted, under its root field, type and outcome
    def grew(name: str, then: dict = before, now: dict = after, **labels: str) -> float:
        return value(now, name, **labels) - value(then, name, **labels)

    def counted(field: str, kind: str, outcome: str = "ok") -> float:
        return grew("haven_operations_total", field=field, type=kind, outcome=outcome)

    assert counted("me", "query") == 1
    assert counted("auditLog", "query", "FORBIDDEN") == 1
    assert counted("postSessionMessage", "mutation") == 1
    assert counted("sessionMessages", "subscription") == 1
    assert grew("haven_operation_seconds_count", type="query") >= 2
    assert grew("haven_open_sockets", now=during) == 1
    assert grew("haven_socket_operations", now=during) == 1
    assert grew("haven_open_sockets") == 0
    assert grew("haven_deliveries_total") >= 1
    assert ("haven_mail_backlog", frozenset()) in after


async def test_an_unknown_field_is_counted_as_unknown(http, gql):
    before = await scrape(http)

    await gql("{ noSuchFieldAtAll }")
    await gql("{ anotherMadeUpField }")

    after = await scrape(http)
    refused = {"field": "unknown", "type": "query", "outcome": "GRAPHQL_VALIDATION_FAILED"}
    assert (
        value(after, "haven_operations_total", **refused)
        - value(before, "haven_operations_total", **refused)
        == 2
    )
    assert not any("noSuchFieldAtAll" in str(labels) for _, labels in after)


async def test_production_shows_metrics_to_the_token_only(settings):
    async with another_server(
        settings, **PRODUCTION_ENV, METRICS_TOKEN="scrape-" + "m" * 40
    ) as app:
        without = await app.get("/metrics")
        wrong = await app.get("/metrics", headers={"Authorization": "Bearer guess"})
        right = await app.get("/metrics", headers={"Authorization": "Bearer scrape-" + "m" * 40})

    assert without.status_code == 404
    assert wrong.status_code == 404
    assert right.status_code == 200
    assert "haven_operations_total" in right.text


SEVERAL_WORKERS = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="several workers need PostgreSQL and Redis",
)


@pytest.fixture
async def two_workers(settings, tmp_path) -> AsyncIterator[tuple[str, int]]:
    """`haven serve --workers 2` on the shared database and pub/sub: its URL and the
    supervisor's process id."""
    port = free_port()
    environ = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        **TEST_ENV,
        "DATABASE_URL": settings.database_url,
        "BROADCAST_URL": settings.broadcast_url,
        "MAIL_DIR": str(tmp_path / "mail"),
    }
    haven = str(Path(sys.executable).parent / "haven")
    with (tmp_path / "haven.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            haven,
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            env=environ,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url)
        yield url, process.pid
    finally:
        process.terminate()
        await process.wait()


def worker_pids(supervisor: int) -> list[int]:
    """The serving processes uvicorn's supervisor started (not multiprocessing's helpers)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


@SEVERAL_WORKERS
async def test_the_scrape_adds_up_every_worker(two_workers):
    # Given `haven serve --workers 2` on the shared database and pub/sub
    url, _ = two_workers

    # When thirty requests arrive, each on a connection of its own (each asking
    # something else: an answer asked again is served as kept, not run again)
    for first in range(1, 31):
        async with httpx.AsyncClient(base_url=url) as client:
            query = f"{{ groups(first: {first}) {{ id }} }}"
            answer = await client.post("/graphql", json={"query": query})
            assert answer.status_code == 200

    # Then whichever worker answers the scrape counts all thirty
    async with httpx.AsyncClient(base_url=url) as client:
        samples = await scrape(client)
    ran = {"field": "groups", "type": "query", "outcome": "ok"}
    assert value(samples, "haven_operations_total", **ran) == 30


@SEVERAL_WORKERS
async def test_a_worker_killed_outright_stops_counting_its_sockets(two_workers, person):
    # Given a socket open to one of two workers, and counted
    url, supervisor = two_workers
    member = await person()
    client = await LiveClient.connect(url.replace("http", "ws") + "/graphql", member.token)
    async with httpx.AsyncClient(base_url=url) as http:
        assert value(await scrape(http), "haven_open_sockets") == 1

        # When every worker is killed outright, never saying it stopped, and uvicorn
        # starts new ones
        killed = worker_pids(supervisor)
        assert len(killed) == 2
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        await client.close()
        for _ in range(100):
            started = worker_pids(supervisor)
            if len(started) == 2 and not set(started) & set(killed):
                break
            await asyncio.sleep(0.1)
        await wait_ready(url)

        # Then the scrape no longer counts the socket that died with its worker
        assert value(await scrape(http), "haven_open_sockets") == 0
