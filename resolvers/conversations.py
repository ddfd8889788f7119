"""Private conversations between sessions, in a group or in the area all groups share.

Who may read and write is decided by the permission directives on each operation;
the lists here are scoped to what the reader may see, since a guard cannot filter. In a
group the rule of the room holds: a member reads the posts made while she was in it, and
a thread with none of those is not hers to see. The shared area is everyone's who takes
part in any group, for as long as they do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auth.access import EVERYTHING, Room, may_take_part_now, room_of, takes_part_anywhere_now
from errors import Conflict, Forbidden, NotFound
from models import Conversation, Group, Post, User
from resolvers.audit import audit
from resolvers.text import LETTER, LINE, check_text
from resolvers.writes import check_client_write, write_once
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction


def check_body(body: str) -> str:
    return check_text(body, "something in your post", longest=LETTER)


def check_title(title: str) -> str:
    return check_text(title, "what the conversation is about", longest=LINE, one_line=True)


def post_payload(post: Post, change: str) -> dict[str, Any]:
    """What subscribers are told: which post changed; they read it under their own rights."""
    return {"post_id": post.id, "change": change}


async def do_start(
    author: User, group_id: int | None, title: str, body: str, client_id: str | None = None
) -> Conversation:
    title, body = check_title(title), check_body(body)
    if group_id is not None and not await Group.filter(id=group_id).exists():
        raise NotFound("No such group.")
    key = check_client_write(author.id, client_id, "CONVERSATION", group_id, title, body)
    return await write_once(key, Conversation, lambda: _start(author, group_id, title, body))


async def _start(author: User, group_id: int | None, title: str, body: str) -> Conversation:
    async with transaction():
        await check_takes_part_now(author, group_id)
        conversation = await Conversation.create(group_id=group_id, title=title, started_by=author)
        await Post.create(conversation=conversation, author=author, body=body)
    return conversation


async def conversation_room(user_id: int, conversation: Conversation) -> Room:
    if conversation.group_id is None:
        return EVERYTHING
    return await room_of(user_id, conversation.group_id)


async def check_sees_conversation(room: Room, conversation: Conversation) -> None:
    """A thread is the reader's if any of its posts was made while she was in the room."""
    if room.everything:
        return
    if not await Post.filter(
        room.said_within("created_at"), conversation_id=conversation.id
    ).exists():
        raise Forbidden("This conversation took place before you joined the group.")


async def check_takes_part_now(author: User, group_id: int | None) -> None:
    """Inside the writing transaction: the author still takes part where she writes (the
    group, or for ``None`` the shared area)."""
    if group_id is None:
        allowed = await takes_part_anywhere_now(author.id, author.role)
    else:
        allowed = await may_take_part_now(author.id, group_id)
    if not allowed:
        raise Forbidden("You no longer take part in this group: you cannot write here.")


async def do_reply(
    author: User, conversation_id: int, body: str, client_id: str | None = None
) -> Post:
    body = check_body(body)
    key = check_client_write(author.id, client_id, "POST", conversation_id, body)
    return await write_once(key, Post, lambda: _reply(author, conversation_id, body))


async def _reply(author: User, conversation_id: int, body: str) -> Post:
    async with transaction():
        conversation = await Conversation.filter(id=conversation_id).first()
        if conversation is None:
            raise NotFound("No such conversation.")
        await check_takes_part_now(author, conversation.group_id)
        await check_sees_conversation(
            await conversation_room(author.id, conversation), conversation
        )
        post = await Post.create(conversation=conversation, author=author, body=body)
        conversation.last_post_at = post.created_at
        await conversation.save(update_fields=["last_post_at"])
        after_commit(channels.conversation_posts(conversation_id), post_payload(post, "added"))
    return post


async def post_for_change(post_id: int) -> Post:
    post = await Post.filter(id=post_id).select_for_update().first()
    if post is None:
        raise NotFound("No such post.")
    if post.deleted_at is not None:
        raise Conflict("This post was deleted.")
    return post


async def own_post_for_change(author: User, post_id: int) -> Post:
    """The author's post, while she still takes part where she wrote it."""
    post = await post_for_change(post_id)
    conversation = await Conversation.get(id=post.conversation_id)
    await check_takes_part_now(author, conversation.group_id)
    return post


async def do_edit(author: User, post_id: int, body: str) -> Post:
    body = check_body(body)
    async with transaction():
        post = await own_post_for_change(author, post_id)
        if post.hidden_at is not None:
            raise Conflict("A hidden post cannot be edited.")
        post.body, post.edited_at = body, datetime.now(UTC)
        await post.save(update_fields=["body", "edited_at"])
        after_commit(
            channels.conversation_posts(post.conversation_id), post_payload(post, "edited")
        )
    return post


async def do_delete(author: User, post_id: int) -> Post:
    """Withdraw the author's words. A hidden post is evidence for the audit: it stays."""
    async with transaction():
        post = await own_post_for_change(author, post_id)
        if post.hidden_at is not None:
            raise Conflict("A hidden post is kept for the audit: it cannot be deleted.")
        post.body, post.deleted_at = "", datetime.now(UTC)
        await post.save(update_fields=["body", "deleted_at"])
        after_commit(
            channels.conversation_posts(post.conversation_id), post_payload(post, "deleted")
        )
    return post


async def do_hide(actor_id: int, post_id: int, reason: str) -> Post:
    """Hide a post from readers; its text stays, for the audit."""
    async with transaction():
        post = await post_for_change(post_id)
        post.hidden_at, post.hidden_by_id = datetime.now(UTC), actor_id  # type: ignore[attr-defined]
        await post.save(update_fields=["hidden_at", "hidden_by_id"])
        conversation = await Conversation.get(id=post.conversation_id)
        await audit(actor_id, "POST_HIDDEN", "Post", post.id, conversation.group_id, reason)
        after_commit(
            channels.conversation_posts(post.conversation_id), post_payload(post, "hidden")
        )
    return post


async def conversations_in(group_id: int | None, room: Room) -> list[Conversation]:
    """A group's threads the reader sees, or (``None``) the shared area's, most recently
    active first."""
    if group_id is None:
        return await Conversation.filter(group_id__isnull=True)
    threads = Conversation.filter(group_id=group_id)
    if not room.everything:
        hers = Post.filter(room.said_within("created_at"), conversation__group_id=group_id)
        threads = threads.filter(id__in=await hers.values_list("conversation_id", flat=True))
    return await threads


async def get_conversation(conversation_id: int) -> Conversation:
    conversation = await Conversation.filter(id=conversation_id).first()
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation


async def conversation_for(reader_id: int, conversation_id: int) -> tuple[Conversation, Room]:
    """A thread and the reader's room in it, if it is hers to see."""
    conversation = await get_conversation(conversation_id)
    room = await conversation_room(reader_id, conversation)
    await check_sees_conversation(room, conversation)
    return conversation, room


async def posts_page(conversation_id: int, room: Room, after: int | None, limit: int) -> list[Post]:
    """The posts the reader's room shows, oldest first, as a thread is read."""
    posts = Post.filter(room.said_within("created_at"), conversation_id=conversation_id)
    if after is not None:
        posts = posts.filter(id__gt=after)
    return await posts.order_by("id").limit(limit)


async def get_post(post_id: int) -> Post:
    post = await Post.filter(id=post_id).first()
    if post is None:
        raise NotFound("No such post.")
    return post
