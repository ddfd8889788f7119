"""Creating and changing groups, listing them, and the arithmetic of places."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from auth.access import current_memberships
from errors import BadUserInput, Conflict, NotFound
from models import GROUP_TIMEZONE, MAX_CAPACITY, Group, Need, Role, User, Weekday
from resolvers.places import free_places, lock_group, offer_free_places
from resolvers.sessions import (
    drop_unheld_weekly_sessions,
    ensure_upcoming,
    next_session,
    tell_members,
)
from resolvers.standing import announce_standing_changed
from resolvers.steps import london
from subscriptions.outbox import transaction

LONDON = ZoneInfo(GROUP_TIMEZONE)


@dataclass(frozen=True)
class GroupDraft:
    """What the online manager says about a group; ``None`` leaves a field as it is."""

    name: str | None = None
    need: str | None = None
    description: str | None = None
    facilitator_id: int | None = None
    weekday: Weekday | None = None
    start_time: time | None = None
    capacity: int | None = None
    open_for_applications: bool | None = None


def next_meeting(weekday: int, start_time: time, now: datetime | None = None) -> datetime:
    """The next start of a weekly meeting, in UTC, keeping London wall-clock time.

    A group meeting at 19:00 meets at 19:00 in London in winter and summer alike, so
    its UTC time moves with the clocks.
    """
    today = (now or datetime.now(UTC)).astimezone(LONDON)
    days_ahead = (weekday - today.weekday()) % 7
    for extra in (0, 7):
        day = today.date() + timedelta(days=days_ahead + extra)
        start = datetime.combine(day, start_time.replace(tzinfo=None), tzinfo=LONDON)
        if start > today:
            return start.astimezone(UTC)
    raise AssertionError("a week always holds the next meeting")  # pragma: no cover


def check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise BadUserInput(f"A group holds from 1 to {MAX_CAPACITY} members.")


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not 3 <= len(name) <= 120:
        raise BadUserInput("A group's name is 3 to 120 characters.")
    return name


async def find_need(name: str) -> Need:
    need = await Need.filter(name__iexact=name.strip()).first()
    if need is None:
        known = ", ".join(await Need.all().values_list("name", flat=True))  # type: ignore[arg-type]
        raise BadUserInput(f"Unknown need {name!r}; the needs are: {known}.")
    return need


async def find_facilitator(user_id: int) -> User:
    user = await User.filter(id=user_id, closed_at=None).first()
    if user is None or user.role != Role.FACILITATOR:
        raise BadUserInput("A group's facilitator must be a facilitator's profile.")
    return user


async def check_group_draft(draft: GroupDraft) -> dict[str, Any]:
    """Validate a draft and return the model fields it sets."""
    values: dict[str, Any] = {
        f.name: getattr(draft, f.name) for f in fields(draft) if getattr(draft, f.name) is not None
    }
    if draft.name is not None:
        values["name"] = check_name(draft.name)
    if draft.description is not None:
        values["description"] = draft.description.strip()[:4000]
    if draft.capacity is not None:
        check_capacity(draft.capacity)
    if draft.start_time is not None:
        values["start_minute"] = draft.start_time.hour * 60 + draft.start_time.minute
        del values["start_time"]
    if draft.weekday is not None:
        values["weekday"] = int(draft.weekday)
    if draft.need is not None:
        values["need"] = await find_need(draft.need)
    if draft.facilitator_id is not None:
        values["facilitator"] = await find_facilitator(values.pop("facilitator_id"))
    return values


async def do_create_group(draft: GroupDraft) -> Group:
    missing = [
        name
        for name in ("name", "need", "facilitator_id", "weekday", "start_time")
        if getattr(draft, name) is None
    ]
    if missing:
        raise BadUserInput(f"A new group needs: {', '.join(missing)}.")
    values = await check_group_draft(draft)
    async with transaction():
        group = await Group.create(**values)
        await ensure_upcoming([group])
    return group


async def do_update_group(group_id: int, draft: GroupDraft) -> Group:
    values = await check_group_draft(draft)
    async with transaction():
        group = await lock_group(group_id)
        if "capacity" in values:
            taken = group.capacity - await free_places(group)
            if values["capacity"] < taken:
                raise Conflict(f"{taken} places are taken or offered: capacity cannot be lower.")
        schedule = (group.weekday, group.start_minute)
        handed_over_by = group.facilitator_id
        group.update_from_dict(values)
        await group.save()
        rescheduled = schedule != (group.weekday, group.start_minute)
        if group.facilitator_id != handed_over_by:
            await announce_standing_changed(group.id, handed_over_by)
        if rescheduled:
            await drop_unheld_weekly_sessions(group.id)
            await ensure_upcoming([group])
            first = await next_session(group.id)
            await tell_members(
                group,
                f"{group.name} meets at a new time",
                "The group's weekly sessions have moved"
                + (f": the next is on {london(first.starts_at)} (UK time)." if first else "."),
            )
        await offer_free_places(group)  # a larger group has room for those waiting
    return group


GROUPS_PAGE = 50  # groups listed at once unless a client asks for fewer or more


async def list_groups(
    need: str | None,
    open_for_applications: bool | None,
    first: int = GROUPS_PAGE,
    after_id: int | None = None,
) -> list[Group]:
    """A page of groups in the order they were made: a charity's thousand groups are not
    read at once."""
    groups = Group.all().order_by("id").limit(first)
    if after_id is not None:
        groups = groups.filter(id__gt=after_id)
    if need is not None:
        groups = groups.filter(need__name__iexact=need.strip())
    if open_for_applications is not None:
        groups = groups.filter(open_for_applications=open_for_applications)
    return await groups


async def get_group(group_id: int) -> Group:
    group = await Group.filter(id=group_id).first()
    if group is None:
        raise NotFound("No such group.")
    return group


async def do_create_need(name: str, description: str) -> Need:
    name = " ".join(name.split())
    if not 3 <= len(name) <= 80:
        raise BadUserInput("A need's name is 3 to 80 characters.")
    if await Need.filter(name__iexact=name).exists():
        raise Conflict("That need already exists.")
    return await Need.create(name=name, description=description.strip())


async def my_groups(user_id: int) -> list[Group]:
    """The groups a person runs or belongs to now, by name: her own week's work."""
    belongs = await current_memberships().filter(user_id=user_id).values_list("group_id", flat=True)
    return await Group.filter(Q(facilitator_id=user_id) | Q(id__in=list(belongs))).order_by(
        "name", "id"
    )
