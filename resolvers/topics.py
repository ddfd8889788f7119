"""Public Conversations: always open, read by anyone, written by people signed in.

Nothing here reaches the closed groups: a topic's author is a profile name and no
more. Moderators (the online manager, facilitators, specialists) see the reports, hide
a post with a reason kept for the audit, and lock a topic; a person hidden three times
within a week is told, and cannot post for a day. Posting is throttled per person.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from errors import Conflict, Forbidden, NotFound, RateLimited
from models import PostReport, Topic, TopicCategory, TopicPost
from models.search import find_topics, index_post, unindex_post
from resolvers.audit import audit
from resolvers.inbox import notify
from resolvers.moderation import most_reported
from resolvers.steps import london
from resolvers.text import LETTER, LINE, NOTE, check_text
from subscriptions import channels
from subscriptions.hub import Resync, current_hub
from subscriptions.outbox import after_commit, transaction

EDIT_WITHIN = timedelta(minutes=30)
POSTS_PER_MINUTE = 5
POSTS_PER_HOUR = 30
HIDDEN_BEFORE_PAUSE = 3
PAUSE_WINDOW = timedelta(days=7)
PAUSE_FOR = timedelta(days=1)


async def categories() -> list[TopicCategory]:
    return await TopicCategory.all().order_by("name")


async def do_create_category(name: str, description: str) -> TopicCategory:
    name = check_text(name, "the category's name", longest=80, one_line=True)
    description = check_text(description, "what the category is for", longest=NOTE)
    try:
        return await TopicCategory.create(name=name, description=description)
    except IntegrityError as error:
        raise Conflict("There is already a category of that name.") from error


async def topics_page(
    category_id: int | None, search: str | None, skip: int | None, limit: int
) -> list[Topic]:
    """Topics newest first (``skip`` continues below that id), or, with ``search``, the
    best matches first (``skip`` is how many were already given)."""
    if search is not None and search.strip():
        ids = await find_topics(search, category_id, skip or 0, limit)
        found = {topic.id: topic for topic in await Topic.filter(id__in=ids)}
        return [found[i] for i in ids if i in found]
    topics = Topic.all()
    if category_id is not None:
        topics = topics.filter(category_id=category_id)
    if skip is not None:
        topics = topics.filter(id__lt=skip)
    return await topics.order_by("-id").limit(limit)


async def get_topic(topic_id: int) -> Topic:
    topic = await Topic.filter(id=topic_id).first()
    if topic is None:
        raise NotFound("No such topic.")
    return topic


async def posts_page(topic_id: int, after_id: int | None, limit: int) -> list[TopicPost]:
    """The posts shown, oldest first; ``after_id`` continues after that post."""
    posts = TopicPost.filter(topic_id=topic_id, hidden_at=None)
    if after_id is not None:
        posts = posts.filter(id__gt=after_id)
    return await posts.order_by("id").limit(limit)


async def check_may_post(author_id: int, now: datetime) -> None:
    """Refuse a post from someone paused, or posting faster than a person writes."""
    hidden = (
        await TopicPost.filter(author_id=author_id, hidden_at__gt=now - PAUSE_WINDOW)
        .order_by("-hidden_at")
        .values_list("hidden_at", flat=True)
    )
    if len(hidden) >= HIDDEN_BEFORE_PAUSE and hidden[0] + PAUSE_FOR > now:
        until = hidden[0] + PAUSE_FOR
        raise Forbidden(f"Your posting is paused until {london(until)} (UK time).")
    recent = TopicPost.filter(author_id=author_id)
    for window, most in (
        (timedelta(minutes=1), POSTS_PER_MINUTE),
        (timedelta(hours=1), POSTS_PER_HOUR),
    ):
        if await recent.filter(posted_at__gt=now - window).count() >= most:
            raise RateLimited(
                "You are posting faster than we can take: wait a little.",
                retry_after=int(window.total_seconds()),
            )


async def _add_post(topic: Topic, author_id: int, body: str, now: datetime) -> TopicPost:
    post = await TopicPost.create(topic=topic, author_id=author_id, body=body, posted_at=now)
    await index_post(post.id, topic.id, topic.category_id, topic.title, body)
    after_commit(channels.topic_posts(topic.id), {"post_id": post.id})
    return post


async def do_start_topic(
    author_id: int, category_id: int, title: str, body: str, now: datetime | None = None
) -> Topic:
    title = check_text(title, "a title", longest=LINE, one_line=True)
    body = check_text(body, "something in your post", longest=LETTER)
    now = now or datetime.now(UTC)
    if not await TopicCategory.filter(id=category_id).exists():
        raise NotFound("No such category.")
    await check_may_post(author_id, now)
    async with transaction():
        topic = await Topic.create(
            category_id=category_id,
            author_id=author_id,
            title=title,
            started_at=now,
            last_post_at=now,
        )
        await _add_post(topic, author_id, body, now)
    return topic


async def do_reply(
    author_id: int, topic_id: int, body: str, now: datetime | None = None
) -> TopicPost:
    body = check_text(body, "something in your reply", longest=LETTER)
    now = now or datetime.now(UTC)
    topic = await get_topic(topic_id)
    if topic.locked_at is not None:
        raise Conflict("This topic is locked: it takes no more replies.")
    await check_may_post(author_id, now)
    async with transaction():
        post = await _add_post(topic, author_id, body, now)
        await Topic.filter(id=topic.id).update(last_post_at=now)
    return post


async def do_edit(
    author_id: int, post_id: int, body: str, now: datetime | None = None
) -> TopicPost:
    """Its author may change a post for ``EDIT_WITHIN`` of writing it, unless hidden."""
    body = check_text(body, "something in your post", longest=LETTER)
    now = now or datetime.now(UTC)
    post = await TopicPost.filter(id=post_id, author_id=author_id).first()
    if post is None:
        raise NotFound("No such post of yours.")
    if post.hidden_at is not None:
        raise Conflict("This post was hidden by a moderator: it cannot be changed.")
    if now - post.posted_at > EDIT_WITHIN:
        raise Conflict("A post can be changed within 30 minutes of writing it.")
    topic = await get_topic(post.topic_id)
    async with transaction():
        post.body, post.edited_at = body, now
        await post.save(update_fields=["body", "edited_at"])
        await index_post(post.id, topic.id, topic.category_id, topic.title, body)
        after_commit(channels.topic_posts(topic.id), {"post_id": post.id})
    return post


async def do_report(reporter_id: int, post_id: int, reason: str) -> PostReport:
    reason = check_text(reason, "what is wrong with it", longest=NOTE)
    post = await TopicPost.filter(id=post_id, hidden_at=None).first()
    if post is None:
        raise NotFound("No such post.")
    try:
        return await PostReport.create(
            post=post, reporter_id=reporter_id, reason=reason, reported_at=datetime.now(UTC)
        )
    except IntegrityError as error:
        raise Conflict("You have reported this post already.") from error


async def report_queue() -> list[tuple[TopicPost, int]]:
    """Posts reported and not yet settled, most reported first, with how many reports."""
    counted = await most_reported(PostReport, "post_id")
    posts = {p.id: p for p in await TopicPost.filter(id__in=[post for post, _ in counted])}
    return [(posts[post_id], n) for post_id, n in counted if post_id in posts]


async def do_hide(
    moderator_id: int, post_id: int, reason: str, now: datetime | None = None
) -> TopicPost:
    """Hide a post from everyone; its reports are settled, the reason kept and audited.
    Its author is told when this is her third in a week: her posting pauses for a day."""
    reason = check_text(reason, "why it is hidden", longest=NOTE)
    now = now or datetime.now(UTC)
    async with transaction():
        post = await TopicPost.filter(id=post_id).select_for_update().first()
        if post is None:
            raise NotFound("No such post.")
        if post.hidden_at is not None:
            return post
        post.hidden_at, post.hidden_by_id, post.hidden_reason = now, moderator_id, reason
        await post.save(update_fields=["hidden_at", "hidden_by_id", "hidden_reason"])
        await PostReport.filter(post_id=post.id, settled_at=None).update(settled_at=now)
        await unindex_post(post.id)
        await audit(moderator_id, "TOPIC_POST_HIDDEN", "TopicPost", post.id, detail=reason)
        after_commit(channels.topic_posts(post.topic_id), {"post_id": post.id})
        hidden = await TopicPost.filter(
            author_id=post.author_id, hidden_at__gt=now - PAUSE_WINDOW
        ).count()
        if hidden == HIDDEN_BEFORE_PAUSE:
            await notify(
                post.author_id,
                "Your posting in the Conversations is paused for a day",
                f"A moderator hid one of your posts: {reason} It is the third this week, so "
                f"you can post again from {london(now + PAUSE_FOR)} (UK time).",
            )
    return post


async def do_lock(moderator_id: int, topic_id: int, reason: str) -> Topic:
    reason = check_text(reason, "why it is locked", longest=NOTE)
    async with transaction():
        topic = await get_topic(topic_id)
        if topic.locked_at is None:
            topic.locked_at, topic.lock_reason = datetime.now(UTC), reason
            await topic.save(update_fields=["locked_at", "lock_reason"])
            await audit(moderator_id, "TOPIC_LOCKED", "Topic", topic.id, detail=reason)
    return topic


async def follow_topic(topic_id: int) -> AsyncIterator[TopicPost]:
    """A topic's posts as they are written or changed; a hidden one comes as hidden, so
    that a client can take it down."""
    await get_topic(topic_id)
    async with current_hub().listen(channels.topic_posts(topic_id)) as listener:
        async for event in listener:
            if isinstance(event, Resync):
                continue  # clients re-read the topic's page after a reconnection
            post = await TopicPost.filter(id=event["post_id"]).first()
            if post is not None:
                yield post
