"""Integration events: ids and types for systems with the scope, never anything said."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from auth.integrations import create_integration, revoke_integration
from models import DomainEvent, EventCounter, Integration, Role
from resolvers import live
from resolvers.events import do_forget_old_events, do_number_events, last_position
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


FROM = """
subscription ($after: ID) { events(after: $after) { id type groupId } }"""
START_AND_END = ("SESSION_STARTED", "SESSION_ENDED", "TRANSCRIPT_KEPT")


async def heard(client: LiveClient, stream: str, count: int) -> list[dict]:
    return [await client.data(stream, "events") for _ in range(count)]


async def test_an_integration_picks_up_after_the_last_event_it_saw(server, gql, person):
    # Given an integration that heard a session start, then lost its connection
    _, token = await create_integration("warehouse", ["events:read"])
    first = await LiveClient.connect(server.ws_url, token)
    stream = await first.subscribe(FROM, {"after": None})
    await listening(channels.events())
    scene = await live_session(gql, person, size=1)
    (started,) = await heard(first, stream, 1)
    await first.close()

    # When the session ends while it is away, and it comes back with the last id it saw
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    again = await LiveClient.connect(server.ws_url, token)
    resumed = await again.subscribe(FROM, {"after": started["id"]})
    missed = await heard(again, resumed, 2)
    await listening(channels.events())
    later = await live_session(gql, person, size=1, name="Later group")
    (live,) = await heard(again, resumed, 1)

    # Then it hears what it missed, then what happens next, in order, each once
    assert started["type"] == "SESSION_STARTED"
    assert [e["type"] for e in missed] == ["SESSION_ENDED", "TRANSCRIPT_KEPT"]
    assert live["groupId"] == str(later.group.id)
    ids = [int(e["id"]) for e in (started, *missed, live)]
    assert ids == list(range(ids[0], ids[0] + 4))
    assert await again.nothing_for(resumed, 0.3)
    await again.close()


async def test_an_event_a_crash_left_unpublished_still_arrives(server, gql, person):
    # Given an integration following events
    _, token = await create_integration("auditor", ["events:read"])
    client = await LiveClient.connect(server.ws_url, token)
    stream = await client.subscribe(FROM, {"after": None})
    await listening(channels.events())
    group = await make_group(await person(Role.FACILITATOR))

    # When a relay numbered an event and died before publishing it, and another event
    # committed in a process that died before any relay was told of it
    counter = await EventCounter.get(id=1)
    await DomainEvent.create(
        type="CONCERN_RAISED",
        group_id=group.id,
        occurred_at=datetime.now(UTC),
        position=counter.last_position + 1,
    )
    await EventCounter.filter(id=1).update(last_position=counter.last_position + 1)
    await DomainEvent.create(
        type="BREACH_REPORTED", group_id=group.id, occurred_at=datetime.now(UTC)
    )

    # Then both still reach the integration, in order: a relay's round finds the
    # second, and the stream, hearing it, finds the first in the table
    received = await heard(client, stream, 2)
    assert [e["type"] for e in received] == ["CONCERN_RAISED", "BREACH_REPORTED"]
    assert int(received[1]["id"]) == int(received[0]["id"]) + 1
    await client.close()


async def test_picking_up_from_before_what_is_kept_is_refused(server, gql, person):
    # Given events that have been forgotten after their time
    _, token = await create_integration("late-comer", ["events:read"])
    await live_session(gql, person, size=1)
    await do_number_events()
    assert await do_forget_old_events(30, now=datetime.now(UTC) + timedelta(days=31)) >= 1

    # When an integration asks to pick up from before them
    client = await LiveClient.connect(server.ws_url, token)
    stream = await client.subscribe(FROM, {"after": "0"})

    # Then it is told so, rather than silently skipping them
    assert await client.refusal(stream) == "CONFLICT"
    await client.close()


async def test_a_stream_that_hears_nothing_asks_the_table(server, person, monkeypatch):
    # Given a stream that looks at the table after a fifth of a second of quiet
    monkeypatch.setattr(live, "CATCH_UP_SECONDS", 0.2)
    _, token = await create_integration("quiet", ["events:read"])
    client = await LiveClient.connect(server.ws_url, token)
    stream = await client.subscribe(FROM, {"after": None})
    await listening(channels.events())

    # When the last event of the day was numbered by a relay that died before publishing
    counter = await EventCounter.get(id=1)
    group = await make_group(await person(Role.FACILITATOR))
    await DomainEvent.create(
        type="SESSION_ENDED",
        group_id=group.id,
        occurred_at=datetime.now(UTC),
        position=counter.last_position + 1,
    )
    await EventCounter.filter(id=1).update(last_position=counter.last_position + 1)

    # Then the stream gives it all the same
    (event,) = await heard(client, stream, 1)
    assert (event["type"], event["groupId"]) == ("SESSION_ENDED", str(group.id))
    await client.close()


async def test_picking_up_after_an_event_that_never_was_is_refused(server):
    _, token = await create_integration("from-the-future", ["events:read"])
    client = await LiveClient.connect(server.ws_url, token)

    beyond = await client.subscribe(FROM, {"after": str(await last_position() + 1000)})
    too_big = await client.subscribe(FROM, {"after": "99999999999"})
    past_ints = await client.subscribe(FROM, {"after": "9" * 5000})  # more than int() reads

    assert await client.refusal(beyond) == "BAD_USER_INPUT"
    assert await client.refusal(too_big) == "BAD_USER_INPUT"
    assert await client.refusal(past_ints) == "BAD_USER_INPUT"
    await client.close()
