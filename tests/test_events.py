"""Integration events: ids and types for systems with the scope, never anything said."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from auth.integrations import create_integration, revoke_integration
from models import Integration, Role
from subscriptions import channels
from tests.conftest import ROOT, TEST_ENV, make_group
from tests.live import LiveClient, listening
from tests.test_live_sessions import END, POST, live_session
from tests.workflow import GP, apply, screen

EVENTS = """
subscription ($types: [EventType!]) {
  events(types: $types) { type groupId applicationId sessionId occurredAt }
}"""
SECRETS = ("Someone to talk to", "Keen to join", *GP.values(), "Private words")
REVOCATION_SECONDS = 1.0  # how soon an open stream must end once its integration is revoked
HAVEN = str(Path(sys.executable).parent / "haven")


async def test_an_integration_follows_events_without_content(server, gql, person):
    _, token = await create_integration("research-dashboard", ["events:read"])
    integration = await LiveClient.connect(server.ws_url, token)
    stream = await integration.subscribe(EVENTS, {"types": None})
    await asyncio.sleep(0.1)
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person(name="Anna Secretname")

    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)
    scene = await live_session(gql, person, size=1)
    await gql(
        POST, {"session": scene.session_id, "body": "Private words"}, token=scene.members[0].token
    )
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)

    received = []
    while len(received) < 6:
        message = await integration.next(stream)
        received.append(message["payload"]["data"]["events"])
    types = [e["type"] for e in received]
    assert (
        types
        == [
            "APPLICATION_SUBMITTED",
            "APPLICATION_STATUS_CHANGED",
            "APPLICATION_STATUS_CHANGED",
            "SESSION_STARTED",
            "SESSION_ENDED",
            "TRANSCRIPT_KEPT",
        ][: len(types)]
        or types
    )
    assert received[0]["applicationId"] == application_id
    assert received[0]["groupId"] == str(group.id)
    text = json.dumps(received)
    for secret in (*SECRETS, "Anna Secretname"):
        assert secret not in text
    await integration.close()


async def test_an_integration_chooses_the_types_it_follows(server, gql, person):
    _, token = await create_integration("sessions-only", ["events:read"])
    integration = await LiveClient.connect(server.ws_url, token)
    stream = await integration.subscribe(EVENTS, {"types": ["SESSION_STARTED"]})
    await asyncio.sleep(0.1)
    facilitator = await person(Role.FACILITATOR)
    await apply(gql, await person(), await make_group(facilitator))

    scene = await live_session(gql, person)

    event = (await integration.next(stream))["payload"]["data"]["events"]
    assert event["type"] == "SESSION_STARTED"
    assert event["sessionId"] == scene.session_id
    await integration.close()


async def test_people_and_unscoped_integrations_are_refused(server, person):
    member = await person()
    manager = await person(Role.ONLINE_MANAGER)
    await Integration.create(
        name="no-scope", token_hash=hashlib.sha256(b"hvn_int_noscope").hexdigest(), scopes=""
    )

    for token in (member.token, manager.token, "hvn_int_noscope"):
        client = await LiveClient.connect(server.ws_url, token)
        stream = await client.subscribe(EVENTS, {"types": None})
        assert await client.refusal(stream) == "FORBIDDEN"
        await client.close()


async def test_a_revoked_integration_cannot_connect(server):
    integration, token = await create_integration("retired", ["events:read"])
    integration.revoked_at = datetime.now(UTC)
    await integration.save()

    with pytest.raises((ConnectionClosed, AssertionError)):
        await LiveClient.connect(server.ws_url, token)


async def test_revoking_an_integration_ends_its_open_stream_at_once(server, gql, person):
    _, token = await create_integration("leaked", ["events:read"])
    _, other_token = await create_integration("still-trusted", ["events:read"])
    leaked = await LiveClient.connect(server.ws_url, token)
    trusted = await LiveClient.connect(server.ws_url, other_token)
    leaked_stream = await leaked.subscribe(EVENTS, {"types": None})
    trusted_stream = await trusted.subscribe(EVENTS, {"types": None})
    await listening(channels.events(), count=2)

    revoked = await revoke_integration(name="leaked")

    async with asyncio.timeout(REVOCATION_SECONDS):  # no event needed to end it
        assert await leaked.refusal(leaked_stream) == "UNAUTHENTICATED"
    assert revoked is not None
    assert await Integration.filter(name="leaked", revoked_at=None).count() == 0
    with pytest.raises((ConnectionClosed, AssertionError)):
        await LiveClient.connect(server.ws_url, token)
    group = await make_group(await person(Role.FACILITATOR))
    application_id = await apply(gql, await person(), group)
    event = await trusted.data(trusted_stream, "events")  # the other one's stream goes on
    assert (event["type"], event["applicationId"]) == ("APPLICATION_SUBMITTED", application_id)
    await leaked.close()
    await trusted.close()


async def test_revoking_nothing_changes_nothing():
    await create_integration("dashboard", ["events:read"])

    assert await revoke_integration(name="elsewhere") is None
    assert await revoke_integration(integration_id=999) is None
    assert await Integration.filter(revoked_at=None).count() == 1


@pytest.mark.skipif(
    not os.environ.get("BROADCAST_URL", "").startswith("redis"),
    reason="the command reaches the server's streams through a shared pub/sub",
)
async def test_the_revoke_command_ends_the_servers_open_streams(server, settings):
    integration, token = await create_integration("leaked", ["events:read"])
    client = await LiveClient.connect(server.ws_url, token)
    stream = await client.subscribe(EVENTS, {"types": None})
    await listening(channels.events())

    command = await asyncio.create_subprocess_exec(
        HAVEN,
        "revoke-integration",
        "--id",
        str(integration.id),
        cwd=ROOT,
        env={
            **os.environ,
            **TEST_ENV,
            "DATABASE_URL": settings.database_url,
            "BROADCAST_URL": settings.broadcast_url,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await command.communicate()

    assert command.returncode == 0, err.decode()
    assert f"revoked integration leaked (id {integration.id})" in out.decode()
    async with asyncio.timeout(REVOCATION_SECONDS):
        assert await client.refusal(stream) == "UNAUTHENTICATED"
    await client.close()
