"""A client that stops reading its socket: Haven closes it within seconds, saying how to
resume, and lets go of all it held for it; a client that reads slowly is never cut off.

The client here is a real WebSocket client over a real socket whose receive buffer is
small; it stops reading simply by not reading, and its library stops taking frames
from the socket once its own queue of one frame is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from urllib.parse import urlsplit

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from app import create_app, serving
from resolvers.sessions import do_post_message
from subscriptions import channels
from subscriptions.hub import current_hub
from subscriptions.sockets import (
    CLOSE_SECONDS,
    FELL_BEHIND_CLOSE_CODE,
    FELL_BEHIND_REASON,
    STALLED_SECONDS,
)
from tests.live import PROTOCOL, LiveClient
from tests.test_live_sessions import MESSAGES, live_session

BODY = "A long message, said at length. " * 120  # about 3,800 characters
POSTS_AT_MOST = 3000


async def socket_that_can_stop_reading(url: str, token: str) -> websockets.ClientConnection:
    """Signed in, with a receive buffer of a few KiB and a queue of one frame."""
    where = urlsplit(url)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (where.hostname, where.port))
    client = await websockets.connect(url, sock=raw, subprotocols=[PROTOCOL], max_queue=1)
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await client.send(json.dumps(init))
    assert json.loads(await client.recv())["type"] == "connection_ack"
    return client


def listening(session_id: int) -> int:
    return len(current_hub().listeners.get(channels.session_messages(session_id), ()))


def waiting_to_be_sent(session_id: int) -> int:
    """How many events the session's one stream holds, waiting for its socket."""
    (listener,) = current_hub().listeners[channels.session_messages(session_id)]
    return len(listener.items)


async def following(ws_url: str, scene) -> websockets.ClientConnection:
    """A member's socket, subscribed to the session's messages from the first."""
    reader = await socket_that_can_stop_reading(ws_url, scene.members[0].token)
    subscribe = {"query": MESSAGES, "variables": {"session": scene.session_id, "after": 0}}
    await reader.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    for _ in range(500):
        if listening(scene.session.id):
            break
        await asyncio.sleep(0.01)
    return reader


def sequence_of(raw: str | bytes) -> int:
    return json.loads(raw)["payload"]["data"]["sessionMessages"]["sequence"]


async def read_to_the_close(reader: websockets.ClientConnection, heard: list[int]) -> None:
    """Read what was sent, into ``heard``, until the socket closes."""
    async with asyncio.timeout(10):
        async for raw in reader:
            heard.append(sequence_of(raw))


async def test_a_client_that_stops_reading_is_closed_and_told_how_to_resume(
    server, gql, person, caplog
):
    # Given a member following a live session, who then stops reading
    scene = await live_session(gql, person)
    session_id = scene.session.id
    reader = await following(server.ws_url, scene)

    # When the others go on talking
    poster = scene.members[1].user
    started = time.monotonic()
    posted = 0
    while listening(session_id) and posted < POSTS_AT_MOST:
        await do_post_message(poster, session_id, BODY)
        posted += 1
        await asyncio.sleep(0)
    for _ in range(1000):  # 20 s at most
        if not listening(session_id):
            break
        await asyncio.sleep(0.02)

    # Then Haven lets go of her stream within seconds of her socket filling up
    assert listening(session_id) == 0, "the stalled stream is still held"
    took = time.monotonic() - started

    # And when she reads again, she finds what was sent before the close, and the reason
    heard: list[int] = []
    with pytest.raises(ConnectionClosed) as closed:
        await read_to_the_close(reader, heard)
    assert closed.value.rcvd is not None, "the close frame never came"
    assert closed.value.rcvd.code == FELL_BEHIND_CLOSE_CODE
    assert closed.value.rcvd.reason == FELL_BEHIND_REASON
    assert heard == list(range(1, len(heard) + 1))
    assert len(heard) < posted
    assert took < STALLED_SECONDS + CLOSE_SECONDS + 5, took
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    # And resubscribing after what she heard, she misses nothing
    again = await LiveClient.connect(server.ws_url, scene.members[0].token)
    try:
        stream = await again.subscribe(MESSAGES, {"session": scene.session_id, "after": heard[-1]})
        for sequence in range(heard[-1] + 1, posted + 1):
            assert (await again.data(stream, "sessionMessages"))["sequence"] == sequence
    finally:
        await again.close()


async def test_a_client_that_pauses_and_reads_on_is_not_cut_off(server, gql, person):
    # Given a member following a live session, who pauses reading until her socket is
    # full and the stream waits for it
    scene = await live_session(gql, person)
    session_id = scene.session.id
    reader = await following(server.ws_url, scene)
    poster = scene.members[1].user
    posted = 0
    while waiting_to_be_sent(session_id) < 10:
        assert posted < POSTS_AT_MOST, "the socket never filled"
        await do_post_message(poster, session_id, BODY)
        posted += 1
        await asyncio.sleep(0)

    # When she reads on before the stall's bound
    await asyncio.sleep(STALLED_SECONDS / 3)
    heard = [sequence_of(await asyncio.wait_for(reader.recv(), 5)) for _ in range(posted)]

    # Then she has heard everything, in order, and still hears what is said next
    assert heard == list(range(1, posted + 1))
    await do_post_message(poster, session_id, "And one more thing.")
    assert sequence_of(await asyncio.wait_for(reader.recv(), 5)) == posted + 1
    await reader.close()


async def test_a_client_that_stops_reading_does_not_hold_up_a_shutdown(server, gql, person):
    # Given a server of its own, and a member following a session through it whose
    # socket is full because she stopped reading
    scene = await live_session(gql, person)
    session_id = scene.session.id
    async with contextlib.AsyncExitStack() as serving_it:
        url = await serving_it.enter_async_context(
            serving(create_app(server.settings), lifespan=False)
        )
        await following(url.replace("http", "ws") + "/graphql", scene)
        posted = 0
        while waiting_to_be_sent(session_id) < 1:
            assert posted < POSTS_AT_MOST, "the socket never filled"
            await do_post_message(scene.members[1].user, session_id, BODY)
            posted += 1
            await asyncio.sleep(0)

        # When the server shuts down
        started = time.monotonic()

    # Then its close waits for her no longer than a stalled client is given to read it
    assert time.monotonic() - started < CLOSE_SECONDS + 1.0
