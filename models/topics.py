"""Public Conversations: topics anyone can read, in categories, with replies."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class TopicCategory(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    description = fields.TextField(default="")

    class Meta:
        table = "topic_categories"
        ordering = ("name",)


class Topic(Model):
    """A conversation anyone may read. ``locked_at`` closes it to new replies."""

    id = fields.IntField(primary_key=True)
    category: fields.ForeignKeyRelation[TopicCategory] = fields.ForeignKeyField(
        "haven.TopicCategory", related_name="topics", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="topics", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    started_at = fields.DatetimeField()
    last_post_at = fields.DatetimeField(db_index=True)
    locked_at = fields.DatetimeField(null=True)
    lock_reason = fields.TextField(default="")

    category_id: int
    author_id: int

    class Meta:
        table = "topics"


class TopicPost(Model):
    """A topic's opening post or a reply. A hidden post (by a moderator, with a reason
    kept for the audit) is shown to nobody and found by no search."""

    id = fields.IntField(primary_key=True)
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "haven.Topic", related_name="posts", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="topic_posts", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    posted_at = fields.DatetimeField()
    edited_at = fields.DatetimeField(null=True)
    hidden_at = fields.DatetimeField(null=True, db_index=True)
    hidden_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="hidden_topic_posts", null=True, on_delete=fields.SET_NULL
    )
    hidden_reason = fields.TextField(default="")

    topic_id: int
    author_id: int

    class Meta:
        table = "topic_posts"
        indexes = (("topic_id", "id"), ("author_id", "hidden_at"))


class PostReport(Model):
    """Someone signed in thinks a public post should not be there."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[TopicPost] = fields.ForeignKeyField(
        "haven.TopicPost", related_name="reports", on_delete=fields.CASCADE
    )
    reporter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="post_reports", on_delete=fields.CASCADE
    )
    reason = fields.TextField()
    reported_at = fields.DatetimeField()
    settled_at = fields.DatetimeField(null=True, db_index=True)

    post_id: int
    reporter_id: int

    class Meta:
        table = "post_reports"
        unique_together = (("post", "reporter"),)
