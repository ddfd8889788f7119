"""Subscriptions set up a few at a time, and the door never stays shut."""

from __future__ import annotations

import asyncio

from app import create_app, serving
from subscriptions.setup import Gate, set_up
from tests.live import LiveClient
from tests.test_live_sessions import MESSAGES, POST, live_session


async def holder(gate: Gate, entered: asyncio.Event, done: asyncio.Event) -> None:
    """A task that takes a slot, says so, and is set up when told."""
    await gate.enter()
    entered.set()
    await done.wait()
    set_up()


async def test_no_more_than_the_slots_set_up_at_once():
    # Given a gate of two slots, both taken by subscriptions still setting up
    gate = Gate(at_once=2, longest_seconds=3600)
    entered = [asyncio.Event() for _ in range(3)]
    done = [asyncio.Event() for _ in range(3)]
    tasks = [asyncio.create_task(holder(gate, entered[i], done[i])) for i in range(3)]
    await asyncio.wait_for(asyncio.gather(entered[0].wait(), entered[1].wait()), 1)

    # When the third asks, it waits; once the first is set up, it goes in
    await asyncio.sleep(0)
    assert not entered[2].is_set()
    done[0].set()
    await asyncio.wait_for(entered[2].wait(), 1)

    for event in done:
        event.set()
    await asyncio.gather(*tasks)


async def test_a_slot_not_set_up_in_time_is_given_up():
    # Given a one-slot gate whose subscriptions must set up at once, and one that never does
    gate = Gate(at_once=1, longest_seconds=0)
    await gate.enter()

    # When another asks, it gets the slot all the same
    await asyncio.wait_for(gate.enter(), 1)


async def test_a_stream_listening_lets_the_next_one_set_up(server, gql, person, settings):
    # Given a server that sets up one subscription at a time, with no time limit
    scene = await live_session(gql, person, size=2)
    app = create_app(settings)
    app.graphql.setting_up = Gate(at_once=1, longest_seconds=3600)
    async with serving(app, lifespan=False) as url:
        ws_url = url.replace("http://", "ws://") + "/graphql"
        clients = [await LiveClient.connect(ws_url, m.token) for m in scene.members]
        try:
            # When both members subscribe, one after the other, and one of them posts
            streams = [
                await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
                for client in clients
            ]
            await asyncio.sleep(0.3)  # the second waits until the first listens
            member = scene.members[0]
            await gql(POST, {"session": scene.session_id, "body": "Hello"}, token=member.token)

            # Then both hear it: the first's slot went to the second once it listened
            pairs = zip(clients, streams, strict=True)
            heard = [await client.data(stream, "sessionMessages") for client, stream in pairs]
            assert [message["body"] for message in heard] == ["Hello", "Hello"]
        finally:
            for client in clients:
                await client.close()
