"""Breach reports from members, and facilitators' safeguarding concerns."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import User
from models.groups import Group
from models.sessions import GroupSession


class BreachStatus(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


class BreachReport(Model):
    """A member's report that something said in a group went outside it.

    It is a case: the online manager acknowledges it, then resolves it, and the reporter
    is told of each step. ``escalated_at`` is set once, when a report waited too long to
    be acknowledged and every online manager was told.
    """

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "haven.Group", related_name="breach_reports", on_delete=fields.CASCADE
    )
    reporter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="breach_reports_made", on_delete=fields.CASCADE
    )
    about: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="breach_reports_about", null=True, on_delete=fields.SET_NULL
    )
    description = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    status = fields.CharEnumField(BreachStatus, max_length=16, default=BreachStatus.OPEN)
    acknowledged_at = fields.DatetimeField(null=True)
    acknowledged_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User",
        related_name="breach_reports_acknowledged",
        null=True,
        on_delete=fields.SET_NULL,
    )
    acknowledgement = fields.TextField(default="")
    resolved_at = fields.DatetimeField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User",
        related_name="breach_reports_resolved",
        null=True,
        on_delete=fields.SET_NULL,
    )
    resolution = fields.TextField(default="")
    escalated_at = fields.DatetimeField(null=True)

    group_id: int
    reporter_id: int
    about_id: int | None
    acknowledged_by_id: int | None
    resolved_by_id: int | None

    class Meta:
        table = "breach_reports"


class Severity(StrEnum):
    LOW = "LOW"
    MODERATE = "MODERATE"
    HIGH = "HIGH"
    IMMEDIATE = "IMMEDIATE"


class ConcernStatus(StrEnum):
    OPEN = "OPEN"
    ACTION_TAKEN = "ACTION_TAKEN"
    CLOSED = "CLOSED"


class SafeguardingConcern(Model):
    """A facilitator's record that someone may be at risk of significant harm."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "haven.Group", related_name="concerns", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="concerns_about", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyNullableRelation[GroupSession] = fields.ForeignKeyField(
        "haven.GroupSession", related_name="concerns", null=True, on_delete=fields.SET_NULL
    )
    raised_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="concerns_raised", on_delete=fields.CASCADE
    )
    severity = fields.CharEnumField(Severity, max_length=12)
    summary = fields.TextField()
    action_taken = fields.TextField(default="")
    discussed_with_member = fields.BooleanField(default=False)
    professional_contacted = fields.BooleanField(default=False)
    status = fields.CharEnumField(ConcernStatus, max_length=16, default=ConcernStatus.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    group_id: int
    member_id: int
    session_id: int | None
    raised_by_id: int

    class Meta:
        table = "safeguarding_concerns"
        ordering = ("-id",)
