"""A WebSocket lives as long as the sign-in it was opened with, not as its access token:
through a whole session while the app refreshes tokens, and no longer than a sign-out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from websockets.exceptions import ConnectionClosed

from auth.tokens import issue_access_token, issue_refresh_token
from tests.live import LiveClient
from tests.test_live_sessions import MESSAGES, POST, live_session
from tests.workflow import data

REFRESH = """
mutation ($token: String!) { refreshToken(token: $token) { accessToken refreshToken } }"""
LOGOUT = "mutation ($token: String) { logout(refreshToken: $token) }"
CHANGE_PASSWORD = """
mutation ($current: String!, $new: String!) { changePassword(current: $current, new: $new) {
  accessToken } }"""


async def signed_in_nearly_expired(settings, user) -> tuple[str, str]:
    """A sign-in whose access token lapses a second from now, as one does at the end of
    its fifteen minutes; and its refresh token."""
    refresh, sign_in = await issue_refresh_token(settings, user)
    issued = datetime.now(UTC) - timedelta(seconds=settings.access_token_seconds - 1)
    return issue_access_token(settings, user, now=issued, sign_in=sign_in), refresh


async def closed_within(client: LiveClient, seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while client.closed_with is None:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_a_socket_outlives_its_access_tokens_and_ends_with_a_sign_out(server, gql, person):
    # Given a member following a live session on a token about to lapse
    scene = await live_session(gql, person)
    member = scene.members[0]
    token, refresh = await signed_in_nearly_expired(server.settings, member.user)
    client = await LiveClient.connect(server.ws_url, token)
    try:
        follow = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})

        # When the token lapses, and the app refreshes twice over HTTP meanwhile
        await asyncio.sleep(1.5)
        for _ in range(2):
            fresh = data(await gql(REFRESH, {"token": refresh}), "refreshToken")
            refresh = fresh["refreshToken"]
        said = {"session": scene.session_id, "body": "Still here?"}
        data(await gql(POST, said, token=scene.facilitator.token), "postSessionMessage")

        # Then the socket is open and the stream still delivers
        assert (await client.data(follow, "sessionMessages"))["body"] == "Still here?"
        assert client.closed_with is None

        # When she signs out of that sign-in
        signed_out = await gql(LOGOUT, {"token": refresh}, token=fresh["accessToken"])

        # Then the socket closes within a second, telling her to sign in again
        assert data(signed_out, "logout") is True
        assert await closed_within(client, 1.0)
        assert client.closed_with == 4401
    finally:
        await client.close()


async def test_a_socket_cannot_open_on_a_sign_in_that_has_ended(server, gql, person):
    member = await person()
    token, refresh = await signed_in_nearly_expired(server.settings, member.user)
    data(await gql(LOGOUT, {"token": refresh}, token=member.token), "logout")

    with pytest.raises(ConnectionClosed) as refused:
        await LiveClient.connect(server.ws_url, token)

    assert refused.value.rcvd.code == 4403


async def test_a_new_password_closes_the_sockets_of_every_other_sign_in(server, gql, person):
    # Given a member with sockets open on two devices
    member = await person()
    phone_token, _ = await signed_in_nearly_expired(server.settings, member.user)
    laptop_token, _ = await signed_in_nearly_expired(server.settings, member.user)
    phone = await LiveClient.connect(server.ws_url, phone_token)
    laptop = await LiveClient.connect(server.ws_url, laptop_token)
    try:
        # When she changes her password
        changed = await gql(
            CHANGE_PASSWORD,
            {"current": "correct horse battery", "new": "another long passphrase"},
            token=member.token,
        )

        # Then both sockets close at once
        assert data(changed, "changePassword")["accessToken"]
        assert await closed_within(phone, 1.0)
        assert await closed_within(laptop, 1.0)
    finally:
        await phone.close()
        await laptop.close()
