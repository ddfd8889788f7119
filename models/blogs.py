"""Personal blogs: a person's own notes and posts, shown only as far as she chooses."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class BlogVisibility(StrEnum):
    PRIVATE = "PRIVATE"  # the author alone: not staff, not anyone
    GROUPS = "GROUPS"  # the author and the current members of her current groups
    PUBLIC = "PUBLIC"  # anyone, signed in or not


class BlogPost(Model):
    """An entry of a person's blog. ``to_ask`` marks one she means to take to her next
    session or to a specialist: what she wants to ask."""

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="blog_posts", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    visibility = fields.CharEnumField(BlogVisibility, max_length=10)
    to_ask = fields.BooleanField(default=False)
    written_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    author_id: int

    class Meta:
        table = "blog_posts"
        indexes = (("author_id", "id"),)


class BlogComment(Model):
    """A comment on a public entry, by someone signed in. Staff may hide it, with a reason
    kept for the audit."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[BlogPost] = fields.ForeignKeyField(
        "haven.BlogPost", related_name="comments", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="blog_comments", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    written_at = fields.DatetimeField(auto_now_add=True)
    hidden_at = fields.DatetimeField(null=True)
    hidden_reason = fields.TextField(default="")

    post_id: int
    author_id: int

    class Meta:
        table = "blog_comments"
        ordering = ("id",)


class BlogCommentReport(Model):
    """Someone signed in thinks a comment on a public entry should not be there."""

    id = fields.IntField(primary_key=True)
    comment: fields.ForeignKeyRelation[BlogComment] = fields.ForeignKeyField(
        "haven.BlogComment", related_name="reports", on_delete=fields.CASCADE
    )
    reporter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="blog_comment_reports", on_delete=fields.CASCADE
    )
    reason = fields.TextField()
    reported_at = fields.DatetimeField()
    settled_at = fields.DatetimeField(null=True, db_index=True)

    comment_id: int
    reporter_id: int

    class Meta:
        table = "blog_comment_reports"
        unique_together = (("comment", "reporter"),)
