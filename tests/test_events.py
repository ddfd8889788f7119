"""Integration events: ids and types for systems with the scope, never anything said."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime

import pytest
from websockets.exceptions import ConnectionClosed

from auth.integrations import create_integration
from models import Integration, Role
from tests.conftest import make_group
from tests.live import LiveClient
from tests.test_live_sessions import END, POST, live_session
from tests.workflow import GP, apply, screen

EVENTS = """
subscription ($types: [EventType!]) {
  events(types: $types) { type groupId applicationId sessionId occurredAt }
}"""
SECRETS = ("Someone to talk to", "Keen to join", *GP.values(), "Private words")


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
