"""Per-request DataLoaders: related rows load in one query per kind, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader
from tortoise.functions import Count

from auth.access import current_memberships
from models import Need, StaffDetails, User


async def _users(ids: Sequence[int]) -> list[User | None]:
    found = {user.id: user for user in await User.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _needs(ids: Sequence[int]) -> list[Need | None]:
    found = {need.id: need for need in await Need.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _staff_details(user_ids: Sequence[int]) -> list[StaffDetails | None]:
    found = {d.user_id: d for d in await StaffDetails.filter(user_id__in=user_ids)}  # type: ignore[attr-defined]
    return [found.get(i) for i in user_ids]


async def _member_counts(group_ids: Sequence[int]) -> list[int]:
    rows = (
        await current_memberships()
        .filter(group_id__in=group_ids)
        .annotate(members=Count("id"))
        .group_by("group_id")
        .values("group_id", "members")
    )
    counts = {row["group_id"]: row["members"] for row in rows}
    return [counts.get(i, 0) for i in group_ids]


async def _members(group_ids: Sequence[int]) -> list[list[User]]:
    memberships = await current_memberships().filter(group_id__in=group_ids).select_related("user")
    by_group: dict[int, list[User]] = defaultdict(list)
    for membership in memberships:
        by_group[membership.group_id].append(membership.user)
    return [by_group[i] for i in group_ids]


class Loaders:
    """One set per operation; ``Context`` makes a fresh one for each."""

    def __init__(self) -> None:
        self.user = DataLoader(load_fn=_users)
        self.need = DataLoader(load_fn=_needs)
        self.staff_details = DataLoader(load_fn=_staff_details)
        self.member_count = DataLoader(load_fn=_member_counts)
        self.members = DataLoader(load_fn=_members)
