"""Two server processes on one PostgreSQL and one Redis serve as one service."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from auth.integrations import create_integration
from models import DomainEvent, Role, SessionMessage, SessionPresence
from subscriptions.presence import STALE_AFTER, do_sweep_stale, present_user_ids
from tests.conftest import ROOT, TEST_ENV, make_group
from tests.live import LiveClient
from tests.test_events import heard
from tests.test_live_sessions import MESSAGES, POST, PRESENCE, live_session
from tests.test_socket_lifetime import LOGOUT, closed_within, signed_in_nearly_expired
from tests.workflow import APPLY, REMOVE

SHARED = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
    "BROADCAST_URL", ""
).startswith("redis")
pytestmark = pytest.mark.skipif(not SHARED, reason="needs PostgreSQL and Redis")

HAVEN = str(Path(sys.executable).parent / "haven")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Servers(list[str]):
    """The servers' URLs, and their processes' ids for a test that kills one."""

    def __init__(self, urls: list[str], pids: list[int]) -> None:
        super().__init__(urls)
        self.pids = pids


@pytest.fixture
def two_servers(settings) -> Iterator[Servers]:
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": settings.database_url,
        "BROADCAST_URL": settings.broadcast_url,
    }
    processes = [
        subprocess.Popen(
            [HAVEN, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        yield Servers([f"http://127.0.0.1:{port}" for port in ports], [p.pid for p in processes])
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never became ready")


async def test_a_member_on_one_process_hears_posts_made_through_the_other(two_servers, gql, person):
    first, second = two_servers
    await asyncio.gather(wait_ready(first), wait_ready(second))
    scene = await live_session(gql, person)
    listener = await LiveClient.connect(
        first.replace("http", "ws") + "/graphql", scene.members[0].token
    )
    stream = await listener.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await asyncio.sleep(0.3)

    async with httpx.AsyncClient(base_url=second) as other:
        for n in range(5):
            response = await other.post(
                "/graphql",
                json={"query": POST, "variables": {"session": scene.session_id, "body": f"m{n}"}},
                headers={"Authorization": f"Bearer {scene.members[1].token}"},
            )
            assert "errors" not in response.json()

    heard = [await listener.data(stream, "sessionMessages") for _ in range(5)]
    assert [(m["sequence"], m["body"]) for m in heard] == [(n + 1, f"m{n}") for n in range(5)]
    await listener.close()


async def test_a_member_removed_through_one_process_hears_nothing_more_on_the_other(
    two_servers, gql, person
):
    first, second = two_servers
    await asyncio.gather(wait_ready(first), wait_ready(second))
    scene = await live_session(gql, person)
    listener = await LiveClient.connect(
        first.replace("http", "ws") + "/graphql", scene.members[0].token
    )
    stream = await listener.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await asyncio.sleep(0.3)

    async with httpx.AsyncClient(base_url=second) as other:
        removed = await other.post(
            "/graphql",
            json={
                "query": REMOVE,
                "variables": {"id": str(scene.memberships[0].id), "reason": "Broke the rules."},
            },
            headers={"Authorization": f"Bearer {scene.facilitator.token}"},
        )
        assert "errors" not in removed.json()
        await other.post(
            "/graphql",
            json={"query": POST, "variables": {"session": scene.session_id, "body": "After"}},
            headers={"Authorization": f"Bearer {scene.members[1].token}"},
        )

    ended = await listener.next(stream)
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "After" not in str(ended)
    await listener.close()


async def test_a_member_whose_process_was_killed_is_seen_leaving_once_her_presence_lapses(
    two_servers, server, gql, person
):
    # Given a member following a session through a process, and a watcher on another
    doomed = two_servers[0]
    await wait_ready(doomed)
    scene = await live_session(gql, person)
    ghost = scene.members[0]
    follower = await LiveClient.connect(doomed.replace("http", "ws") + "/graphql", ghost.token)
    await follower.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    for _ in range(100):
        if await present_user_ids(scene.session.id) == [ghost.user.id]:
            break
        await asyncio.sleep(0.05)
    watcher = await LiveClient.connect(server.ws_url, scene.facilitator.token)
    presence = await watcher.subscribe(PRESENCE, {"session": scene.session_id})
    first = await watcher.data(presence, "sessionPresence")
    assert first["present"] == [{"profileName": ghost.user.profile_name}]

    # When that process is killed outright, with no chance to say she left
    os.kill(two_servers.pids[0], 9)
    await follower.close()
    (row,) = await SessionPresence.filter(session_id=scene.session.id, user_id=ghost.user.id)
    refreshed = row.seen_at  # the last the dead process said of her

    # Then she is still shown until her presence lapses, and seen leaving once it has
    assert await do_sweep_stale(now=refreshed + STALE_AFTER - timedelta(seconds=1)) == 0
    assert await do_sweep_stale(now=refreshed + STALE_AFTER + timedelta(seconds=1)) == 1
    left = await watcher.data(presence, "sessionPresence")
    assert left == {"present": [], "joined": None, "left": {"profileName": ghost.user.profile_name}}
    await watcher.close()


async def test_a_sign_out_through_one_process_closes_the_socket_on_the_other(
    two_servers, person, settings
):
    # Given a member following on the first process, signed in on a token about to lapse
    first, second = two_servers
    await asyncio.gather(wait_ready(first), wait_ready(second))
    member = await person()
    token, refresh = await signed_in_nearly_expired(settings, member.user)
    listener = await LiveClient.connect(first.replace("http", "ws") + "/graphql", token)
    try:
        await listener.subscribe("subscription { inbox { id } }")
        await asyncio.sleep(1.5)  # past the token's lapse: the sign-in holds the socket
        assert listener.closed_with is None

        # When she signs out through the second
        async with httpx.AsyncClient(base_url=second) as other:
            signed_out = await other.post(
                "/graphql",
                json={"query": LOGOUT, "variables": {"token": refresh}},
                headers={"Authorization": f"Bearer {member.token}"},
            )
        assert signed_out.json()["data"] == {"logout": True}

        # Then the first closes her socket within a second
        assert await closed_within(listener, 1.0)
        assert listener.closed_with == 4401
    finally:
        await listener.close()


async def test_a_restart_moves_the_sockets_to_the_other_process_and_loses_nothing(
    two_servers, gql, person
):
    # Given a member following the session through the first process, and posts
    # arriving through both
    first, second = two_servers
    await asyncio.gather(wait_ready(first), wait_ready(second))
    scene = await live_session(gql, person)
    session, writer = scene.session_id, scene.members[1].token
    listener = await LiveClient.connect(
        first.replace("http", "ws") + "/graphql", scene.members[0].token
    )
    stream = await listener.subscribe(MESSAGES, {"session": session, "after": 0})
    await asyncio.sleep(0.3)

    async def post(url: str, body: str) -> int | None:
        """The sequence the message got, or None if the process no longer answered."""
        try:
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                answer = await client.post(
                    "/graphql",
                    json={"query": POST, "variables": {"session": session, "body": body}},
                    headers={"Authorization": f"Bearer {writer}"},
                )
        except httpx.TransportError:
            return None
        return answer.json()["data"]["postSessionMessage"]["sequence"]

    assert await post(second, "before") == 1
    heard = [await listener.data(stream, "sessionMessages")]

    # When the first process is told to stop while posts are in flight to it
    in_flight = [asyncio.create_task(post(first, f"in flight {n}")) for n in range(5)]
    await asyncio.sleep(0.05)
    os.kill(two_servers.pids[0], signal.SIGTERM)
    answered = await asyncio.gather(*in_flight)
    await asyncio.wait_for(listener.reader, 10)  # the socket is closed
    while not listener.inbox[stream].empty():
        message = listener.inbox[stream].get_nowait()
        if message["type"] == "next":
            heard.append(message["payload"]["data"]["sessionMessages"])

    # Then the socket was closed as a restart (1012), not dropped
    assert listener.closed_with == 1012

    # And a client that reconnects to the other process with the last sequence it saw
    # hears the rest, once each: every message that was answered, and the one after
    assert await post(second, "after") is not None
    again = await LiveClient.connect(
        second.replace("http", "ws") + "/graphql", scene.members[0].token
    )
    resumed = await again.subscribe(MESSAGES, {"session": session, "after": heard[-1]["sequence"]})
    stored = await stored_bodies(scene.session)
    while len(heard) < len(stored):
        heard.append(await again.data(resumed, "sessionMessages"))
    await again.close()
    assert [m["sequence"] for m in heard] == list(range(1, len(stored) + 1))
    assert [m["body"] for m in heard] == stored
    for n, sequence in enumerate(answered):
        if sequence is not None:  # answered: so it was kept
            assert stored[sequence - 1] == f"in flight {n}"


async def stored_bodies(session) -> list[str]:
    return [m.body for m in await SessionMessage.filter(session_id=session.id).order_by("sequence")]


async def test_events_a_killed_process_committed_but_never_published_all_arrive(
    two_servers, settings, person
):
    # Given an integration following events through the second process
    first, second = two_servers
    await asyncio.gather(wait_ready(first), wait_ready(second))
    _, token = await create_integration("census", ["events:read"])
    integration = await LiveClient.connect(second.replace("http", "ws") + "/graphql", token)
    stream = await integration.subscribe("subscription { events { id type applicationId } }", {})
    await asyncio.sleep(0.3)  # it listens
    group = await make_group(await person(Role.FACILITATOR))
    applicants = [await person() for _ in range(3)]

    # And no relay able to number events for now: the counter's row is locked
    counter = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://"))
    held = counter.transaction()
    await held.start()
    await counter.execute("SELECT last_position FROM event_counter WHERE id = 1 FOR UPDATE")
    try:
        # When three people apply through the first process, which commits each change
        # with its event, and that process is killed before any of them is published
        applied = []
        async with httpx.AsyncClient(base_url=first, timeout=10) as client:
            for applicant in applicants:
                answer = await client.post(
                    "/graphql",
                    json={"query": APPLY, "variables": {"group": str(group.id), "support": "Hi"}},
                    headers={"Authorization": f"Bearer {applicant.token}"},
                )
                applied.append(answer.json()["data"]["applyToGroup"]["id"])
        waiting = DomainEvent.filter(group_id=group.id, position=None)
        assert await waiting.count() == 3  # committed, not numbered, not published
        os.kill(two_servers.pids[0], signal.SIGKILL)
    finally:
        await held.rollback()
        await counter.close()

    # Then the integration hears all three through the process still running, in the
    # order they were made, each once
    received = await heard(integration, stream, 3)
    assert [e["type"] for e in received] == ["APPLICATION_SUBMITTED"] * 3
    assert [e["applicationId"] for e in received] == applied
    ids = [int(e["id"]) for e in received]
    assert ids == list(range(ids[0], ids[0] + 3))
    assert await integration.nothing_for(stream, 0.5)
    await integration.close()
