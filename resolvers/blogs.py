"""Personal blogs: entries for oneself, one's groups or everyone, and comments on the
public ones.

Where a person cannot yet have a group, a blog is somewhere to write down how she is
and what she wants to ask; ``to_ask`` marks what she means to take to her next session
or to a specialist. A private entry is hers alone: no one else reads it, staff included.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from auth.access import shares_a_group
from errors import Conflict, NotFound
from models import BlogComment, BlogCommentReport, BlogPost, BlogVisibility
from resolvers.audit import audit
from resolvers.moderation import most_reported
from resolvers.text import LETTER, LINE, NOTE, check_text
from subscriptions.outbox import transaction


def check_entry(title: str | None, body: str | None) -> dict[str, str]:
    values = {}
    if title is not None:
        values["title"] = check_text(title, "a title", longest=LINE, one_line=True)
    if body is not None:
        values["body"] = check_text(body, "something in your entry", longest=LETTER)
    return values


async def do_write(
    author_id: int, title: str, body: str, visibility: BlogVisibility, to_ask: bool = False
) -> BlogPost:
    values = check_entry(title, body)
    return await BlogPost.create(
        author_id=author_id, visibility=visibility, to_ask=to_ask, **values
    )


async def own_entry(author_id: int, post_id: int) -> BlogPost:
    post = await BlogPost.filter(id=post_id, author_id=author_id).first()
    if post is None:
        raise NotFound("No such entry in your blog.")
    return post


async def do_update(
    author_id: int,
    post_id: int,
    title: str | None = None,
    body: str | None = None,
    visibility: BlogVisibility | None = None,
    to_ask: bool | None = None,
) -> BlogPost:
    """Change what is given; the rest stays."""
    values: dict[str, object] = {**check_entry(title, body)}
    if visibility is not None:
        values["visibility"] = visibility
    if to_ask is not None:
        values["to_ask"] = to_ask
    post = await own_entry(author_id, post_id)
    if values:
        post.update_from_dict(values)
        await post.save()
    return post


async def do_delete(author_id: int, post_id: int) -> None:
    """An entry goes for good, with its comments."""
    await (await own_entry(author_id, post_id)).delete()


async def my_blog(author_id: int, to_ask: bool | None = None) -> list[BlogPost]:
    entries = BlogPost.filter(author_id=author_id)
    if to_ask is not None:
        entries = entries.filter(to_ask=to_ask)
    return await entries.order_by("-id")


async def entries_of(reader_id: int | None, author_id: int) -> list[BlogPost]:
    """What ``reader_id`` (``None``: nobody signed in) may read of ``author_id``'s blog:
    all of it if it is hers, what she shares with her groups if they share one now, and
    what is public."""
    entries = BlogPost.filter(author_id=author_id)
    if reader_id != author_id:
        shown = Q(visibility=BlogVisibility.PUBLIC)
        if reader_id is not None and await shares_a_group(reader_id, author_id):
            shown |= Q(visibility=BlogVisibility.GROUPS)
        entries = entries.filter(shown)
    return await entries.order_by("-id")


async def do_comment(author_id: int, post_id: int, body: str) -> BlogComment:
    body = check_text(body, "a comment", longest=NOTE)
    post = await BlogPost.filter(id=post_id, visibility=BlogVisibility.PUBLIC).first()
    if post is None:
        raise NotFound("No such public entry.")
    return await BlogComment.create(post=post, author_id=author_id, body=body)


async def comments_on(post_id: int) -> list[BlogComment]:
    return await BlogComment.filter(post_id=post_id, hidden_at=None).order_by("id")


async def do_report_comment(reporter_id: int, comment_id: int, reason: str) -> BlogCommentReport:
    reason = check_text(reason, "what is wrong with it", longest=NOTE)
    comment = await BlogComment.filter(id=comment_id, hidden_at=None).first()
    if comment is None:
        raise NotFound("No such comment.")
    try:
        return await BlogCommentReport.create(
            comment=comment, reporter_id=reporter_id, reason=reason, reported_at=datetime.now(UTC)
        )
    except IntegrityError as error:
        raise Conflict("You have reported this comment already.") from error


async def reported_comments() -> list[tuple[BlogComment, int]]:
    """Comments reported and not yet settled, most reported first, with how many reports."""
    counted = await most_reported(BlogCommentReport, "comment_id")
    found = {c.id: c for c in await BlogComment.filter(id__in=[c for c, _ in counted])}
    return [(found[c], n) for c, n in counted if c in found]


async def do_hide_comment(staff_id: int, comment_id: int, reason: str) -> BlogComment:
    """Take a comment down, settling its reports; the reason is kept, the hiding audited."""
    reason = check_text(reason, "why it is hidden", longest=NOTE)
    async with transaction():
        comment = await BlogComment.filter(id=comment_id).select_for_update().first()
        if comment is None:
            raise NotFound("No such comment.")
        if comment.hidden_at is None:
            comment.hidden_at = datetime.now(UTC)
            comment.hidden_reason = reason
            await comment.save(update_fields=["hidden_at", "hidden_reason"])
            await BlogCommentReport.filter(comment_id=comment.id, settled_at=None).update(
                settled_at=comment.hidden_at
            )
            await audit(staff_id, "BLOG_COMMENT_HIDDEN", "BlogComment", comment.id, detail=reason)
    return comment
