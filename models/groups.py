"""Support groups, the needs they serve, and the people in them."""

from __future__ import annotations

from datetime import time
from enum import IntEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.accounts import User

if TYPE_CHECKING:
    from models.applications import Application

MAX_CAPACITY = 8
SESSION_MINUTES = 60
GROUP_TIMEZONE = "Europe/London"


class Need(Model):
    """What a group is for: living with cancer, caring for someone, bereavement, …"""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    description = fields.TextField(default="")

    class Meta:
        table = "needs"
        ordering = ("name",)


class Group(Model):
    """A closed group of at most eight members meeting weekly with one facilitator.

    ``weekday`` (0 is Monday) and ``start_minute`` (minutes after midnight) are
    wall-clock time in Europe/London, so a group keeps meeting at 19:00 through the
    clock changes.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    need: fields.ForeignKeyRelation[Need] = fields.ForeignKeyField(
        "haven.Need", related_name="groups", on_delete=fields.RESTRICT
    )
    description = fields.TextField(default="")
    facilitator: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="facilitated_groups", on_delete=fields.RESTRICT
    )
    weekday = fields.SmallIntField()
    start_minute = fields.SmallIntField()
    duration_minutes = fields.SmallIntField(default=SESSION_MINUTES)
    capacity = fields.SmallIntField(default=MAX_CAPACITY)
    open_for_applications = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    need_id: int
    facilitator_id: int

    class Meta:
        table = "groups"
        ordering = ("id",)
        indexes = (("facilitator_id",),)

    @property
    def start_time(self) -> time:
        return time(self.start_minute // 60, self.start_minute % 60)


class Membership(Model):
    """A member's place in a group, from ``starts_at`` until ``ends_at`` or an earlier end."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "haven.Group", related_name="memberships", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="memberships", on_delete=fields.CASCADE
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    extended = fields.BooleanField(default=False)
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=20, default="")
    application: fields.ForeignKeyNullableRelation[Application] = fields.ForeignKeyField(
        "haven.Application", related_name="memberships", null=True, on_delete=fields.SET_NULL
    )

    group_id: int
    user_id: int
    application_id: int | None

    class Meta:
        table = "memberships"
        ordering = ("starts_at", "id")
        # A group's members and a person's groups are read on nearly every request.
        indexes = (("group_id", "starts_at"), ("user_id", "starts_at"))


class Weekday(IntEnum):
    """The day a group meets; stored as Python's ``date.weekday()`` number."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6
