"""Private conversations between sessions: threads of posts within a group, or shared."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.accounts import User
from models.groups import Group


class Conversation(Model):
    """A thread in a group's conversations, or in the area all groups share.

    A group's threads are its current members' and its facilitator's. Threads with no
    group form the shared area of every current member of any group and every
    facilitator.
    """

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyNullableRelation[Group] = fields.ForeignKeyField(
        "haven.Group", related_name="conversations", null=True, on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    started_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="conversations_started", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_post_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    group_id: int | None
    started_by_id: int

    class Meta:
        table = "conversations"
        ordering = ("-last_post_at", "-id")


class Post(Model):
    """A post in a conversation.

    A deleted post loses its text. A post the facilitator hides keeps its text for the
    audit, and readers see only that it was hidden.
    """

    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "haven.Conversation", related_name="posts", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="posts", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    hidden_at = fields.DatetimeField(null=True)
    hidden_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="posts_hidden", null=True, on_delete=fields.SET_NULL
    )

    conversation_id: int
    author_id: int

    class Meta:
        table = "posts"
        ordering = ("id",)
        indexes = (("conversation_id", "id"),)
