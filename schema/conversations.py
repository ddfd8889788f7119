"""Private conversations: a group's threads, and the area all groups share."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.access import Room, conversation_subject, post_subject
from auth.permissions import (
    InSharedArea,
    IsGroupFacilitator,
    IsGroupMember,
    IsSelf,
    guard,
    parse_id,
    subject_from,
)
from models import Conversation as ConversationModel
from models import Post as PostModel
from models import Role
from resolvers import conversations, live
from schema.accounts import User
from schema.inputs import ClientMessageId
from schema.pagination import Connection, check_first, connection, decode_cursor

CONVERSATION = subject_from(conversation_subject, "conversation_id", "conversation")
CONVERSATION_BY_ID = subject_from(conversation_subject, "id", "conversation")
POST = subject_from(post_subject, "post_id", "post")
READERS = (IsGroupMember(), IsGroupFacilitator(), InSharedArea())
MODERATORS = (IsGroupFacilitator(), InSharedArea(Role.FACILITATOR))
EARLIER_TITLE = "A conversation started before you joined"


@strawberry.type(description="A post in a conversation.")
class Post:
    id: strawberry.ID
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool = strawberry.field(description="Hidden by a facilitator: its text is withheld.")
    text: strawberry.Private[str]
    author_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, post: PostModel) -> Post:
        return cls(
            id=strawberry.ID(str(post.id)),
            created_at=post.created_at,
            edited_at=post.edited_at,
            deleted=post.deleted_at is not None,
            hidden=post.hidden_at is not None,
            text=post.body,
            author_id=post.author_id,
        )

    @strawberry.field(description="Null once the post is deleted or hidden.")
    def body(self) -> str | None:
        return None if self.deleted or self.hidden else self.text

    @strawberry.field
    async def author(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.author_id))


@strawberry.type(description="A thread of posts.")
class Conversation:
    id: strawberry.ID
    title: str = strawberry.field(
        description="What it is about; for a member who joined after it started, a neutral "
        "label instead (the rule of the room)."
    )
    created_at: datetime
    last_post_at: datetime
    shared: bool = strawberry.field(description="In the area all groups share.")
    conversation_id: strawberry.Private[int]
    room: strawberry.Private[Room]

    @classmethod
    def from_model(cls, conversation: ConversationModel, room: Room) -> Conversation:
        # The title is its starter's words: a member who joined later does not read it.
        title = conversation.title if room.covers(conversation.created_at) else EARLIER_TITLE
        return cls(
            id=strawberry.ID(str(conversation.id)),
            title=title,
            created_at=conversation.created_at,
            last_post_at=conversation.last_post_at,
            shared=conversation.group_id is None,
            conversation_id=conversation.id,
            room=room,
        )

    @strawberry.field(
        description="Oldest first. In a group, a member reads the posts made while she was in "
        "it (the rule of the room)."
    )
    async def posts(self, first: int = 50, after: str | None = None) -> Connection[Post]:
        first = check_first(first)
        rows = await conversations.posts_page(
            self.conversation_id, self.room, decode_cursor(after), first + 1
        )
        return connection(rows, first, lambda p: p.id, Post.from_model, after)


@strawberry.type
class Query:
    @strawberry.field(
        description="A group's conversations, or without a group those all groups share.",
        extensions=guard(*READERS),
    )
    async def conversations(
        self, info: Info, group_id: strawberry.ID | None = None
    ) -> list[Conversation] | None:
        group = parse_id(group_id, "groupId") if group_id is not None else None
        room = await info.context.room(group)
        found = await conversations.conversations_in(group, room)
        return [Conversation.from_model(c, room) for c in found]

    @strawberry.field(extensions=guard(*READERS, subject=CONVERSATION_BY_ID))
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation | None:
        found, room = await conversations.conversation_for(
            info.context.viewer.user_id, parse_id(id)
        )
        return Conversation.from_model(found, room)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Start a conversation in a group, or without a group in the shared area.",
        extensions=guard(*READERS),
    )
    async def start_conversation(
        self,
        info: Info,
        title: str,
        body: str,
        group_id: strawberry.ID | None = None,
        client_message_id: ClientMessageId = None,
    ) -> Conversation | None:
        group = parse_id(group_id, "groupId") if group_id is not None else None
        found = await conversations.do_start(
            await info.context.current_user(), group, title, body, client_message_id
        )
        return Conversation.from_model(found, await info.context.room(group))

    @strawberry.mutation(extensions=guard(*READERS, subject=CONVERSATION))
    async def reply_to_conversation(
        self,
        info: Info,
        conversation_id: strawberry.ID,
        body: str,
        client_message_id: ClientMessageId = None,
    ) -> Post | None:
        post = await conversations.do_reply(
            await info.context.current_user(),
            parse_id(conversation_id, "conversationId"),
            body,
            client_message_id,
        )
        return Post.from_model(post)

    @strawberry.mutation(
        description="Change your own post, while you take part where you wrote it.",
        extensions=guard(IsSelf(), subject=POST),
    )
    async def edit_post(self, info: Info, post_id: strawberry.ID, body: str) -> Post | None:
        author = await info.context.current_user()
        return Post.from_model(
            await conversations.do_edit(author, parse_id(post_id, "postId"), body)
        )

    @strawberry.mutation(
        description="Delete your own post, while you take part where you wrote it. A post a "
        "facilitator hid is kept for the audit and cannot be deleted.",
        extensions=guard(IsSelf(), subject=POST),
    )
    async def delete_post(self, info: Info, post_id: strawberry.ID) -> Post | None:
        author = await info.context.current_user()
        return Post.from_model(await conversations.do_delete(author, parse_id(post_id, "postId")))

    @strawberry.mutation(
        description="Hide a post from readers; it is kept, for the audit.",
        extensions=guard(*MODERATORS, subject=POST),
    )
    async def hide_post(self, info: Info, post_id: strawberry.ID, reason: str = "") -> Post | None:
        post = await conversations.do_hide(
            info.context.viewer.user_id, parse_id(post_id, "postId"), reason
        )
        return Post.from_model(post)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Posts as they are added, edited, deleted or hidden.",
        extensions=guard(*READERS, subject=CONVERSATION),
    )
    async def conversation_posts(
        self, info: Info, conversation_id: strawberry.ID
    ) -> AsyncGenerator[Post, None]:
        async for post in live.follow_conversation(
            info.context.viewer, parse_id(conversation_id, "conversationId")
        ):
            yield Post.from_model(post)
