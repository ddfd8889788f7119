"""The rule of the room: a person sees what was said in a group only while they were in it.

Transcripts, the live catch-up and a group's conversations are cut to the reader's span;
an ended session is not replayed through the live stream; a write re-checks the author's
membership inside its own transaction.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models import AuditEntry, GroupSession, Membership, Post, SessionMessage
from subscriptions import channels
from tests.conftest import join
from tests.live import listening
from tests.test_conversations import READ, REPLY, start
from tests.test_live_sessions import END, MESSAGES, POST, PRESENCE, clients, live_session
from tests.test_transcripts import TRANSCRIPT
from tests.workflow import REMOVE, code, data

__all__ = ["clients"]  # the fixture, shared with the live-session tests

MY_TRANSCRIPTS = "{ myTranscripts { groupName session { id status } } }"
LIST = "query ($group: ID) { conversations(groupId: $group) { title } }"
EDIT = "mutation ($id: ID!, $body: String!) { editPost(postId: $id, body: $body) { id } }"
DELETE = "mutation ($id: ID!) { deletePost(postId: $id) { id } }"
FOLLOW = "subscription ($id: ID!) { conversationPosts(conversationId: $id) { body } }"
HIDE = 'mutation ($id: ID!) { hidePost(postId: $id, reason: "Names a relative") { id } }'


async def say(gql, who, scene, body: str) -> None:
    data(
        await gql(POST, {"session": scene.session_id, "body": body}, token=who.token),
        "postSessionMessage",
    )


async def transcript_bodies(gql, reader, scene) -> list[str]:
    result = await gql(TRANSCRIPT, {"session": scene.session_id}, token=reader.token)
    return [e["node"]["body"] for e in data(result, "transcript")["messages"]["edges"]]


async def test_a_transcript_is_cut_to_each_readers_span(gql, person):
    # Given Anna is removed part-way through a session and Cat joins part-way through it
    scene = await live_session(gql, person, names=["Anna", "Ben"])
    anna, ben = scene.members
    await say(gql, ben, scene, "before anything")
    removal = {"id": str(scene.memberships[0].id), "reason": "Broke the group's agreement"}
    data(await gql(REMOVE, removal, token=scene.facilitator.token), "removeMember")
    await say(gql, ben, scene, "after Anna left")
    cat = await person(name="Cat")
    await join(scene.group, cat)
    await say(gql, ben, scene, "after Cat came")
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)

    # When each reads the transcript
    # Then each sees only what was said while she was in the group; the facilitator all
    assert await transcript_bodies(gql, anna, scene) == ["before anything"]
    assert await transcript_bodies(gql, cat, scene) == ["after Cat came"]
    everything = ["before anything", "after Anna left", "after Cat came"]
    assert await transcript_bodies(gql, ben, scene) == everything
    assert await transcript_bodies(gql, scene.facilitator, scene) == everything


async def test_a_former_member_finds_the_transcripts_of_her_span(gql, person):
    # Given a session Anna took part in, after which she left, and a newcomer who joined later
    scene = await live_session(gql, person, names=["Anna"])
    await say(gql, scene.members[0], scene, "Thank you all")
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    await Membership.filter(id=scene.memberships[0].id).update(ended_at=datetime.now(UTC))
    newcomer = await person(name="Newcomer")
    await join(scene.group, newcomer)

    # When both list the transcripts they may read
    hers = data(await gql(MY_TRANSCRIPTS, token=scene.members[0].token), "myTranscripts")
    theirs = data(await gql(MY_TRANSCRIPTS, token=newcomer.token), "myTranscripts")
    refused = await gql(TRANSCRIPT, {"session": scene.session_id}, token=newcomer.token)

    # Then the former member finds it and reads it; the newcomer finds nothing and is refused
    assert hers == [
        {"groupName": "Tuesday group", "session": {"id": scene.session_id, "status": "ENDED"}}
    ]
    assert await transcript_bodies(gql, scene.members[0], scene) == ["Thank you all"]
    assert theirs == []
    assert code(refused) == "FORBIDDEN"


async def test_an_ended_or_cancelled_session_is_not_replayed_live(server, gql, person, clients):
    # Given an ended session with something said in it, and a cancelled one
    scene = await live_session(gql, person)
    await say(gql, scene.members[0], scene, "said in the room")
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    cancelled = await GroupSession.create(
        group=scene.group, starts_at=datetime.now(UTC) + timedelta(days=3), status="CANCELLED"
    )
    listener = await clients(server, scene.members[0])

    # When a member subscribes to them
    replay = await listener.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})
    presence = await listener.subscribe(PRESENCE, {"session": scene.session_id})
    other = await listener.subscribe(MESSAGES, {"session": str(cancelled.id), "after": 0})

    # Then each is refused with a clear code, and nothing of what was said arrives
    assert await listener.refusal(replay) == "CONFLICT"
    assert await listener.refusal(presence) == "CONFLICT"
    assert await listener.refusal(other) == "CONFLICT"


async def test_the_live_catch_up_starts_when_the_reader_joined_and_is_audited(
    server, gql, person, clients
):
    # Given a live session in which something was said before Cat joined the group
    scene = await live_session(gql, person, names=["Anna"])
    await say(gql, scene.members[0], scene, "before Cat")
    cat = await person(name="Cat")
    await join(scene.group, cat)
    await say(gql, scene.members[0], scene, "after Cat")
    listener = await clients(server, cat)

    # When Cat catches up from the start
    stream = await listener.subscribe(MESSAGES, {"session": scene.session_id, "after": 0})

    # Then she receives what was said since she joined, and the catch-up is audited
    first = await listener.data(stream, "sessionMessages")
    assert first["body"] == "after Cat"
    assert await listener.nothing_for(stream)
    read = await AuditEntry.filter(action="TRANSCRIPT_READ", actor_id=cat.user.id).count()
    assert read == 1


async def test_no_message_is_stored_after_a_removal_that_races_it(gql, person):
    # Given Anna posting twelve messages at once while the facilitator removes her
    scene = await live_session(gql, person, names=["Anna"])
    anna, membership = scene.members[0], scene.memberships[0]
    removal = {"id": str(membership.id), "reason": "Broke the group's agreement"}
    posts = [
        gql(POST, {"session": scene.session_id, "body": f"message {i}"}, token=anna.token)
        for i in range(12)
    ]

    # When they all reach the server together
    results = await asyncio.gather(
        *posts[:6], gql(REMOVE, removal, token=scene.facilitator.token), *posts[6:]
    )

    # Then every message stored was stored before her removal, and the rest were refused
    ended_at = (await Membership.get(id=membership.id)).ended_at
    assert ended_at is not None
    stored = await SessionMessage.filter(session_id=scene.session.id, author_id=anna.user.id)
    assert all(message.sent_at < ended_at for message in stored)
    refusals = [r for r in results if "errors" in r]
    assert all(code(r) == "FORBIDDEN" for r in refusals)
    assert len(stored) + len(refusals) == 12


async def test_a_later_joiner_does_not_read_the_groups_earlier_conversations(gql, person):
    # Given a thread from before Cat joined, and one that goes on after she joined
    scene = await live_session(gql, person, names=["Anna"])
    anna = scene.members[0]
    old = data(await start(gql, anna, scene.group, title="Before Cat"), "startConversation")
    going_on = data(await start(gql, anna, scene.group, title="Going on"), "startConversation")
    cat = await person(name="Cat")
    await join(scene.group, cat)
    data(
        await gql(REPLY, {"id": going_on["id"], "body": "Welcome Cat"}, token=anna.token),
        "replyToConversation",
    )

    # When Cat lists and opens them
    listed = data(await gql(LIST, {"group": str(scene.group.id)}, token=cat.token), "conversations")
    thread = data(await gql(READ, {"id": going_on["id"]}, token=cat.token), "conversation")
    refused = await gql(READ, {"id": old["id"]}, token=cat.token)
    reply = await gql(REPLY, {"id": old["id"], "body": "Hello?"}, token=cat.token)

    # Then she sees only what was said since she joined, and cannot reach the earlier thread
    assert [c["title"] for c in listed] == ["A conversation started before you joined"]
    assert thread["title"] == "A conversation started before you joined"
    assert [e["node"]["body"] for e in thread["posts"]["edges"]] == ["Welcome Cat"]
    assert code(refused) == "FORBIDDEN"
    assert code(reply) == "FORBIDDEN"
    assert await Post.filter(conversation_id=int(old["id"])).count() == 1
    # while Anna, there all along, reads both threads whole
    all_of_it = data(
        await gql(LIST, {"group": str(scene.group.id)}, token=anna.token), "conversations"
    )
    assert sorted(c["title"] for c in all_of_it) == ["Before Cat", "Going on"]


async def test_a_former_member_can_no_longer_change_her_posts(gql, person):
    # Given a post Anna wrote while a member, and her membership since ended
    scene = await live_session(gql, person, names=["Anna"])
    anna = scene.members[0]
    thread = data(await start(gql, anna, scene.group, body="My words"), "startConversation")
    post = await Post.get(conversation_id=int(thread["id"]))
    await Membership.filter(id=scene.memberships[0].id).update(ended_at=datetime.now(UTC))

    # When she tries to edit or delete it
    edit = await gql(EDIT, {"id": str(post.id), "body": "Changed"}, token=anna.token)
    delete = await gql(DELETE, {"id": str(post.id)}, token=anna.token)

    # Then both are refused and the post is as it was
    assert code(edit) == "FORBIDDEN"
    assert code(delete) == "FORBIDDEN"
    kept = await Post.get(id=post.id)
    assert (kept.body, kept.edited_at, kept.deleted_at) == ("My words", None, None)


async def test_a_hidden_post_cannot_be_deleted_by_its_author(gql, person):
    # Given a post the facilitator hid
    scene = await live_session(gql, person, names=["Anna"])
    anna = scene.members[0]
    thread = data(await start(gql, anna, scene.group, body="Evidence"), "startConversation")
    post = await Post.get(conversation_id=int(thread["id"]))
    data(await gql(HIDE, {"id": str(post.id)}, token=scene.facilitator.token), "hidePost")

    # When its author deletes it
    refused = await gql(DELETE, {"id": str(post.id)}, token=anna.token)

    # Then it is refused and the text is kept for the audit
    assert code(refused) == "CONFLICT"
    kept = await Post.get(id=post.id)
    assert (kept.body, kept.deleted_at) == ("Evidence", None)


async def test_a_later_joiner_follows_only_what_is_said_after_she_joined(
    server, gql, person, clients
):
    # Given a thread Anna started before Cat joined, and Cat following it live
    scene = await live_session(gql, person, names=["Anna"])
    anna = scene.members[0]
    thread = data(await start(gql, anna, scene.group, body="Before Cat"), "startConversation")
    old_post = await Post.get(conversation_id=int(thread["id"]))
    before = data(await start(gql, anna, scene.group, title="Old"), "startConversation")
    cat = await person(name="Cat")
    await join(scene.group, cat)
    data(
        await gql(REPLY, {"id": thread["id"], "body": "Hello Cat"}, token=anna.token),
        "replyToConversation",
    )
    listener = await clients(server, cat)
    stream = await listener.subscribe(FOLLOW, {"id": thread["id"]})
    refused = await listener.subscribe(FOLLOW, {"id": before["id"]})
    assert await listener.refusal(refused) == "FORBIDDEN"
    await listening(channels.conversation_posts(int(thread["id"])))

    # When Anna edits her post from before Cat joined, then writes a new one
    await gql(EDIT, {"id": str(old_post.id), "body": "Before Cat, edited"}, token=anna.token)
    await gql(REPLY, {"id": thread["id"], "body": "How was your week?"}, token=anna.token)

    # Then Cat hears only of the new post
    assert (await listener.data(stream, "conversationPosts"))["body"] == "How was your week?"
    assert await listener.nothing_for(stream)


async def test_a_member_who_rejoined_reads_both_her_spans_and_not_the_gap(gql, person):
    # Given Anna, whose first membership ran out (its term passed, never ended by hand),
    # and who joined again later in the same session
    scene = await live_session(gql, person, names=["Anna", "Ben"])
    anna, ben = scene.members
    await say(gql, ben, scene, "during her first membership")
    await Membership.filter(id=scene.memberships[0].id).update(ends_at=datetime.now(UTC))
    await say(gql, ben, scene, "while she was away")
    await join(scene.group, anna)
    await say(gql, ben, scene, "after she came back")
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)

    # When she reads the transcript
    # Then she reads both her spans, and nothing said in between
    expected = ["during her first membership", "after she came back"]
    assert await transcript_bodies(gql, anna, scene) == expected


async def test_writes_racing_a_removal_fail_clearly_and_store_nothing_after_it(gql, person):
    # Given Anna starting conversations, here and in the shared area, as she is removed
    scene = await live_session(gql, person, names=["Anna"])
    anna, membership = scene.members[0], scene.memberships[0]
    removal = {"id": str(membership.id), "reason": "Broke the group's agreement"}
    writes = [start(gql, anna, scene.group if i % 2 else None, body=f"{i}") for i in range(16)]

    # When they all reach the server together
    results = await asyncio.gather(
        *writes[:8], gql(REMOVE, removal, token=scene.facilitator.token), *writes[8:]
    )

    # Then each write either landed before the removal or was refused, never a fault
    ended_at = (await Membership.get(id=membership.id)).ended_at
    assert ended_at is not None
    stored = await Post.filter(author_id=anna.user.id)
    assert all(post.created_at < ended_at for post in stored)
    refusals = [r for r in results[:8] + results[9:] if "errors" in r]
    assert all(code(r) == "FORBIDDEN" for r in refusals)
    assert len(stored) + len(refusals) == 16
