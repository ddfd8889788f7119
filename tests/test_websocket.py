"""The WebSocket endpoint: graphql-transport-ws only, authenticated in connection_init."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app import CONNECTION_INIT_SECONDS
from auth.tokens import issue_access_token

PROTOCOL = "graphql-transport-ws"


async def connect(server, payload=None, origin=None, init=True):
    socket = await websockets.connect(server.ws_url, subprotocols=[PROTOCOL], origin=origin)
    if init:
        await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return socket


async def run(socket, query, operation_id="1"):
    await socket.send(
        json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}})
    )
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 5))
        if message.get("id") == operation_id and message["type"] in ("next", "error"):
            return message


async def closed_with(socket) -> int:
    """Read until the server closes the socket, and return the close code it sent."""
    try:
        while True:
            await asyncio.wait_for(socket.recv(), CONNECTION_INIT_SECONDS + 5)
    except ConnectionClosed as closed:
        return closed.rcvd.code


async def test_a_token_in_connection_init_signs_the_socket_in(server, person):
    member = await person(name="Anna")
    socket = await connect(server, {"authorization": f"Bearer {member.token}"})

    ack = json.loads(await socket.recv())
    reply = await run(socket, "{ me { profileName } }")

    assert ack["type"] == "connection_ack"
    assert reply["payload"] == {"data": {"me": {"profileName": "Anna"}}}
    await socket.close()


async def test_a_socket_without_a_token_is_anonymous(server):
    socket = await connect(server)
    await socket.recv()

    reply = await run(socket, "{ me { profileName } }")

    assert reply["payload"]["data"] == {"me": None}
    assert reply["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await socket.close()


async def test_an_invalid_token_is_refused_at_connection_init(server):
    socket = await connect(server, {"authorization": "Bearer forged.token.here"})

    assert await closed_with(socket) == 4403


async def test_the_socket_closes_when_its_token_expires(server, person):
    member = await person()
    almost_expired = datetime.now(UTC) - timedelta(seconds=server.settings.access_token_seconds - 1)
    token = issue_access_token(server.settings, member.user, now=almost_expired)
    socket = await connect(server, {"token": token})
    assert json.loads(await socket.recv())["type"] == "connection_ack"

    assert await closed_with(socket) == 4401


async def test_a_socket_must_send_connection_init_in_time(server):
    socket = await connect(server, init=False)

    assert await closed_with(socket) == 4408


async def test_the_legacy_graphql_ws_protocol_is_not_served(server):
    socket = await websockets.connect(server.ws_url, subprotocols=["graphql-ws"])

    assert await closed_with(socket) == 4406


async def test_a_cross_origin_handshake_is_refused_unless_configured(server):
    allowed = await connect(server, origin="https://app.haven.example")
    assert json.loads(await allowed.recv())["type"] == "connection_ack"
    await allowed.close()

    with pytest.raises(InvalidStatus):
        await connect(server, origin="https://evil.example")


async def test_a_frame_over_64_kib_closes_the_socket(server):
    socket = await connect(server)
    await socket.recv()

    await socket.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "{ needs { id } }", "pad": "x" * 70_000},
            }
        )
    )

    assert await closed_with(socket) == 1009


async def test_a_connection_carries_a_few_subscriptions_at_most(server, person):
    from app import MAX_SUBSCRIPTIONS_PER_CONNECTION

    member = await person()
    socket = await connect(server, {"token": member.token})
    await socket.recv()
    query = "subscription { inbox { id } }"
    for n in range(MAX_SUBSCRIPTIONS_PER_CONNECTION + 1):
        await socket.send(
            json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": query}})
        )

    refused = json.loads(await asyncio.wait_for(socket.recv(), 5))

    assert refused["id"] == str(MAX_SUBSCRIPTIONS_PER_CONNECTION)
    assert refused["type"] == "error"
    assert "limit" in refused["payload"][0]["message"].lower()
    await socket.close()
