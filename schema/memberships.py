"""Memberships: a member's twelve weeks in a group, extended once, ended by leaving or removal."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.access import membership_subject
from auth.permissions import (
    HasRole,
    IsAuthenticated,
    IsGroupFacilitator,
    IsSelf,
    guard,
    parse_id,
    subject_from,
)
from models import Membership as MembershipModel
from models import Role
from resolvers import memberships
from resolvers.settled import SettledMembership
from schema.groups import Group

MEMBERSHIP = subject_from(membership_subject, "membership_id", "membership")


@strawberry.type(description="A member's place in a group for twelve weeks, extendable once.")
class Membership:
    id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    extended: bool
    ended_at: datetime | None
    end_reason: str | None
    group_id: strawberry.Private[int]
    user_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, membership: MembershipModel) -> Membership:
        return cls(
            id=strawberry.ID(str(membership.id)),
            starts_at=membership.starts_at,
            ends_at=membership.ends_at,
            extended=membership.extended,
            ended_at=membership.ended_at,
            end_reason=membership.end_reason or None,
            group_id=membership.group_id,
            user_id=membership.user_id,
        )

    @classmethod
    def settled(cls, info: Info, settled: SettledMembership) -> Membership:
        """A committed change's answer, whose fields show what its transaction read."""
        info.context.loaders.prime_membership(settled)
        return cls.from_model(settled.membership)

    @strawberry.field
    async def group(self, info: Info) -> Group:
        return Group.from_model(await info.context.loaders.group.load(self.group_id))


@strawberry.type
class Query:
    @strawberry.field(
        description="The signed-in member's memberships, current and past.",
        extensions=guard(IsAuthenticated()),
    )
    async def my_memberships(self, info: Info) -> list[Membership] | None:
        found = await info.context.loaders.memberships_of_user.load(info.context.viewer.user_id)
        return [Membership.from_model(m) for m in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Stay twelve more weeks. A membership can be extended once.",
        extensions=guard(IsSelf(), subject=MEMBERSHIP),
    )
    async def extend_membership(
        self, info: Info, membership_id: strawberry.ID
    ) -> Membership | None:
        settled = await memberships.do_extend(
            info.context.viewer.user_id, parse_id(membership_id, "membershipId")
        )
        return Membership.settled(info, settled)

    @strawberry.mutation(
        description="Leave the group; the place goes to the next person waiting.",
        extensions=guard(IsSelf(), subject=MEMBERSHIP),
    )
    async def leave_group(self, info: Info, membership_id: strawberry.ID) -> Membership | None:
        settled = await memberships.do_leave(
            info.context.viewer.user_id, parse_id(membership_id, "membershipId")
        )
        return Membership.settled(info, settled)

    @strawberry.mutation(
        description="End a member's membership, with the reason they will be told.",
        extensions=guard(IsGroupFacilitator(), HasRole(Role.ONLINE_MANAGER), subject=MEMBERSHIP),
    )
    async def remove_member(
        self, info: Info, membership_id: strawberry.ID, reason: str
    ) -> Membership | None:
        settled = await memberships.do_remove(
            info.context.viewer.user_id, parse_id(membership_id, "membershipId"), reason
        )
        return Membership.settled(info, settled)
