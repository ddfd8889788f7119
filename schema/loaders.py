"""Per-request DataLoaders: related rows load in one query per kind, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

from strawberry.dataloader import DataLoader
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from auth.access import current_memberships
from models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Group,
    GroupSession,
    Membership,
    Need,
    ProposedCall,
    SpecialistAnswer,
    SpecialistGroup,
    SpecialistSeat,
    StaffDetails,
    TopicCategory,
    User,
)
from resolvers.places import open_offers
from resolvers.sessions import sessions_of
from resolvers.settled import Places, SettledApplication, SettledMembership


async def _users(ids: Sequence[int]) -> list[User | None]:
    found = {user.id: user for user in await User.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _needs(ids: Sequence[int]) -> list[Need | None]:
    found = {need.id: need for need in await Need.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _staff_details(user_ids: Sequence[int]) -> list[StaffDetails | None]:
    found = {d.user_id: d for d in await StaffDetails.filter(user_id__in=user_ids)}  # type: ignore[attr-defined]
    return [found.get(i) for i in user_ids]


async def _groups(ids: Sequence[int]) -> list[Group | None]:
    found = {group.id: group for group in await Group.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _count_by_group(rows: QuerySet, group_ids: Sequence[int]) -> list[int]:
    counted = (
        await rows.filter(group_id__in=group_ids)
        .annotate(n=Count("id"))
        .group_by("group_id")
        .values("group_id", "n")
    )
    counts = {row["group_id"]: row["n"] for row in counted}
    return [counts.get(i, 0) for i in group_ids]


async def _member_counts(group_ids: Sequence[int]) -> list[int]:
    return await _count_by_group(current_memberships(), group_ids)


async def _open_offer_counts(group_ids: Sequence[int]) -> list[int]:
    return await _count_by_group(open_offers(), group_ids)


async def _waiting_lists(group_ids: Sequence[int]) -> list[list[int]]:
    """Each group's waiting applications' ids, first in line first."""
    rows = (
        await Application.filter(group_id__in=group_ids, status=ApplicationStatus.WAITLISTED)
        .order_by("suitable_at", "id")
        .values_list("group_id", "id")
    )
    by_group: dict[int, list[int]] = defaultdict(list)
    for group_id, application_id in rows:
        by_group[group_id].append(application_id)
    return [by_group[i] for i in group_ids]


async def _steps(application_ids: Sequence[int]) -> list[list[ApplicationStep]]:
    by_application: dict[int, list[ApplicationStep]] = defaultdict(list)
    for step in await ApplicationStep.filter(application_id__in=application_ids):
        by_application[step.application_id].append(step)
    return [by_application[i] for i in application_ids]


async def _proposed_calls(application_ids: Sequence[int]) -> list[list[datetime]]:
    by_application: dict[int, list[datetime]] = defaultdict(list)
    for call in await ProposedCall.filter(application_id__in=application_ids).order_by("at"):
        by_application[call.application_id].append(call.at)
    return [by_application[i] for i in application_ids]


async def _specialists(group_ids: Sequence[int]) -> list[list[int]]:
    by_group: dict[int, list[int]] = defaultdict(list)
    seats = await SpecialistSeat.filter(group_id__in=group_ids).order_by("specialist_id")
    for seat in seats:
        by_group[seat.group_id].append(seat.specialist_id)
    return [by_group[i] for i in group_ids]


async def _specialist_groups(ids: Sequence[int]) -> list[SpecialistGroup | None]:
    found = {group.id: group for group in await SpecialistGroup.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _topic_categories(ids: Sequence[int]) -> list[TopicCategory | None]:
    found = {category.id: category for category in await TopicCategory.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _specialist_answers(question_ids: Sequence[int]) -> list[list[SpecialistAnswer]]:
    by_question: dict[int, list[SpecialistAnswer]] = defaultdict(list)
    for answer in await SpecialistAnswer.filter(question_id__in=question_ids):
        by_question[answer.question_id].append(answer)
    return [by_question[i] for i in question_ids]


async def _memberships_by_application(ids: Sequence[int]) -> list[Membership | None]:
    found = {m.application_id: m for m in await Membership.filter(application_id__in=ids)}
    return [found.get(i) for i in ids]


async def _memberships_by_user(user_ids: Sequence[int]) -> list[list[Membership]]:
    by_user: dict[int, list[Membership]] = defaultdict(list)
    for membership in await Membership.filter(user_id__in=user_ids):
        by_user[membership.user_id].append(membership)
    return [by_user[i] for i in user_ids]


async def _members(group_ids: Sequence[int]) -> list[list[User]]:
    memberships = await current_memberships().filter(group_id__in=group_ids).select_related("user")
    by_group: dict[int, list[User]] = defaultdict(list)
    for membership in memberships:
        by_group[membership.group_id].append(membership.user)
    return [by_group[i] for i in group_ids]


async def _sessions(group_ids: Sequence[int]) -> list[list[GroupSession]]:
    by_group = await sessions_of(list(group_ids))
    return [by_group.get(i, []) for i in group_ids]


class Loaders:
    """One set per operation; ``Context`` makes a fresh one for each.

    Each loader is made when first asked for: a WebSocket holding one subscription for
    an hour uses none of them, and a thousand such sockets should not hold twelve each.
    """

    @cached_property
    def user(self) -> DataLoader[int, User | None]:
        return DataLoader(load_fn=_users)

    @cached_property
    def need(self) -> DataLoader[int, Need | None]:
        return DataLoader(load_fn=_needs)

    @cached_property
    def staff_details(self) -> DataLoader[int, StaffDetails | None]:
        return DataLoader(load_fn=_staff_details)

    @cached_property
    def group(self) -> DataLoader[int, Group | None]:
        return DataLoader(load_fn=_groups)

    @cached_property
    def specialists(self) -> DataLoader[int, list[int]]:
        return DataLoader(load_fn=_specialists)

    @cached_property
    def specialist_group(self) -> DataLoader[int, SpecialistGroup | None]:
        return DataLoader(load_fn=_specialist_groups)

    @cached_property
    def topic_category(self) -> DataLoader[int, TopicCategory | None]:
        return DataLoader(load_fn=_topic_categories)

    @cached_property
    def specialist_answers(self) -> DataLoader[int, list[SpecialistAnswer]]:
        return DataLoader(load_fn=_specialist_answers)

    @cached_property
    def proposed_calls(self) -> DataLoader[int, list[datetime]]:
        return DataLoader(load_fn=_proposed_calls)

    @cached_property
    def member_count(self) -> DataLoader[int, int]:
        return DataLoader(load_fn=_member_counts)

    @cached_property
    def open_offer_count(self) -> DataLoader[int, int]:
        return DataLoader(load_fn=_open_offer_counts)

    @cached_property
    def waiting_list(self) -> DataLoader[int, list[int]]:
        return DataLoader(load_fn=_waiting_lists)

    @cached_property
    def members(self) -> DataLoader[int, list[User]]:
        return DataLoader(load_fn=_members)

    @cached_property
    def steps(self) -> DataLoader[int, list[ApplicationStep]]:
        return DataLoader(load_fn=_steps)

    @cached_property
    def sessions(self) -> DataLoader[int, list[GroupSession]]:
        return DataLoader(load_fn=_sessions)

    @cached_property
    def membership_of_application(self) -> DataLoader[int, Membership | None]:
        return DataLoader(load_fn=_memberships_by_application)

    @cached_property
    def memberships_of_user(self) -> DataLoader[int, list[Membership]]:
        return DataLoader(load_fn=_memberships_by_user)

    def prime_application(self, settled: SettledApplication) -> None:
        """Answer a committed step from what its transaction read, not from the database:
        see ``resolvers.settled``. What was loaded before the step is stale: replaced."""
        application = settled.application
        self.user.prime(application.applicant_id, settled.applicant, force=True)
        self.steps.prime(application.id, settled.steps, force=True)
        self.membership_of_application.prime(application.id, settled.membership, force=True)
        self._prime_places(settled.places)

    def prime_membership(self, settled: SettledMembership) -> None:
        self._prime_places(settled.places)

    def _prime_places(self, places: Places) -> None:
        group_id = places.group.id
        self.group.prime(group_id, places.group, force=True)
        self.member_count.prime(group_id, places.members, force=True)
        self.open_offer_count.prime(group_id, places.offers, force=True)
        self.waiting_list.prime(group_id, places.waiting, force=True)
