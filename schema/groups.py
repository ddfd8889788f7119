"""Support groups: the public listing and the online manager's changes."""

from __future__ import annotations

from datetime import datetime, time

import strawberry
from strawberry.types import Info

from auth.permissions import (
    HasRole,
    IsAuthenticated,
    IsGroupFacilitator,
    IsGroupMember,
    guard,
    parse_id,
    public,
)
from models import GROUP_TIMEZONE, Role
from models import Group as GroupModel
from models import Need as NeedModel
from models import Weekday as WeekdayModel
from resolvers import groups, places
from resolvers.groups import GROUPS_PAGE
from schema.accounts import User
from schema.pagination import check_first
from schema.sessions import GroupSession

Weekday = strawberry.enum(WeekdayModel, name="Weekday", description="A day of the week.")

MANAGER = HasRole(Role.ONLINE_MANAGER)


@strawberry.type(description="What a group is for, such as living with cancer or bereavement.")
class Need:
    id: strawberry.ID
    name: str
    description: str

    @classmethod
    def from_model(cls, need: NeedModel) -> Need:
        return cls(id=strawberry.ID(str(need.id)), name=need.name, description=need.description)


@strawberry.type(description="A closed support group meeting weekly with a clinical psychologist.")
class Group:
    id: strawberry.ID
    name: str
    description: str
    weekday: Weekday  # type: ignore[valid-type]
    start_time: time = strawberry.field(description="Wall-clock start time in `timezone`.")
    duration_minutes: int
    timezone: str
    capacity: int
    open_for_applications: bool
    group_id: strawberry.Private[int]
    need_id: strawberry.Private[int]
    facilitator_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, group: GroupModel) -> Group:
        return cls(
            id=strawberry.ID(str(group.id)),
            name=group.name,
            description=group.description,
            weekday=WeekdayModel(group.weekday),
            start_time=group.start_time,
            duration_minutes=group.duration_minutes,
            timezone=GROUP_TIMEZONE,
            capacity=group.capacity,
            open_for_applications=group.open_for_applications,
            group_id=group.id,
            need_id=group.need_id,
            facilitator_id=group.facilitator_id,
        )

    @strawberry.field(description="The name of the need the group serves.")
    async def need(self, info: Info) -> str:
        return (await info.context.loaders.need.load(self.need_id)).name

    @strawberry.field(description="The need the group serves, with its description.")
    async def need_details(self, info: Info) -> Need:
        return Need.from_model(await info.context.loaders.need.load(self.need_id))

    @strawberry.field(description="The clinical psychologist who runs the group.")
    async def facilitator(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.facilitator_id))

    @strawberry.field(description="Places free now: capacity less members and open offers.")
    async def places_left(self, info: Info) -> int:
        loaders = info.context.loaders
        members = await loaders.member_count.load(self.group_id)
        offers = await loaders.open_offer_count.load(self.group_id)
        return places.places_left(self.capacity, members, offers)

    @strawberry.field(description="How many suitable applicants are waiting for a place.")
    async def waiting_list_length(self, info: Info) -> int:
        return len(await info.context.loaders.waiting_list.load(self.group_id))

    @strawberry.field(description="When the group next meets (UTC).")
    def next_meeting_at(self) -> datetime:
        return groups.next_meeting(self.weekday.value, self.start_time)

    @strawberry.field(
        description="Sessions held, and at least the next four from the weekly schedule; "
        "with `after` or `before`, those starting from `after` and before `before` (this "
        'week\'s: `after: "2026-07-06T00:00", before: "2026-07-13T00:00"`).',
        extensions=guard(IsGroupMember(), IsGroupFacilitator(), MANAGER),
    )
    async def sessions(
        self, info: Info, after: datetime | None = None, before: datetime | None = None
    ) -> list[GroupSession] | None:
        found = await info.context.loaders.sessions.load(self.group_id)
        return [
            GroupSession.from_model(s)
            for s in found
            if (after is None or s.starts_at >= after) and (before is None or s.starts_at < before)
        ]

    @strawberry.field(
        description="The group's current members: visible to them, its facilitator and the "
        "online manager only.",
        extensions=guard(IsGroupMember(), IsGroupFacilitator(), MANAGER),
    )
    async def members(self, info: Info) -> list[User] | None:
        return [User.from_model(u) for u in await info.context.loaders.members.load(self.group_id)]


@strawberry.input
class CreateGroupInput:
    name: str
    need: str = strawberry.field(description="The name of one of the needs.")
    description: str = ""
    facilitator_id: strawberry.ID
    weekday: Weekday  # type: ignore[valid-type]
    start_time: time = strawberry.field(description="Wall-clock start time in Europe/London.")
    capacity: int = 8
    open_for_applications: bool = True


@strawberry.input(description="The fields to change; those left out stay as they are.")
class UpdateGroupInput:
    name: str | None = None
    need: str | None = None
    description: str | None = None
    facilitator_id: strawberry.ID | None = None
    weekday: Weekday | None = None  # type: ignore[valid-type]
    start_time: time | None = None
    capacity: int | None = None
    open_for_applications: bool | None = None


def draft_from(input: CreateGroupInput | UpdateGroupInput) -> groups.GroupDraft:
    return groups.GroupDraft(
        name=input.name,
        need=input.need,
        description=input.description,
        facilitator_id=(
            parse_id(input.facilitator_id, "facilitatorId")
            if input.facilitator_id is not None
            else None
        ),
        weekday=input.weekday,
        start_time=input.start_time,
        capacity=input.capacity,
        open_for_applications=input.open_for_applications,
    )


@strawberry.type
class Query:
    @strawberry.field(description="The needs groups serve.", extensions=public())
    async def needs(self) -> list[Need] | None:
        return [Need.from_model(n) for n in await NeedModel.all()]

    @strawberry.field(
        description="The groups, optionally only those for one need or taking applications, "
        "in the order they were made: `first` of them (1 to 100, 50 unless asked), after the "
        "group `after` names. For the next page, pass the last id you received.",
        extensions=public(),
    )
    async def groups(
        self,
        need: str | None = None,
        open_for_applications: bool | None = None,
        first: int = GROUPS_PAGE,
        after: strawberry.ID | None = None,
    ) -> list[Group] | None:
        page = await groups.list_groups(
            need,
            open_for_applications,
            check_first(first),
            parse_id(after, "after") if after is not None else None,
        )
        return [Group.from_model(g) for g in page]

    @strawberry.field(
        description="The groups you facilitate or belong to now, by name.",
        extensions=guard(IsAuthenticated()),
    )
    async def my_groups(self, info: Info) -> list[Group] | None:
        return [Group.from_model(g) for g in await groups.my_groups(info.context.viewer.user_id)]

    @strawberry.field(extensions=public())
    async def group(self, id: strawberry.ID) -> Group | None:
        return Group.from_model(await groups.get_group(parse_id(id)))


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=guard(MANAGER))
    async def create_group(self, input: CreateGroupInput) -> Group | None:
        return Group.from_model(await groups.do_create_group(draft_from(input)))

    @strawberry.mutation(extensions=guard(MANAGER))
    async def update_group(self, id: strawberry.ID, input: UpdateGroupInput) -> Group | None:
        return Group.from_model(await groups.do_update_group(parse_id(id), draft_from(input)))

    @strawberry.mutation(description="Add a need groups can serve.", extensions=guard(MANAGER))
    async def create_need(self, name: str, description: str = "") -> Need | None:
        return Need.from_model(await groups.do_create_need(name, description))
