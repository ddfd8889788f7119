"""Personal blogs: entries for oneself, one's groups or everyone."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.access import blog_subject
from auth.permissions import (
    HasRole,
    IsAuthenticated,
    IsPublishedToSignedIn,
    IsSelf,
    guard,
    parse_id,
    public,
    subject_from,
)
from models import BlogComment as CommentModel
from models import BlogPost as PostModel
from models import BlogVisibility as VisibilityModel
from models import Role
from resolvers import blogs
from schema.specialists import Author, author

BlogVisibility = strawberry.enum(
    VisibilityModel,
    name="BlogVisibility",
    description="PRIVATE: you alone, staff included. GROUPS: you and the current members of "
    "your groups. PUBLIC: anyone.",
)
ENTRY = subject_from(blog_subject, "id", "entry")
ENTRY_COMMENTED = subject_from(blog_subject, "post_id", "entry")
MODERATORS = HasRole(Role.ONLINE_MANAGER, Role.FACILITATOR, Role.SPECIALIST)


@strawberry.type
class BlogComment:
    id: strawberry.ID
    body: str
    written_at: datetime
    author_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, comment: CommentModel) -> BlogComment:
        return cls(
            id=strawberry.ID(str(comment.id)),
            body=comment.body,
            written_at=comment.written_at,
            author_id=comment.author_id,
        )

    @strawberry.field
    async def author(self, info: Info) -> Author:
        return await author(info, self.author_id)


@strawberry.type(description="An entry of someone's blog, as far as its visibility shows it.")
class BlogPost:
    id: strawberry.ID
    title: str
    body: str
    visibility: BlogVisibility  # type: ignore[valid-type]
    written_at: datetime
    updated_at: datetime
    user_id: strawberry.Private[int]
    model: strawberry.Private[PostModel]

    @classmethod
    def from_model(cls, post: PostModel) -> BlogPost:
        return cls(
            id=strawberry.ID(str(post.id)),
            title=post.title,
            body=post.body,
            visibility=post.visibility,
            written_at=post.written_at,
            updated_at=post.updated_at,
            user_id=post.author_id,
            model=post,
        )

    @strawberry.field
    async def author(self, info: Info) -> Author:
        return await author(info, self.user_id)

    @strawberry.field(
        description="Marked by its author to take to her next session or to a specialist.",
        extensions=guard(IsSelf()),
    )
    def to_ask(self) -> bool | None:
        return self.model.to_ask

    @strawberry.field(description="Comments on a public entry, oldest first; none on others.")
    async def comments(self) -> list[BlogComment]:
        if self.model.visibility != VisibilityModel.PUBLIC:
            return []
        return [BlogComment.from_model(c) for c in await blogs.comments_on(self.model.id)]


@strawberry.type(description="A comment reported, and how many have reported it.")
class ReportedComment:
    comment: BlogComment
    reports: int


@strawberry.type
class Query:
    @strawberry.field(
        description="Your own blog, newest first; with `toAsk`, only the entries so marked "
        "(or not).",
        extensions=guard(IsAuthenticated()),
    )
    async def my_blog(self, info: Info, to_ask: bool | None = None) -> list[BlogPost] | None:
        found = await blogs.my_blog(info.context.viewer.user_id, to_ask)
        return [BlogPost.from_model(post) for post in found]

    @strawberry.field(
        description="Staff: comments reported and not yet dealt with, most reported first.",
        extensions=guard(MODERATORS),
    )
    async def blog_comment_reports(self) -> list[ReportedComment] | None:
        return [
            ReportedComment(comment=BlogComment.from_model(comment), reports=n)
            for comment, n in await blogs.reported_comments()
        ]

    @strawberry.field(
        description="Someone's blog, newest first, as far as you may read it: public entries "
        "for anyone, those for her groups for their members, all of it for her.",
        extensions=public(),
    )
    async def blog_posts(self, info: Info, author_id: strawberry.ID) -> list[BlogPost]:
        reader = info.context.viewer.user_id
        found = await blogs.entries_of(reader, parse_id(author_id, "authorId"))
        return [BlogPost.from_model(post) for post in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Write in your blog; private unless you say otherwise.",
        extensions=guard(IsAuthenticated()),
    )
    async def write_blog_post(
        self,
        info: Info,
        title: str,
        body: str,
        visibility: BlogVisibility = VisibilityModel.PRIVATE,  # type: ignore[valid-type]
        to_ask: bool = False,
    ) -> BlogPost | None:
        post = await blogs.do_write(info.context.viewer.user_id, title, body, visibility, to_ask)
        return BlogPost.from_model(post)

    @strawberry.mutation(
        description="Change your entry; what you leave out stays.",
        extensions=guard(IsSelf(), subject=ENTRY),
    )
    async def update_blog_post(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = None,
        body: str | None = None,
        visibility: BlogVisibility | None = None,  # type: ignore[valid-type]
        to_ask: bool | None = None,
    ) -> BlogPost | None:
        post = await blogs.do_update(
            info.context.viewer.user_id, parse_id(id), title, body, visibility, to_ask
        )
        return BlogPost.from_model(post)

    @strawberry.mutation(
        description="Delete your entry and its comments, for good.",
        extensions=guard(IsSelf(), subject=ENTRY),
    )
    async def delete_blog_post(self, info: Info, id: strawberry.ID) -> bool | None:
        await blogs.do_delete(info.context.viewer.user_id, parse_id(id))
        return True

    @strawberry.mutation(
        description="Comment on a public entry.",
        extensions=guard(IsPublishedToSignedIn(), subject=ENTRY_COMMENTED),
    )
    async def comment_on_blog_post(
        self, info: Info, post_id: strawberry.ID, body: str
    ) -> BlogComment | None:
        comment = await blogs.do_comment(
            info.context.viewer.user_id, parse_id(post_id, "postId"), body
        )
        return BlogComment.from_model(comment)

    @strawberry.mutation(
        description="Tell staff a comment should not be there.",
        extensions=guard(IsAuthenticated()),
    )
    async def report_blog_comment(
        self, info: Info, comment_id: strawberry.ID, reason: str
    ) -> bool | None:
        await blogs.do_report_comment(
            info.context.viewer.user_id, parse_id(comment_id, "commentId"), reason
        )
        return True

    @strawberry.mutation(
        description="Staff: take a comment down; the reason is kept for the audit.",
        extensions=guard(MODERATORS),
    )
    async def hide_blog_comment(
        self, info: Info, comment_id: strawberry.ID, reason: str
    ) -> BlogComment | None:
        comment = await blogs.do_hide_comment(
            info.context.viewer.user_id, parse_id(comment_id, "commentId"), reason
        )
        return BlogComment.from_model(comment)
