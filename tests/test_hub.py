"""The pub/sub hub on the configured backend: fan-out, slow clients, lost connections."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import pytest
import redis.asyncio as redis

from subscriptions.hub import Hub, Overflow, Resync
from tests.conftest import Server
from tests.live import LiveClient
from tests.test_live_sessions import MESSAGES, POST, live_session

REDIS = os.environ.get("BROADCAST_URL", "").startswith("redis://")
needs_redis = pytest.mark.skipif(not REDIS, reason="needs BROADCAST_URL=redis://…")


@pytest.fixture
async def hub(settings):
    hub = Hub(settings.broadcast_url, queue_size=4)
    await hub.connect()
    yield hub
    await hub.disconnect()


async def test_two_listeners_joining_a_new_channel_at_once_both_hear(hub):
    heard: list[list[dict]] = [[], []]
    both_listening = asyncio.Barrier(3)

    async def listen(index: int) -> None:
        async with hub.listen("channel:new") as listener:
            await both_listening.wait()
            heard[index].append(await asyncio.wait_for(listener.get(), 5))

    tasks = [asyncio.create_task(listen(i)) for i in range(2)]
    await both_listening.wait()
    await hub.publish("channel:new", {"n": 1})
    await asyncio.gather(*tasks)

    assert heard == [[{"n": 1}], [{"n": 1}]]


async def test_a_listener_that_cannot_keep_up_is_cut_off_and_others_are_not(hub):
    async with hub.listen("channel:busy") as slow, hub.listen("channel:busy") as fast:
        for n in range(10):
            await hub.publish("channel:busy", {"n": n})
            assert (await asyncio.wait_for(fast.get(), 5)) == {"n": n}

        with pytest.raises(Overflow):
            await slow.get()
        assert len(slow.items) <= 1  # its backlog was dropped, not kept


@needs_redis
async def test_a_killed_connection_is_noticed_and_re_established(hub, settings):
    async with hub.listen("channel:kill") as listener:
        admin = redis.Redis.from_url(settings.broadcast_url)
        await admin.client_kill_filter(_type="pubsub")
        await admin.aclose()

        assert isinstance(await asyncio.wait_for(listener.get(), 15), Resync)
        await hub.publish("channel:kill", {"after": True})
        assert await asyncio.wait_for(listener.get(), 5) == {"after": True}


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
    )


@needs_redis
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_no_message_is_lost_across_a_redis_restart(server: Server, gql, person):
    scene = await live_session(gql, person)
    client = await LiveClient.connect(server.ws_url, scene.members[0].token)
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    poster = scene.members[1]
    await gql(POST, {"session": scene.session_id, "body": "before"}, token=poster.token)
    assert (await client.data(stream, "sessionMessages"))["body"] == "before"

    await asyncio.to_thread(restart_redis)
    for body in ("during 1", "during 2"):
        await gql(POST, {"session": scene.session_id, "body": body}, token=poster.token)
    await asyncio.sleep(0.5)
    await gql(POST, {"session": scene.session_id, "body": "after"}, token=poster.token)

    heard = [(await client.data(stream, "sessionMessages"))["body"] for _ in range(3)]
    assert heard == ["during 1", "during 2", "after"]
    await client.close()
