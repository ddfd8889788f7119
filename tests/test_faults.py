"""Faults on real parts: a Redis of the test's own, frozen with SIGSTOP and thawed.

A frozen Redis accepts connections and answers nothing, not even an error: the worst
case for anything that waits on it. Every wait on it must be bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

import subscriptions.hub
from app import create_app, serving
from bench.__main__ import free_port
from subscriptions.hub import PUBLISH_SECONDS, Hub, Resync
from tests.live import LiveClient
from tests.test_live_sessions import MESSAGES, POST, live_session
from tests.workflow import data

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


class PrivateRedis:
    """A redis-server on a free port, for this test alone."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def accepting(self) -> None:
        """Wait until the server accepts connections."""
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
async def redis_hub() -> AsyncIterator[tuple[PrivateRedis, Hub]]:
    redis = PrivateRedis()
    hub = Hub(redis.url)
    try:
        await redis.accepting()
        await hub.connect()
        yield redis, hub
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(hub.disconnect(), 10)
        redis.stop()


@contextlib.asynccontextmanager
async def process_hub(hub: Hub) -> AsyncIterator[None]:
    """Make ``hub`` the one this process's streams and publishes use, for the block."""
    before, subscriptions.hub.hub = subscriptions.hub.hub, hub
    try:
        yield
    finally:
        subscriptions.hub.hub = before


async def test_a_publish_to_a_frozen_redis_gives_up_in_time(redis_hub):
    # Given a hub on a Redis that then freezes
    redis, hub = redis_hub
    with redis.frozen():
        # When something is published
        started = time.monotonic()
        delivered = await hub.publish("channel:frozen", {"said": "hello"})

        # Then the publish says it was not delivered, within its bound
        assert delivered is False
        assert time.monotonic() - started < PUBLISH_SECONDS + 0.5


async def test_readiness_turns_unready_within_a_second_of_a_stall_and_back(redis_hub, settings):
    # Given a server whose readiness probe asks a Redis that freezes
    redis, hub = redis_hub
    app = create_app(settings)
    app.state.hub = hub
    async with serving(app, lifespan=False) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/readyz")).status_code == 200

        with redis.frozen():
            # When the probe asks during the stall, it is answered unready within a second
            started = time.monotonic()
            stalled = await http.get("/readyz", timeout=5)
            took = time.monotonic() - started
            assert stalled.status_code == 503
            assert stalled.json() == {"ready": False, "database": True, "broadcast": False}
            assert took < 1.0

        # Then once Redis is back, the process is ready again
        for _ in range(100):
            if (await http.get("/readyz", timeout=5)).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await http.get("/readyz")).status_code == 200


THAW_SECONDS = 15.0


async def test_a_post_during_a_redis_stall_is_answered_and_heard_once_it_thaws(
    redis_hub, server, gql, person
):
    # Given a member following a live session through a Redis that freezes
    redis, hub = redis_hub
    async with process_hub(hub):
        scene = await live_session(gql, person)
        client = await LiveClient.connect(server.ws_url, scene.members[0].token)
        try:
            stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
            await asyncio.sleep(0.3)  # it listens
            poster = scene.members[1]

            with redis.frozen():
                # When another member posts during the stall
                started = time.monotonic()
                posted = await gql(
                    POST, {"session": scene.session_id, "body": "still here"}, token=poster.token
                )
                took = time.monotonic() - started

            # Then the post is acknowledged within the publish's bound, and once Redis
            # thaws the follower hears it, once
            assert data(posted, "postSessionMessage")["sequence"] == 1
            assert took < PUBLISH_SECONDS + 1.0
            # (Redis delivers it if it was written before the stall; if not, the channel is
            # told to resync once a heartbeat is heard again: on a busy machine that takes
            # longer than a stream's usual wait)
            thawed = await asyncio.wait_for(client.inbox[stream].get(), THAW_SECONDS)
            heard = thawed["payload"]["data"]["sessionMessages"]
            assert heard["body"] == "still here"
            await gql(POST, {"session": scene.session_id, "body": "after"}, token=poster.token)
            assert (await client.data(stream, "sessionMessages"))["body"] == "after"
        finally:
            await client.close()


async def test_the_hub_recovers_from_a_stall_longer_than_its_heartbeat(redis_hub):
    # Given a listener on a hub whose Redis freezes for longer than the heartbeat allows
    redis, hub = redis_hub
    async with hub.listen("channel:stall") as listener:
        with redis.frozen():
            await asyncio.sleep(5)  # the fault lasting: longer than DEAD_AFTER_SECONDS

        # When Redis thaws, the listener is told to catch up, and hears what follows
        item = await asyncio.wait_for(listener.get(), 10)
        assert isinstance(item, Resync)
        assert await hub.publish("channel:stall", {"after": True})
        assert await asyncio.wait_for(listener.get(), 5) == {"after": True}


async def test_a_publish_lost_in_a_stall_makes_its_listeners_elsewhere_resync(redis_hub):
    # Given a listener in another process on each of three channels
    redis, publisher = redis_hub
    elsewhere = Hub(redis.url)
    await elsewhere.connect()
    try:
        channels = [f"channel:lost:{n}" for n in range(3)]
        async with contextlib.AsyncExitStack() as stack:
            listeners = [
                await stack.enter_async_context(elsewhere.listen(channel)) for channel in channels
            ]
            with redis.frozen():
                # When Redis stalls while one publish is written and the others wait for a
                # connection of their own (which a stalled Redis never finishes opening)
                sent = await asyncio.gather(
                    *(publisher.publish(channel, {"said": channel}) for channel in channels)
                )
                assert sent == [False, False, False]

            # Then once it answers again, each listener hears its message or is told to
            # resync from the database: none waits for a next message that may never come
            for channel, listener in zip(channels, listeners, strict=True):
                item = await asyncio.wait_for(listener.get(), 10)
                assert isinstance(item, Resync) or item == {"said": channel}
    finally:
        await asyncio.wait_for(elsewhere.disconnect(), 10)


async def test_a_subscriber_during_an_outage_reads_its_backlog_at_once_and_the_rest_on_return(
    redis_hub, server, gql, person
):
    # Given a session with a message said, and a Redis that then dies
    redis, hub = redis_hub
    async with process_hub(hub):
        scene = await live_session(gql, person)
        poster = scene.members[1]
        await gql(POST, {"session": scene.session_id, "body": "before"}, token=poster.token)
        redis.stop()
        for _ in range(100):  # the hub notices
            if hub.reconnecting:
                break
            await asyncio.sleep(0.05)
        assert hub.reconnecting

        # When a member subscribes during the outage
        client = await LiveClient.connect(server.ws_url, scene.members[0].token)
        try:
            started = time.monotonic()
            stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})

            # Then what was said reaches her at once, from the database
            assert (await client.data(stream, "sessionMessages"))["body"] == "before"
            assert time.monotonic() - started < 1.0

            # And what is said during the outage reaches her within a second of Redis
            # coming back, and what is said live after it too
            posted = await gql(
                POST, {"session": scene.session_id, "body": "during"}, token=poster.token
            )
            assert data(posted, "postSessionMessage")["sequence"] == 2
            redis.start()
            await redis.accepting()
            back = time.monotonic()
            assert (await client.data(stream, "sessionMessages"))["body"] == "during"
            assert time.monotonic() - back < 1.0
            await gql(POST, {"session": scene.session_id, "body": "after"}, token=poster.token)
            assert (await client.data(stream, "sessionMessages"))["body"] == "after"
        finally:
            await client.close()
