"""The audit log: who read or changed what confidential thing, and when. Append-only."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class AuditEntry(Model):
    """One audited act. Entries are written once and never changed or deleted."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=60)
    subject_type = fields.CharField(max_length=40)
    subject_id = fields.IntField(null=True)
    group_id = fields.IntField(null=True)
    detail = fields.TextField(default="")

    actor_id: int | None

    class Meta:
        table = "audit_log"
        ordering = ("-id",)

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise PermissionError("the audit log is append-only")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError("the audit log is append-only")
