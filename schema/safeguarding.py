"""Safeguarding concerns: seen by the group's facilitator and the online manager alone."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.access import concern_subject
from auth.permissions import (
    HasRole,
    IsGroupFacilitator,
    guard,
    parse_id,
    subject_from,
)
from models import ConcernStatus as ConcernStatusModel
from models import Role
from models import SafeguardingConcern as ConcernModel
from models import Severity as SeverityModel
from resolvers import safeguarding
from schema.accounts import User

Severity = strawberry.enum(SeverityModel, name="Severity", description="How grave the risk is.")
ConcernStatus = strawberry.enum(
    ConcernStatusModel,
    name="ConcernStatus",
    description="OPEN, then ACTION_TAKEN, then CLOSED; a closed concern may be reopened.",
)
CONCERN = subject_from(concern_subject, "concern_id", "concern")
MANAGER = HasRole(Role.ONLINE_MANAGER)


@strawberry.type(description="A record that someone may be at risk of significant harm.")
class SafeguardingConcern:
    id: strawberry.ID
    severity: Severity  # type: ignore[valid-type]
    summary: str
    action_taken: str
    discussed_with_member: bool
    professional_contacted: bool
    status: ConcernStatus  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    session_id: strawberry.ID | None
    member_id: strawberry.Private[int]
    raised_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, concern: ConcernModel) -> SafeguardingConcern:
        return cls(
            id=strawberry.ID(str(concern.id)),
            severity=concern.severity,
            summary=concern.summary,
            action_taken=concern.action_taken,
            discussed_with_member=concern.discussed_with_member,
            professional_contacted=concern.professional_contacted,
            status=concern.status,
            created_at=concern.created_at,
            updated_at=concern.updated_at,
            session_id=strawberry.ID(str(concern.session_id)) if concern.session_id else None,
            member_id=concern.member_id,
            raised_by_id=concern.raised_by_id,
        )

    @strawberry.field
    async def member(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.member_id))

    @strawberry.field
    async def raised_by(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.raised_by_id))


@strawberry.input(description="What changed; fields left out stay as they are.")
class ConcernUpdate:
    status: ConcernStatus | None = None  # type: ignore[valid-type]
    severity: Severity | None = None  # type: ignore[valid-type]
    action_taken: str | None = None
    discussed_with_member: bool | None = None
    professional_contacted: bool | None = None


@strawberry.type
class Query:
    @strawberry.field(
        description="A group's safeguarding concerns, for its facilitator and the online "
        "manager. Every viewing is audited.",
        extensions=guard(IsGroupFacilitator(), MANAGER),
    )
    async def safeguarding_concerns(
        self, info: Info, group_id: strawberry.ID
    ) -> list[SafeguardingConcern] | None:
        found = await safeguarding.concerns_of(
            info.context.viewer.user_id, parse_id(group_id, "groupId")
        )
        return [SafeguardingConcern.from_model(c) for c in found]

    @strawberry.field(
        description="One safeguarding concern, as an inbox notice links to it. Audited.",
        extensions=guard(IsGroupFacilitator(), MANAGER, subject=CONCERN),
    )
    async def safeguarding_concern(
        self, info: Info, concern_id: strawberry.ID
    ) -> SafeguardingConcern | None:
        concern = await safeguarding.concern_of(
            info.context.viewer.user_id, parse_id(concern_id, "concernId")
        )
        return SafeguardingConcern.from_model(concern)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a belief that a member may be at risk of significant harm. Every "
        "online manager (and the group's facilitator) is told at once.",
        extensions=guard(IsGroupFacilitator(), MANAGER),
    )
    async def raise_safeguarding_concern(
        self,
        info: Info,
        member_id: strawberry.ID,
        group_id: strawberry.ID,
        severity: Severity,  # type: ignore[valid-type]
        summary: str,
        action_taken: str = "",
        session_id: strawberry.ID | None = None,
        discussed_with_member: bool = False,
        professional_contacted: bool = False,
    ) -> SafeguardingConcern | None:
        concern = await safeguarding.do_raise_concern(
            info.context.viewer.user_id,
            parse_id(member_id, "memberId"),
            parse_id(group_id, "groupId"),
            parse_id(session_id, "sessionId") if session_id else None,
            safeguarding.ConcernDraft(
                severity=severity,
                summary=summary,
                action_taken=action_taken,
                discussed_with_member=discussed_with_member,
                professional_contacted=professional_contacted,
            ),
        )
        return SafeguardingConcern.from_model(concern)

    @strawberry.mutation(extensions=guard(IsGroupFacilitator(), MANAGER, subject=CONCERN))
    async def update_safeguarding_concern(
        self, info: Info, concern_id: strawberry.ID, update: ConcernUpdate
    ) -> SafeguardingConcern | None:
        concern = await safeguarding.do_update_concern(
            info.context.viewer.user_id,
            parse_id(concern_id, "concernId"),
            safeguarding.ConcernDraft(**vars(update)),
        )
        return SafeguardingConcern.from_model(concern)
