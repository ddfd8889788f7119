"""Applications to join a group: the way in, step by step, with their history."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import User
from models.groups import Group


class ApplicationStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    CALL_SCHEDULED = "CALL_SCHEDULED"
    AWAITING_GP = "AWAITING_GP"
    PLACE_OFFERED = "PLACE_OFFERED"
    WAITLISTED = "WAITLISTED"
    JOINED = "JOINED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    OFFER_LAPSED = "OFFER_LAPSED"


OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.CALL_SCHEDULED,
        ApplicationStatus.AWAITING_GP,
        ApplicationStatus.PLACE_OFFERED,
        ApplicationStatus.WAITLISTED,
    }
)


class Application(Model):
    """A member's request for a place in one group.

    ``open_key`` is ``"<group>:<applicant>"`` while the application is open and
    ``None`` once it is closed: its unique index lets the database itself refuse a
    second open application to the same group.

    ``gp_details`` holds the GP's details encrypted (Fernet), never in plain text, and
    so does ``phone``, the number the applicant gave for her screening call.
    """

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "haven.Group", related_name="applications", on_delete=fields.CASCADE
    )
    applicant: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="applications", on_delete=fields.CASCADE
    )
    support_sought = fields.TextField()
    status = fields.CharEnumField(ApplicationStatus, max_length=20)
    open_key = fields.CharField(max_length=40, null=True, unique=True)
    call_at = fields.DatetimeField(null=True)
    phone = fields.TextField(null=True)
    suitable_times = fields.TextField(default="")  # when a call suits her, in her words
    screening_notes = fields.TextField(default="")
    gp_consent_at = fields.DatetimeField(null=True)
    gp_details = fields.TextField(null=True)
    suitable_at = fields.DatetimeField(null=True, db_index=True)
    offer_expires_at = fields.DatetimeField(null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    group_id: int
    applicant_id: int

    class Meta:
        table = "applications"
        ordering = ("id",)
        indexes = (("group_id", "status"), ("applicant_id",))


class ApplicationStep(Model):
    """One step of an application: the status it reached, when, by whom and why."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "haven.Application", related_name="steps", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ApplicationStatus, max_length=20)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="application_steps", null=True, on_delete=fields.SET_NULL
    )
    note = fields.TextField(default="")
    at = fields.DatetimeField(auto_now_add=True)

    application_id: int
    actor_id: int | None

    class Meta:
        table = "application_steps"
        ordering = ("at", "id")


class ProposedCall(Model):
    """A time the facilitator offered for the screening call, for the applicant to take
    (``acceptCallTime``) or to set aside by asking for others."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "haven.Application", related_name="proposed_calls", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    proposed_at = fields.DatetimeField()

    application_id: int

    class Meta:
        table = "proposed_calls"
        ordering = ("at",)
        unique_together = (("application", "at"),)
