"""Specialist groups: questions asked of the service's specialists, answered in days."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"  # anyone may read it, signed in or not
    PRIVATE = "PRIVATE"  # the asker and the group's specialists only


class SpecialistGroup(Model):
    """A subject (benefits and money, nutrition, side effects) and its specialists."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "specialist_groups"
        ordering = ("name",)


class SpecialistSeat(Model):
    """A specialist answering in a group."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[SpecialistGroup] = fields.ForeignKeyField(
        "haven.SpecialistGroup", related_name="seats", on_delete=fields.CASCADE
    )
    specialist: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="specialist_seats", on_delete=fields.CASCADE
    )

    group_id: int
    specialist_id: int

    class Meta:
        table = "specialist_seats"
        unique_together = (("group", "specialist"),)


class SpecialistQuestion(Model):
    """A question to a group's specialists, to be answered by ``answer_by`` (two working
    days); ``overdue_told_at`` is when the specialists and the online manager were told
    it was not, once."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[SpecialistGroup] = fields.ForeignKeyField(
        "haven.SpecialistGroup", related_name="questions", on_delete=fields.CASCADE
    )
    asker: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="specialist_questions", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    visibility = fields.CharEnumField(Visibility, max_length=10)
    asked_at = fields.DatetimeField()
    answer_by = fields.DatetimeField(db_index=True)
    answered_at = fields.DatetimeField(null=True)
    overdue_told_at = fields.DatetimeField(null=True)

    group_id: int
    asker_id: int

    class Meta:
        table = "specialist_questions"


class SpecialistAnswer(Model):
    id = fields.IntField(primary_key=True)
    question: fields.ForeignKeyRelation[SpecialistQuestion] = fields.ForeignKeyField(
        "haven.SpecialistQuestion", related_name="answers", on_delete=fields.CASCADE
    )
    specialist: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="specialist_answers", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    answered_at = fields.DatetimeField()

    question_id: int
    specialist_id: int

    class Meta:
        table = "specialist_answers"
        ordering = ("answered_at", "id")
