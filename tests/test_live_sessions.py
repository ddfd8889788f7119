"""Live sessions over real WebSockets: who hears what, in what order, and for how long."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from auth.tokens import issue_access_token
from jobs.beat import keep_beating
from models import (
    GroupSession,
    PersonalMessage,
    Role,
    SessionMessage,
    SessionPresence,
    SessionStatus,
)
from resolvers.sessions import do_end_forgotten_sessions
from subscriptions.presence import STALE_AFTER, do_sweep_stale, held, present_user_ids
from tests.conftest import join, make_group
from tests.live import LiveClient
from tests.workflow import REMOVE, code, data

MESSAGES = """
subscription ($session: ID!, $after: Int!) {
  sessionMessages(sessionId: $session, afterSequence: $after) {
    sequence body author { profileName }
  }
}"""
POST = """
mutation ($session: ID!, $body: String!) {
  postSessionMessage(sessionId: $session, body: $body) { sequence body }
}"""
PRESENCE = """
subscription ($session: ID!) {
  sessionPresence(sessionId: $session) {
    present { profileName } joined { profileName } left { profileName }
  }
}"""
START = "mutation ($id: ID!) { startSession(sessionId: $id) { status } }"
END = "mutation ($id: ID!) { endSession(sessionId: $id) { status } }"
TRANSCRIPT = """
query ($session: ID!) {
  transcript(sessionId: $session) { session { status } messages { edges { node { body } } } }
}"""


class Scene:
    def __init__(self, facilitator, group, members, memberships, session):
        self.facilitator = facilitator
        self.group = group
        self.members = members
        self.memberships = memberships
        self.session = session

    @property
    def session_id(self) -> str:
        return str(self.session.id)


async def live_session(gql, person, size=3, name="Tuesday group", names=None) -> Scene:
    facilitator = await person(Role.FACILITATOR, name=f"Dr {name}")
    group = await make_group(facilitator, name=name)
    names = names or [f"{name} member {i}" for i in range(size)]
    members = [await person(name=member) for member in names]
    memberships = [await join(group, m) for m in members]
    session = await GroupSession.create(
        group=group, starts_at=datetime.now(UTC) + timedelta(minutes=5), one_off=True
    )
    data(await gql(START, {"id": str(session.id)}, token=facilitator.token), "startSession")
    return Scene(facilitator, group, members, memberships, session)


@pytest.fixture
async def clients():
    opened: list[LiveClient] = []

    async def open_client(server, person) -> LiveClient:
        client = await LiveClient.connect(server.ws_url, person.token if person else None)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.close()


async def test_eight_members_each_post_and_all_receive_every_message_in_order(
    server, gql, person, clients
):
    scene = await live_session(gql, person, size=8)
    listeners = [await clients(server, m) for m in scene.members]
    streams = [
        await c.subscribe(MESSAGES, {"session": scene.session_id, "after": 0}) for c in listeners
    ]
    await asyncio.sleep(0.2)  # every subscription is listening

    await asyncio.gather(
        *(
            gql(POST, {"session": scene.session_id, "body": f"Hello from {i}"}, token=m.token)
            for i, m in enumerate(scene.members)
        )
    )

    heard = []
    for client, stream in zip(listeners, streams, strict=True):
        heard.append([await client.data(stream, "sessionMessages") for _ in range(8)])
    assert all(h == heard[0] for h in heard)
    assert [m["sequence"] for m in heard[0]] == list(range(1, 9))
    assert sorted(m["body"] for m in heard[0]) == sorted(f"Hello from {i}" for i in range(8))


async def test_outsiders_can_neither_follow_nor_post(server, gql, person, clients):
    scene = await live_session(gql, person)
    outsider = await person(name="Outsider")
    other_facilitator = await person(Role.FACILITATOR)
    await make_group(other_facilitator, name="Elsewhere")
    manager = await person(Role.ONLINE_MANAGER)

    for reader in (outsider, other_facilitator, manager):
        client = await clients(server, reader)
        stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
        assert await client.refusal(stream) == "FORBIDDEN"
        post = await gql(POST, {"session": scene.session_id, "body": "hi"}, token=reader.token)
        assert code(post) == "FORBIDDEN"
    assert await SessionMessage.all().count() == 0


async def test_a_removed_member_receives_nothing_more(server, gql, person, clients):
    scene = await live_session(gql, person)
    removed = scene.members[0]
    client = await clients(server, removed)
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(POST, {"session": scene.session_id, "body": "Before"}, token=scene.members[1].token)
    assert (await client.data(stream, "sessionMessages"))["body"] == "Before"

    await gql(
        REMOVE,
        {"id": str(scene.memberships[0].id), "reason": "Breach of confidentiality."},
        token=scene.facilitator.token,
    )
    await gql(POST, {"session": scene.session_id, "body": "After"}, token=scene.members[1].token)

    ended = await client.next(stream)
    assert ended["type"] == "next"
    assert ended["payload"]["data"] is None
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "After" not in str(ended)


async def test_a_late_subscriber_catches_up_from_the_last_sequence_it_saw(
    server, gql, person, clients
):
    scene = await live_session(gql, person)
    poster = scene.members[1]
    for n in range(1, 4):
        await gql(POST, {"session": scene.session_id, "body": f"m{n}"}, token=poster.token)
    client = await clients(server, scene.members[0])

    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 1})
    caught_up = [await client.data(stream, "sessionMessages") for _ in range(2)]
    await gql(POST, {"session": scene.session_id, "body": "m4"}, token=poster.token)
    live = await client.data(stream, "sessionMessages")

    assert [m["body"] for m in caught_up] == ["m2", "m3"]
    assert live["body"] == "m4"


async def test_no_message_of_one_group_reaches_another(server, gql, person, clients):
    first = await live_session(gql, person, name="First")
    second = await live_session(gql, person, name="Second")
    client = await clients(server, first.members[0])
    stream = await client.subscribe(MESSAGES, {"session": first.session_id, "after": 0})
    await asyncio.sleep(0.1)

    await gql(
        POST, {"session": second.session_id, "body": "Private"}, token=second.members[0].token
    )

    assert await client.nothing_for(stream, 0.5)


async def test_the_stream_completes_when_the_session_ends(server, gql, person, clients):
    scene = await live_session(gql, person)
    client = await clients(server, scene.members[0])
    stream = await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(
        POST, {"session": scene.session_id, "body": "Last words"}, token=scene.members[1].token
    )

    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)

    assert (await client.data(stream, "sessionMessages"))["body"] == "Last words"
    assert (await client.next(stream))["type"] == "complete"
    late = await gql(
        POST, {"session": scene.session_id, "body": "Too late"}, token=scene.members[1].token
    )
    assert code(late) == "CONFLICT"


async def test_an_expired_token_ends_the_stream(server, gql, person, clients):
    scene = await live_session(gql, person)
    member = scene.members[0]
    # Three seconds left: time enough to connect and subscribe on a busy machine
    almost = datetime.now(UTC) - timedelta(seconds=server.settings.access_token_seconds - 3)
    member.token = issue_access_token(server.settings, member.user, now=almost)
    client = await clients(server, member)
    await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})

    await asyncio.sleep(4)

    assert client.closed_with == 4401


async def test_presence_shows_who_comes_and_goes(server, gql, person, clients):
    scene = await live_session(gql, person)
    watcher = await clients(server, scene.facilitator)
    presence = await watcher.subscribe(PRESENCE, {"session": scene.session_id})
    assert (await watcher.data(presence, "sessionPresence"))["present"] == []

    member = await clients(server, scene.members[0])
    stream = await member.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    joined = await watcher.data(presence, "sessionPresence")
    await member.socket.send('{"id": "' + stream + '", "type": "complete"}')
    left = await watcher.data(presence, "sessionPresence")

    name = scene.members[0].user.profile_name
    assert joined == {
        "present": [{"profileName": name}],
        "joined": {"profileName": name},
        "left": None,
    }
    assert left == {"present": [], "joined": None, "left": {"profileName": name}}


async def test_the_presence_a_dead_process_left_is_swept_and_seen_leaving(
    server, gql, person, clients
):
    # Given a watcher of a session, and a member counted present by a process that died
    scene = await live_session(gql, person)
    watcher = await clients(server, scene.facilitator)
    presence = await watcher.subscribe(PRESENCE, {"session": scene.session_id})
    assert (await watcher.data(presence, "sessionPresence"))["present"] == []
    ghost, member = scene.members[0], scene.members[1]
    row = await SessionPresence.create(
        session_id=scene.session.id, user_id=ghost.user.id, seen_at=datetime.now(UTC)
    )
    follower = await clients(server, member)
    await follower.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    names = sorted([ghost.user.profile_name, member.user.profile_name])
    seen = await watcher.data(presence, "sessionPresence")
    assert sorted(p["profileName"] for p in seen["present"]) == names
    last_seen = datetime.now(UTC) - STALE_AFTER - timedelta(seconds=1)
    await SessionPresence.filter(id=row.id).update(seen_at=last_seen)

    # When a beat sweeps
    swept = await do_sweep_stale()

    # Then her row is gone, and the watcher is told she left
    assert swept == 1
    assert not await SessionPresence.filter(id=row.id).exists()
    left = await watcher.data(presence, "sessionPresence")
    assert left["left"] == {"profileName": ghost.user.profile_name}
    assert left["present"] == [{"profileName": member.user.profile_name}]


async def test_one_beat_keeps_every_follower_of_this_process_present(server, gql, person, clients):
    # Given two members following the session, their presence rows aged past staleness
    scene = await live_session(gql, person)
    followers_clients = [await clients(server, member) for member in scene.members[:2]]
    for client in followers_clients:
        await client.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    followers = sorted(member.user.id for member in scene.members[:2])
    for _ in range(100):  # each is counted once its subscription listens
        if await present_user_ids(scene.session.id) == followers:
            break
        await asyncio.sleep(0.02)
    assert await present_user_ids(scene.session.id) == followers
    await SessionPresence.filter(session_id=scene.session.id).update(
        seen_at=datetime.now(UTC) - 2 * STALE_AFTER
    )
    assert await present_user_ids(scene.session.id) == []

    # When the process's one refresher beats
    await held.refresh()

    # Then both are present again, and once they leave nothing is kept fresh
    assert await present_user_ids(scene.session.id) == followers
    for client in followers_clients:
        await client.close()
    for _ in range(100):
        if held.task is None:
            break
        await asyncio.sleep(0.02)
    assert held.rows == set()
    assert held.task is None


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
async def test_a_message_is_one_to_four_thousand_characters(gql, person, body):
    scene = await live_session(gql, person)

    result = await gql(
        POST, {"session": scene.session_id, "body": body}, token=scene.members[0].token
    )

    assert code(result) == "BAD_USER_INPUT"
    assert await SessionMessage.all().count() == 0


async def test_only_the_facilitator_starts_and_ends_a_session(gql, person):
    scene = await live_session(gql, person)
    member = scene.members[0]

    refused = await gql(END, {"id": scene.session_id}, token=member.token)
    ended = await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    again = await gql(START, {"id": scene.session_id}, token=scene.facilitator.token)

    assert code(refused) == "FORBIDDEN"
    assert data(ended, "endSession") == {"status": "ENDED"}
    assert code(again) == "CONFLICT"


async def test_a_session_left_open_ends_by_itself_once_and_its_facilitator_is_told(
    server, gql, person, clients
):
    # Given a live session with a member following it, and something said
    scene = await live_session(gql, person)
    member = scene.members[0]
    follower = await clients(server, member)
    stream = await follower.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    await gql(POST, {"session": scene.session_id, "body": "Thank you all."}, token=member.token)
    assert (await follower.data(stream, "sessionMessages"))["body"] == "Thank you all."
    await scene.session.refresh_from_db()
    started, longest = scene.session.started_at, timedelta(minutes=90)

    # When the beat looks at it a minute before its limit, then in two processes past it
    early = await do_end_forgotten_sessions(longest, now=started + longest - timedelta(minutes=1))
    past = started + longest + timedelta(minutes=1)
    late = await asyncio.gather(*(do_end_forgotten_sessions(longest, now=past) for _ in "ab"))

    # Then it is ended past its limit only, once, and its follower's stream ends
    assert early == 0
    assert sorted(late) == [0, 1]
    await scene.session.refresh_from_db()
    assert scene.session.status is SessionStatus.ENDED
    assert scene.session.ended_at == past
    assert (await follower.next(stream))["type"] == "complete"

    # And the facilitator is told once, the member who was there keeps the transcript,
    # and the group's next session can start
    told = await PersonalMessage.filter(recipient_id=scene.facilitator.user.id).values_list(
        "subject", flat=True
    )
    assert list(told).count("A session was ended for you") == 1
    transcript = data(
        await gql(TRANSCRIPT, {"session": scene.session_id}, token=member.token), "transcript"
    )
    assert transcript["session"] == {"status": "ENDED"}
    assert [e["node"]["body"] for e in transcript["messages"]["edges"]] == ["Thank you all."]
    following = await GroupSession.create(
        group=scene.group, starts_at=datetime.now(UTC) + timedelta(minutes=5), one_off=True
    )
    started_next = await gql(START, {"id": str(following.id)}, token=scene.facilitator.token)
    assert data(started_next, "startSession") == {"status": "LIVE"}


async def test_the_servers_beat_ends_a_session_open_past_its_setting(server, gql, person):
    # Given a server whose sessions may stay open 30 minutes, and one live for 31
    scene = await live_session(gql, person)
    started = datetime.now(UTC) - timedelta(minutes=31)
    await GroupSession.filter(id=scene.session.id).update(started_at=started)
    settings = dataclasses.replace(server.settings, session_max_minutes=30)

    # When its beat runs
    beating = asyncio.create_task(keep_beating(every_seconds=0.05, settings=settings))
    try:
        for _ in range(100):
            await scene.session.refresh_from_db()
            if scene.session.status is SessionStatus.ENDED:
                break
            await asyncio.sleep(0.05)
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)

    # Then the session has ended
    assert scene.session.status is SessionStatus.ENDED


async def test_application_updates_reach_the_applicant_only(server, gql, person, clients):
    from tests.workflow import SCHEDULE, apply, soon

    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    applicant, other = await person(), await person()
    application_id = await apply(gql, applicant, group)
    mine = await clients(server, applicant)
    theirs = await clients(server, other)
    query = "subscription { applicationUpdates { id status } }"
    my_stream = await mine.subscribe(query)
    their_stream = await theirs.subscribe(query)
    await asyncio.sleep(0.1)

    await gql(SCHEDULE, {"id": application_id, "at": soon()}, token=facilitator.token)

    update = await mine.data(my_stream, "applicationUpdates")
    assert update == {"id": application_id, "status": "CALL_SCHEDULED"}
    assert await theirs.nothing_for(their_stream, 0.5)
