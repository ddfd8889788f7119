"""Applications: the way into a group, step by step, and the GP details kept on the way."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.access import application_subject
from auth.gp_details import GPDetails as SealedDetails
from auth.permissions import (
    ForOwnGroups,
    HasRole,
    IsAuthenticated,
    IsGroupFacilitator,
    IsSelf,
    guard,
    parse_id,
    subject_from,
)
from models import Application as ApplicationModel
from models import ApplicationStatus as ApplicationStatusModel
from models import ApplicationStep as StepModel
from models import Role
from resolvers import applications, calls, live, memberships
from resolvers.settled import SettledApplication
from schema.accounts import User
from schema.groups import Group
from schema.memberships import Membership
from schema.scalars import readable

ApplicationStatus = strawberry.enum(
    ApplicationStatusModel, name="ApplicationStatus", description="Where an application stands."
)
APPLICATION = subject_from(application_subject, "application_id", "application")
APPLICATION_BY_ID = subject_from(application_subject, "id", "application")
MANAGER = HasRole(Role.ONLINE_MANAGER)
STAFF_OF_GROUP = (IsGroupFacilitator(), MANAGER)


@strawberry.type(description="A GP's details, as the applicant gave them.")
class GPDetails:
    practice_name: str
    gp_name: str
    address: str
    phone: str


@strawberry.input
class GPDetailsInput:
    practice_name: str
    gp_name: str
    address: str
    phone: str


@strawberry.type(description="One step of an application: what it became, when and by whom.")
class ApplicationStep:
    status: ApplicationStatus  # type: ignore[valid-type]
    at: datetime
    note: str
    actor_id: strawberry.Private[int | None]

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        return User.from_model(await info.context.loaders.user.load(self.actor_id))


@strawberry.type(description="A member's request for a place in a group.")
class Application:
    id: strawberry.ID
    status: ApplicationStatus  # type: ignore[valid-type]
    support_sought: str
    call_at: datetime | None
    offer_expires_at: datetime | None
    submitted_at: datetime
    gp_consent_at: datetime | None
    model: strawberry.Private[ApplicationModel]
    user_id: strawberry.Private[int]
    group_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, application: ApplicationModel) -> Application:
        return cls(
            id=strawberry.ID(str(application.id)),
            status=application.status,
            support_sought=application.support_sought,
            call_at=application.call_at,
            offer_expires_at=application.offer_expires_at,
            submitted_at=application.created_at,
            gp_consent_at=application.gp_consent_at,
            model=application,
            user_id=application.applicant_id,
            group_id=application.group_id,
        )

    @classmethod
    def settled(cls, info: Info, settled: SettledApplication) -> Application:
        """A committed step's answer, whose fields show what its transaction read."""
        info.context.loaders.prime_application(settled)
        return cls.from_model(settled.application)

    @strawberry.field(description="When the telephone chat is, as London clocks show it.")
    def call_at_local(self) -> str | None:
        return readable(self.call_at) if self.call_at else None

    @strawberry.field
    async def group(self, info: Info) -> Group:
        return Group.from_model(await info.context.loaders.group.load(self.group_id))

    @strawberry.field
    async def applicant(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.user_id))

    @strawberry.field(description="1 for the first in line; null when not on the waiting list.")
    async def waiting_list_position(self, info: Info) -> int | None:
        waiting = await info.context.loaders.waiting_list.load(self.group_id)
        return waiting.index(self.model.id) + 1 if self.model.id in waiting else None

    @strawberry.field(description="Every step so far, oldest first.")
    async def history(self, info: Info) -> list[ApplicationStep]:
        steps: list[StepModel] = await info.context.loaders.steps.load(self.model.id)
        return [
            ApplicationStep(status=s.status, at=s.at, note=s.note, actor_id=s.actor_id)
            for s in steps
        ]

    @strawberry.field(description="The membership this application led to, once joined.")
    async def membership(self, info: Info) -> Membership | None:
        found = await info.context.loaders.membership_of_application.load(self.model.id)
        return Membership.from_model(found) if found else None

    @strawberry.field(
        description="The applicant's GP. Encrypted at rest; every read by staff is audited.",
        extensions=guard(IsSelf(), *STAFF_OF_GROUP),
    )
    async def gp_details(self, info: Info) -> GPDetails | None:
        viewer = info.context.viewer
        details = await applications.read_gp_details(
            viewer.user_id, info.context.settings.gp_details_keys, self.model, viewer.is_staff
        )
        return GPDetails(**vars(details)) if details else None

    @strawberry.field(
        description=(
            "The number to call for the screening chat. Encrypted at rest; every read by "
            "staff is audited."
        ),
        extensions=guard(IsSelf(), *STAFF_OF_GROUP),
    )
    async def phone(self, info: Info) -> str | None:
        viewer = info.context.viewer
        return await calls.read_phone(
            viewer.user_id, info.context.settings.gp_details_keys, self.model, viewer.is_staff
        )

    @strawberry.field(
        description="When a call suits the applicant, in her words.",
        extensions=guard(IsSelf(), *STAFF_OF_GROUP),
    )
    def suitable_times(self) -> str | None:
        return self.model.suitable_times

    @strawberry.field(
        description="Times the facilitator proposed for the call, for the applicant to choose.",
        extensions=guard(IsSelf(), *STAFF_OF_GROUP),
    )
    async def proposed_call_times(self, info: Info) -> list[datetime] | None:
        return await info.context.loaders.proposed_calls.load(self.model.id)

    @strawberry.field(
        description="The facilitator's notes from the screening call.",
        extensions=guard(*STAFF_OF_GROUP),
    )
    def screening_notes(self) -> str | None:
        return self.model.screening_notes


def signed_in(info: Info) -> int:
    user_id = info.context.viewer.user_id
    assert user_id is not None, "guarded"
    return user_id


async def applications_page(
    info: Info,
    group_id: strawberry.ID | None,
    status: ApplicationStatus | None,  # type: ignore[valid-type]
    first: int,
    after: strawberry.ID | None,
) -> list[Application]:
    """A page of the applications the reader may review, narrowed as asked."""
    group = parse_id(group_id, "groupId") if group_id is not None else None
    start = parse_id(after, "after") if after is not None else None
    found = await applications.applications_to_review(
        group, status, info.context.viewer, first, start
    )
    return [Application.from_model(a) for a in found]


@strawberry.type
class Query:
    @strawberry.field(
        description="The signed-in member's applications, newest first.",
        extensions=guard(IsAuthenticated()),
    )
    async def my_applications(self, info: Info) -> list[Application] | None:
        return [
            Application.from_model(a) for a in await applications.applications_of(signed_in(info))
        ]

    @strawberry.field(extensions=guard(IsSelf(), *STAFF_OF_GROUP, subject=APPLICATION_BY_ID))
    async def application(self, id: strawberry.ID) -> Application | None:
        return Application.from_model(await applications.get_application(parse_id(id)))

    @strawberry.field(
        description="A group's applications, oldest first; with no group named, those of "
        "every group you facilitate (the online manager: of every group). `first` (1 to "
        "100) at a time: for the next page pass the last `id` as `after`.",
        extensions=guard(*STAFF_OF_GROUP, ForOwnGroups()),
    )
    async def applications_to_review(
        self,
        info: Info,
        group_id: strawberry.ID | None = None,
        status: ApplicationStatus | None = None,  # type: ignore[valid-type]
        first: int = 50,
        after: strawberry.ID | None = None,
    ) -> list[Application] | None:
        return await applications_page(info, group_id, status, first, after)

    @strawberry.field(
        description="Every group's applications, oldest first, for the online manager's "
        "overview: narrowed by `status` and `groupId`, `first` (1 to 100) at a time; for "
        "the next page pass the last `id` as `after`.",
        extensions=guard(MANAGER),
    )
    async def applications(
        self,
        info: Info,
        status: ApplicationStatus | None = None,  # type: ignore[valid-type]
        group_id: strawberry.ID | None = None,
        first: int = 50,
        after: strawberry.ID | None = None,
    ) -> list[Application] | None:
        # The online manager: every group is hers to read
        return await applications_page(info, group_id, status, first, after)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Ask for a place in a group.", extensions=guard(HasRole(Role.MEMBER))
    )
    async def apply_to_group(
        self,
        info: Info,
        group_id: strawberry.ID,
        support_sought: str,
        phone: str | None = None,
        suitable_times: str | None = None,
    ) -> Application | None:
        settled = await applications.do_apply(
            signed_in(info),
            parse_id(group_id, "groupId"),
            support_sought,
            phone=phone,
            suitable_times=suitable_times,
            keys=info.context.settings.gp_details_keys,
        )
        return Application.settled(info, settled)

    @strawberry.mutation(
        description=(
            "Facilitator: offer the applicant times for the telephone chat, to choose one "
            "with `acceptCallTime`; replaces times offered before."
        ),
        extensions=guard(*STAFF_OF_GROUP, subject=APPLICATION),
    )
    async def propose_call_times(
        self, info: Info, application_id: strawberry.ID, times: list[datetime], note: str = ""
    ) -> Application | None:
        settled = await calls.do_propose_call_times(
            signed_in(info), parse_id(application_id, "applicationId"), times, note
        )
        return Application.settled(info, settled)

    @strawberry.mutation(
        description="Applicant: take one of the times proposed; the call is arranged for it.",
        extensions=guard(IsSelf(), subject=APPLICATION),
    )
    async def accept_call_time(
        self, info: Info, application_id: strawberry.ID, at: datetime
    ) -> Application | None:
        settled = await calls.do_accept_call_time(
            signed_in(info), parse_id(application_id, "applicationId"), at
        )
        return Application.settled(info, settled)

    @strawberry.mutation(
        description="Applicant: none of the times suits; say when would, and ask for others.",
        extensions=guard(IsSelf(), subject=APPLICATION),
    )
    async def ask_for_other_call_times(
        self, info: Info, application_id: strawberry.ID, note: str
    ) -> Application | None:
        settled = await calls.do_ask_for_other_times(
            signed_in(info), parse_id(application_id, "applicationId"), note
        )
        return Application.settled(info, settled)

    @strawberry.mutation(extensions=guard(IsSelf(), subject=APPLICATION_BY_ID))
    async def withdraw_application(self, info: Info, id: strawberry.ID) -> Application | None:
        settled = await applications.do_withdraw(signed_in(info), parse_id(id))
        return Application.settled(info, settled)

    @strawberry.mutation(
        description="Arrange the telephone chat; the applicant is told the time.",
        extensions=guard(*STAFF_OF_GROUP, subject=APPLICATION),
    )
    async def schedule_screening_call(
        self, info: Info, application_id: strawberry.ID, at: datetime
    ) -> Application | None:
        settled = await applications.do_schedule_call(
            signed_in(info), parse_id(application_id, "applicationId"), at
        )
        return Application.settled(info, settled)

    @strawberry.mutation(
        description="Record the chat. Without consent to contact the GP there is no place.",
        extensions=guard(*STAFF_OF_GROUP, subject=APPLICATION),
    )
    async def record_screening_call(
        self,
        info: Info,
        application_id: strawberry.ID,
        gp_consent: bool,
        gp_details: GPDetailsInput | None = None,
        notes: str = "",
    ) -> Application | None:
        settled = await applications.do_record_call(
            signed_in(info),
            info.context.settings.gp_details_keys,
            parse_id(application_id, "applicationId"),
            gp_consent,
            SealedDetails(**vars(gp_details)) if gp_details else None,
            notes,
        )
        return Application.settled(info, settled)

    @strawberry.mutation(
        description="Whether the group suits the applicant, after speaking to their GP.",
        extensions=guard(*STAFF_OF_GROUP, subject=APPLICATION),
    )
    async def record_gp_outcome(
        self, info: Info, application_id: strawberry.ID, suitable: bool, note: str = ""
    ) -> Application | None:
        settled = await applications.do_record_gp_outcome(
            signed_in(info), parse_id(application_id, "applicationId"), suitable, note
        )
        return Application.settled(info, settled)

    @strawberry.mutation(extensions=guard(*STAFF_OF_GROUP, subject=APPLICATION))
    async def decline_application(
        self, info: Info, application_id: strawberry.ID, reason: str
    ) -> Application | None:
        settled = await applications.do_decline(
            signed_in(info), parse_id(application_id, "applicationId"), reason
        )
        return Application.settled(info, settled)

    @strawberry.mutation(
        description="Take the place offered: the membership starts now.",
        extensions=guard(IsSelf(), subject=APPLICATION),
    )
    async def accept_place(self, info: Info, application_id: strawberry.ID) -> Application | None:
        settled = await memberships.do_accept_place(
            signed_in(info), parse_id(application_id, "applicationId")
        )
        return Application.settled(info, settled)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Your applications as they change; for a facilitator, those to their groups.",
        extensions=guard(IsAuthenticated()),
    )
    async def application_updates(self, info: Info) -> AsyncGenerator[Application, None]:
        async for application in live.follow_applications(info.context.viewer):
            info.context.renew()
            yield Application.from_model(application)
