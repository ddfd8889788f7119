"""Public Conversations: topics anyone reads, in categories the online manager keeps."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.permissions import HasRole, IsAuthenticated, guard, parse_id, public
from models import Role
from models import Topic as TopicModel
from models import TopicCategory as CategoryModel
from models import TopicPost as PostModel
from resolvers import topics
from schema.pagination import Connection, check_first, connection, decode_cursor
from schema.specialists import Author, author

MODERATORS = HasRole(Role.ONLINE_MANAGER, Role.FACILITATOR, Role.SPECIALIST)
GROUP_MATTERS = (
    "The Conversations are public: anyone can read them. What concerns your own group "
    "belongs in your group's private conversations."
)


@strawberry.type
class TopicCategory:
    id: strawberry.ID
    name: str
    description: str

    @classmethod
    def from_model(cls, category: CategoryModel) -> TopicCategory:
        return cls(
            id=strawberry.ID(str(category.id)),
            name=category.name,
            description=category.description,
        )


@strawberry.type(description="A post in a public topic. A hidden one has no body.")
class TopicPost:
    id: strawberry.ID
    posted_at: datetime
    edited_at: datetime | None
    hidden: bool
    body: str | None
    author_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, post: PostModel) -> TopicPost:
        hidden = post.hidden_at is not None
        return cls(
            id=strawberry.ID(str(post.id)),
            posted_at=post.posted_at,
            edited_at=post.edited_at,
            hidden=hidden,
            body=None if hidden else post.body,
            author_id=post.author_id,
        )

    @strawberry.field
    async def author(self, info: Info) -> Author:
        return await author(info, self.author_id)


@strawberry.type(description="A public conversation: anyone may read it.")
class Topic:
    id: strawberry.ID
    title: str
    started_at: datetime
    last_post_at: datetime
    locked: bool
    model: strawberry.Private[TopicModel]

    @classmethod
    def from_model(cls, topic: TopicModel) -> Topic:
        return cls(
            id=strawberry.ID(str(topic.id)),
            title=topic.title,
            started_at=topic.started_at,
            last_post_at=topic.last_post_at,
            locked=topic.locked_at is not None,
            model=topic,
        )

    @strawberry.field(description=GROUP_MATTERS)
    def notice(self) -> str:
        return GROUP_MATTERS

    @strawberry.field
    async def author(self, info: Info) -> Author:
        return await author(info, self.model.author_id)

    @strawberry.field
    async def category(self, info: Info) -> TopicCategory:
        found = await info.context.loaders.topic_category.load(self.model.category_id)
        return TopicCategory.from_model(found)

    @strawberry.field(description="The posts shown, oldest first.")
    async def posts(self, first: int = 50, after: str | None = None) -> Connection[TopicPost]:
        first = check_first(first)
        rows = await topics.posts_page(self.model.id, decode_cursor(after), first + 1)
        return connection(rows, first, lambda p: p.id, TopicPost.from_model, after)


@strawberry.type(description="A post reported, and how many have reported it.")
class ReportedPost:
    post: TopicPost
    reports: int


@strawberry.type
class Query:
    @strawberry.field(description="The categories of the Conversations.", extensions=public())
    async def topic_categories(self) -> list[TopicCategory]:
        return [TopicCategory.from_model(c) for c in await topics.categories()]

    @strawberry.field(
        description="Topics, the newest first; with `search`, the best matches first "
        "(every word must match). " + GROUP_MATTERS,
        extensions=public(),
    )
    async def topics(
        self,
        category: strawberry.ID | None = None,
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Topic]:
        first = check_first(first)
        category_id = parse_id(category, "category") if category is not None else None
        skip = decode_cursor(after)
        rows = await topics.topics_page(category_id, search, skip, first + 1)
        if search is not None and search.strip():  # ranked: the cursor counts what was given
            given = skip or 0
            numbered = list(enumerate(rows, start=given + 1))
            return connection(
                numbered, first, lambda row: row[0], lambda row: Topic.from_model(row[1]), after
            )
        return connection(rows, first, lambda t: t.id, Topic.from_model, after)

    @strawberry.field(description="One topic.", extensions=public())
    async def topic(self, id: strawberry.ID) -> Topic | None:
        return Topic.from_model(await topics.get_topic(parse_id(id)))

    @strawberry.field(
        description="Moderators: posts reported and not yet dealt with, most reported first.",
        extensions=guard(MODERATORS),
    )
    async def post_reports(self) -> list[ReportedPost] | None:
        return [
            ReportedPost(post=TopicPost.from_model(post), reports=n)
            for post, n in await topics.report_queue()
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Online manager: add a category to the Conversations.",
        extensions=guard(HasRole(Role.ONLINE_MANAGER)),
    )
    async def create_topic_category(self, name: str, description: str) -> TopicCategory | None:
        return TopicCategory.from_model(await topics.do_create_category(name, description))

    @strawberry.mutation(
        description="Start a public topic. " + GROUP_MATTERS,
        extensions=guard(IsAuthenticated()),
    )
    async def start_topic(
        self, info: Info, category_id: strawberry.ID, title: str, body: str
    ) -> Topic | None:
        topic = await topics.do_start_topic(
            info.context.viewer.user_id, parse_id(category_id, "categoryId"), title, body
        )
        return Topic.from_model(topic)

    @strawberry.mutation(
        description="Reply in a public topic.", extensions=guard(IsAuthenticated())
    )
    async def reply_to_topic(
        self, info: Info, topic_id: strawberry.ID, body: str
    ) -> TopicPost | None:
        post = await topics.do_reply(
            info.context.viewer.user_id, parse_id(topic_id, "topicId"), body
        )
        return TopicPost.from_model(post)

    @strawberry.mutation(
        description="Change your own post, within 30 minutes of writing it.",
        extensions=guard(IsAuthenticated()),
    )
    async def edit_topic_post(
        self, info: Info, post_id: strawberry.ID, body: str
    ) -> TopicPost | None:
        post = await topics.do_edit(info.context.viewer.user_id, parse_id(post_id, "postId"), body)
        return TopicPost.from_model(post)

    @strawberry.mutation(
        description="Tell the moderators a public post should not be there.",
        extensions=guard(IsAuthenticated()),
    )
    async def report_post(self, info: Info, post_id: strawberry.ID, reason: str) -> bool | None:
        await topics.do_report(info.context.viewer.user_id, parse_id(post_id, "postId"), reason)
        return True

    @strawberry.mutation(
        description="Moderators: hide a public post; the reason is kept for the audit.",
        extensions=guard(MODERATORS),
    )
    async def hide_topic_post(
        self, info: Info, post_id: strawberry.ID, reason: str
    ) -> TopicPost | None:
        post = await topics.do_hide(
            info.context.viewer.user_id, parse_id(post_id, "postId"), reason
        )
        return TopicPost.from_model(post)

    @strawberry.mutation(
        description="Moderators: lock a topic to new replies.", extensions=guard(MODERATORS)
    )
    async def lock_topic(self, info: Info, topic_id: strawberry.ID, reason: str) -> Topic | None:
        topic = await topics.do_lock(
            info.context.viewer.user_id, parse_id(topic_id, "topicId"), reason
        )
        return Topic.from_model(topic)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A topic's posts as they are written, edited or hidden.",
        extensions=public(),
    )
    async def topic_posts(self, topic_id: strawberry.ID) -> AsyncGenerator[TopicPost, None]:
        async for post in topics.follow_topic(parse_id(topic_id, "topicId")):
            yield TopicPost.from_model(post)
