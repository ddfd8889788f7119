"""Private conversations, reader by reader: a group's threads and the shared area."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from models import AuditEntry, Conversation, Membership, Post, Role
from tests.conftest import join, make_group
from tests.live import LiveClient
from tests.workflow import code, data

START = """
mutation ($group: ID, $title: String!, $body: String!) {
  startConversation(groupId: $group, title: $title, body: $body) { id shared }
}"""
REPLY = """
mutation ($id: ID!, $body: String!) { replyToConversation(conversationId: $id, body: $body) { id } }
"""
READ = """
query ($id: ID!) {
  conversation(id: $id) {
    title posts { edges { node { body hidden deleted author { profileName } } } }
  }
}"""
LIST = "query ($group: ID) { conversations(groupId: $group) { title } }"
POSTS = "subscription ($id: ID!) { conversationPosts(conversationId: $id) { body } }"


class Cast:
    """A group with a member and its facilitator, and people outside it."""

    async def gather(self, person) -> Cast:
        self.facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
        self.group = await make_group(self.facilitator)
        self.member = await person(name="Anna")
        self.membership = await join(self.group, self.member)
        other_facilitator = await person(Role.FACILITATOR, name="Dr Other")
        self.other_group = await make_group(other_facilitator, name="Other group")
        self.other_facilitator = other_facilitator
        self.other_member = await person(name="Bea")
        await join(self.other_group, self.other_member)
        self.applicant = await person(name="Not yet a member")
        self.manager = await person(Role.ONLINE_MANAGER)
        return self


@pytest.fixture
async def cast(person):
    return await Cast().gather(person)


async def start(gql, who, group, title="How are you all?", body="Thinking of you."):
    variables = {"group": str(group.id) if group else None, "title": title, "body": body}
    return await gql(START, variables, token=who.token)


async def test_a_groups_conversation_is_its_members_and_facilitators(gql, cast):
    started = data(await start(gql, cast.member, cast.group), "startConversation")

    for reader in (cast.member, cast.facilitator):
        thread = data(await gql(READ, {"id": started["id"]}, token=reader.token), "conversation")
        assert thread["posts"]["edges"][0]["node"]["body"] == "Thinking of you."
        assert "errors" not in await gql(
            REPLY, {"id": started["id"], "body": "Thank you"}, token=reader.token
        )
    for outsider in (cast.other_member, cast.other_facilitator, cast.applicant, cast.manager):
        assert code(await gql(READ, {"id": started["id"]}, token=outsider.token)) == "FORBIDDEN"
        assert (
            code(await gql(REPLY, {"id": started["id"], "body": "Hi"}, token=outsider.token))
            == "FORBIDDEN"
        )
        assert code(await start(gql, outsider, cast.group)) == "FORBIDDEN"
    assert await Post.all().count() == 3


async def test_the_shared_area_is_every_current_member_and_facilitator(gql, cast):
    started = data(await start(gql, cast.member, None, "Group issues"), "startConversation")

    assert started["shared"] is True
    for reader in (cast.member, cast.other_member, cast.facilitator, cast.other_facilitator):
        listed = data(await gql(LIST, {"group": None}, token=reader.token), "conversations")
        assert listed == [{"title": "Group issues"}]
        assert "errors" not in await gql(READ, {"id": started["id"]}, token=reader.token)
    for outsider in (cast.applicant, cast.manager):
        assert code(await gql(LIST, {"group": None}, token=outsider.token)) == "FORBIDDEN"
        assert code(await gql(READ, {"id": started["id"]}, token=outsider.token)) == "FORBIDDEN"
    assert code(await gql(LIST, {"group": None})) == "UNAUTHENTICATED"


async def test_a_former_member_loses_access(gql, cast):
    started = data(await start(gql, cast.member, cast.group), "startConversation")
    await Membership.filter(id=cast.membership.id).update(ended_at=datetime.now(UTC))

    result = await gql(READ, {"id": started["id"]}, token=cast.member.token)

    assert code(result) == "FORBIDDEN"


async def test_a_groups_list_shows_only_its_own_threads(gql, cast):
    await start(gql, cast.member, cast.group, "Ours")
    await start(gql, cast.other_member, cast.other_group, "Theirs")
    await start(gql, cast.member, None, "Shared")

    ours = data(
        await gql(LIST, {"group": str(cast.group.id)}, token=cast.member.token), "conversations"
    )

    assert ours == [{"title": "Ours"}]


async def test_authors_edit_and_delete_their_own_posts_only(gql, cast):
    started = data(await start(gql, cast.member, cast.group), "startConversation")
    post_id = str((await Post.get(conversation_id=started["id"])).id)
    edit = 'mutation ($id: ID!) { editPost(postId: $id, body: "Edited") { body } }'
    delete = "mutation ($id: ID!) { deletePost(postId: $id) { deleted body } }"

    refused = await gql(edit, {"id": post_id}, token=cast.facilitator.token)
    edited = await gql(edit, {"id": post_id}, token=cast.member.token)
    deleted = await gql(delete, {"id": post_id}, token=cast.member.token)

    assert code(refused) == "FORBIDDEN"
    assert data(edited, "editPost") == {"body": "Edited"}
    assert data(deleted, "deletePost") == {"deleted": True, "body": None}


async def test_the_facilitator_hides_a_post_which_is_kept_for_the_audit(gql, cast):
    started = data(
        await start(gql, cast.member, cast.group, body="Something unkind"), "startConversation"
    )
    post = await Post.get(conversation_id=started["id"])
    hide = 'mutation ($id: ID!) { hidePost(postId: $id, reason: "Unkind") { hidden body } }'

    refused = await gql(hide, {"id": str(post.id)}, token=cast.member.token)
    hidden = await gql(hide, {"id": str(post.id)}, token=cast.facilitator.token)
    seen = data(await gql(READ, {"id": started["id"]}, token=cast.member.token), "conversation")

    assert code(refused) == "FORBIDDEN"
    assert data(hidden, "hidePost") == {"hidden": True, "body": None}
    assert seen["posts"]["edges"][0]["node"]["body"] is None
    assert (await Post.get(id=post.id)).body == "Something unkind"
    assert await AuditEntry.filter(action="POST_HIDDEN", subject_id=post.id).exists()


async def test_new_posts_reach_only_the_threads_readers(server, gql, cast):
    started = data(await start(gql, cast.member, cast.group), "startConversation")
    reader = await LiveClient.connect(server.ws_url, cast.facilitator.token)
    outsider = await LiveClient.connect(server.ws_url, cast.other_member.token)
    stream = await reader.subscribe(POSTS, {"id": started["id"]})
    refused = await outsider.subscribe(POSTS, {"id": started["id"]})
    await asyncio.sleep(0.1)

    await gql(REPLY, {"id": started["id"], "body": "Live reply"}, token=cast.member.token)

    assert await reader.data(stream, "conversationPosts") == {"body": "Live reply"}
    assert await outsider.refusal(refused) == "FORBIDDEN"
    await reader.close()
    await outsider.close()


async def test_a_closed_profiles_posts_stay_without_its_name(gql, cast):
    started = data(await start(gql, cast.member, cast.group), "startConversation")
    await gql("mutation { closeProfile }", token=cast.member.token)

    thread = data(
        await gql(READ, {"id": started["id"]}, token=cast.facilitator.token), "conversation"
    )

    node = thread["posts"]["edges"][0]["node"]
    assert node == {
        "body": "Thinking of you.",
        "hidden": False,
        "deleted": False,
        "author": {"profileName": "Former member"},
    }
    assert await Conversation.all().count() == 1
