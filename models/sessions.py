"""Weekly sessions, what is said in them, and who is present."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import User
from models.groups import Group


class SessionStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    LIVE = "LIVE"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


class GroupSession(Model):
    """One meeting of a group: generated from its weekly schedule, or added as a one-off.

    ``last_sequence`` numbers the session's messages 1, 2, 3…: clients that missed
    some (a reconnection, a restart) ask for those after the last number they saw.
    """

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "haven.Group", related_name="sessions", on_delete=fields.CASCADE
    )
    starts_at = fields.DatetimeField()
    duration_minutes = fields.SmallIntField(default=60)
    status = fields.CharEnumField(SessionStatus, max_length=12, default=SessionStatus.SCHEDULED)
    one_off = fields.BooleanField(default=False)
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    last_sequence = fields.IntField(default=0)

    group_id: int

    class Meta:
        table = "group_sessions"
        unique_together = (("group", "starts_at"),)
        ordering = ("starts_at", "id")


class SessionMessage(Model):
    """Something said in a session. The messages of an ended session are its transcript.

    A message the facilitator redacts loses its ``body`` for every reader; the original
    is kept only in ``sealed_body``, encrypted, as evidence for the audit.
    """

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[GroupSession] = fields.ForeignKeyField(
        "haven.GroupSession", related_name="messages", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="session_messages", on_delete=fields.CASCADE
    )
    sequence = fields.IntField()
    body = fields.TextField()
    sent_at = fields.DatetimeField(auto_now_add=True)
    redacted_at = fields.DatetimeField(null=True)
    redacted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="messages_redacted", null=True, on_delete=fields.SET_NULL
    )
    sealed_body = fields.TextField(null=True)

    session_id: int
    author_id: int
    redacted_by_id: int | None

    class Meta:
        table = "session_messages"
        unique_together = (("session", "sequence"),)
        ordering = ("session_id", "sequence")


class SessionPresence(Model):
    """A client following a live session: a row per open subscription, in any process.

    ``seen_at`` is refreshed while the subscription lives; rows a crashed process left
    behind stop counting once they are stale.
    """

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[GroupSession] = fields.ForeignKeyField(
        "haven.GroupSession", related_name="presence", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="presence", on_delete=fields.CASCADE
    )
    seen_at = fields.DatetimeField()

    session_id: int
    user_id: int

    class Meta:
        table = "session_presence"
