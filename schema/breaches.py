"""Breach reports: a member's word that confidentiality was broken, handled as a case."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.permissions import HasRole, IsGroupMember, guard, parse_id
from models import BreachReport as ReportModel
from models import BreachStatus as BreachStatusModel
from models import Role
from resolvers import breaches
from schema.accounts import User
from schema.groups import Group

BreachStatus = strawberry.enum(
    BreachStatusModel,
    name="BreachStatus",
    description="OPEN, then ACKNOWLEDGED, then RESOLVED.",
)
MANAGER = HasRole(Role.ONLINE_MANAGER)


async def _user(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return User.from_model(await info.context.loaders.user.load(user_id))


@strawberry.type(description="What a member reported: it reached every online manager's inbox.")
class BreachReceipt:
    id: strawberry.ID
    received_at: datetime


@strawberry.type(description="A member's report that confidentiality was broken: a case.")
class BreachReport:
    id: strawberry.ID
    status: BreachStatus  # type: ignore[valid-type]
    description: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledgement: str = strawberry.field(description="The note sent to the reporter.")
    resolved_at: datetime | None
    resolution: str = strawberry.field(description="The note sent to the reporter.")
    escalated_at: datetime | None = strawberry.field(
        description="When every online manager was told it waited too long to be acknowledged."
    )
    row: strawberry.Private[ReportModel]

    @classmethod
    def from_model(cls, report: ReportModel) -> BreachReport:
        return cls(
            id=strawberry.ID(str(report.id)),
            status=report.status,
            description=report.description,
            created_at=report.created_at,
            acknowledged_at=report.acknowledged_at,
            acknowledgement=report.acknowledgement,
            resolved_at=report.resolved_at,
            resolution=report.resolution,
            escalated_at=report.escalated_at,
            row=report,
        )

    @strawberry.field(description="The group the report is about.")
    async def group(self, info: Info) -> Group:
        return Group.from_model(await info.context.loaders.group.load(self.row.group_id))

    @strawberry.field
    async def reporter(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.row.reporter_id))

    @strawberry.field(description="The member the report names, if any.")
    async def about(self, info: Info) -> User | None:
        return await _user(info, self.row.about_id)

    @strawberry.field
    async def acknowledged_by(self, info: Info) -> User | None:
        return await _user(info, self.row.acknowledged_by_id)

    @strawberry.field
    async def resolved_by(self, info: Info) -> User | None:
        return await _user(info, self.row.resolved_by_id)


@strawberry.type
class Query:
    @strawberry.field(
        description="Breach reports, newest first, all or those in one status.",
        extensions=guard(MANAGER),
    )
    async def breach_reports(
        self,
        status: BreachStatus | None = None,  # type: ignore[valid-type]
    ) -> list[BreachReport] | None:
        return [BreachReport.from_model(r) for r in await breaches.reports(status)]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Tell the online manager that something said in your group went outside "
        "it, optionally naming the member concerned.",
        extensions=guard(IsGroupMember()),
    )
    async def report_breach(
        self,
        info: Info,
        group_id: strawberry.ID,
        description: str,
        about_member_id: strawberry.ID | None = None,
    ) -> BreachReceipt | None:
        reporter = await info.context.current_user()
        report = await breaches.do_report_breach(
            reporter,
            parse_id(group_id, "groupId"),
            description,
            parse_id(about_member_id, "aboutMemberId") if about_member_id else None,
        )
        return BreachReceipt(id=strawberry.ID(str(report.id)), received_at=report.created_at)

    @strawberry.mutation(
        description="Take an OPEN report on; the note goes to the reporter's inbox.",
        extensions=guard(MANAGER),
    )
    async def acknowledge_breach_report(
        self, info: Info, report_id: strawberry.ID, note: str
    ) -> BreachReport | None:
        report = await breaches.do_acknowledge_report(
            info.context.viewer.user_id, parse_id(report_id, "reportId"), note
        )
        return BreachReport.from_model(report)

    @strawberry.mutation(
        description="Close a report (acknowledging it too if it was OPEN); the note goes to "
        "the reporter's inbox. A resolved report cannot be resolved again.",
        extensions=guard(MANAGER),
    )
    async def resolve_breach_report(
        self, info: Info, report_id: strawberry.ID, note: str
    ) -> BreachReport | None:
        report = await breaches.do_resolve_report(
            info.context.viewer.user_id, parse_id(report_id, "reportId"), note
        )
        return BreachReport.from_model(report)
