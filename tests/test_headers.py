"""Request headers are capped at 16 KiB in all, over HTTP and on WebSocket handshakes alike."""

from __future__ import annotations

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from app import MAX_HEADER_BYTES
from models import Registration
from tests.conftest import PASSWORD
from tests.live import PROTOCOL

REGISTER = """
mutation ($input: RegisterInput!) { register(input: $input) { message } }"""
NEW_MEMBER = {"email": "new@example.org", "password": PASSWORD, "profileName": "New"}
KIB = 1024


def many_headers(total: int, each: int = 200) -> dict[str, str]:
    """Headers of about ``each`` bytes apiece, ``total`` bytes of them in all."""
    return {f"x-pad-{n:03d}": "v" * (each - 9) for n in range(total // each + 1)}


async def test_one_oversized_header_is_refused_and_nothing_happens(http):
    refused = await http.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"input": NEW_MEMBER}},
        headers={"x-padding": "v" * (17 * KIB)},
    )

    assert refused.status_code == 431
    assert refused.text == "Request header fields too large"
    assert not await Registration.filter(email=NEW_MEMBER["email"]).exists()


async def test_many_small_headers_over_the_cap_are_refused(http):
    headers = many_headers(MAX_HEADER_BYTES + 1 * KIB)

    refused = await http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)

    assert max(len(name) + len(value) for name, value in headers.items()) < 256
    assert refused.status_code == 431


async def test_headers_under_the_cap_are_served(http):
    headers = many_headers(15 * KIB)

    served = await http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)

    assert served.status_code == 200
    assert served.json() == {"data": {"__typename": "Query"}}


async def test_a_websocket_handshake_over_the_cap_is_refused(server):
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(
            server.ws_url,
            subprotocols=[PROTOCOL],
            additional_headers=many_headers(MAX_HEADER_BYTES + 1 * KIB),
        )

    assert refused.value.response.status_code == 403


async def test_a_websocket_handshake_under_the_cap_is_accepted(server):
    socket = await websockets.connect(
        server.ws_url, subprotocols=[PROTOCOL], additional_headers=many_headers(15 * KIB)
    )

    assert socket.subprotocol == PROTOCOL
    await socket.close()
