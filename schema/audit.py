"""The audit log, for the online manager alone."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.permissions import HasRole, guard
from models import AuditEntry as EntryModel
from models import Role
from resolvers import audit
from schema.accounts import User
from schema.pagination import Connection, check_first, connection, decode_cursor


@strawberry.type(description="One audited act: who read or changed what, and when.")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    action: str
    subject_type: str
    subject_id: strawberry.ID | None
    group_id: strawberry.ID | None
    detail: str
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, entry: EntryModel) -> AuditEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            at=entry.at,
            action=entry.action,
            subject_type=entry.subject_type,
            subject_id=strawberry.ID(str(entry.subject_id)) if entry.subject_id else None,
            group_id=strawberry.ID(str(entry.group_id)) if entry.group_id else None,
            detail=entry.detail,
            actor_id=entry.actor_id,
        )

    @strawberry.field(description="Who did it; null for the service itself.")
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        return User.from_model(await info.context.loaders.user.load(self.actor_id))


@strawberry.type
class Query:
    @strawberry.field(
        description="The audit log, newest first.", extensions=guard(HasRole(Role.ONLINE_MANAGER))
    )
    async def audit_log(
        self, first: int = 50, after: str | None = None
    ) -> Connection[AuditEntry] | None:
        first = check_first(first)
        rows = await audit.audit_page(decode_cursor(after), first + 1)
        return connection(rows, first, lambda e: e.id, AuditEntry.from_model, after)
