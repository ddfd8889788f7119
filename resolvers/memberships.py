"""Membership: accepting a place, the twelve weeks (once extended), leaving, removal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.access import current_memberships
from errors import Conflict, NotFound
from models import Application, ApplicationStatus, Group, Membership, Weekday
from resolvers.audit import audit
from resolvers.events import EventType, record_event
from resolvers.inbox import notify
from resolvers.places import lock_group, lock_group_of, offer_free_places
from resolvers.settled import (
    SettledApplication,
    SettledMembership,
    settle_application,
    settle_membership,
)
from resolvers.standing import announce_standing_changed
from resolvers.steps import advance, application_for_step, london
from resolvers.text import check_text
from subscriptions.outbox import transaction

TERM = timedelta(weeks=12)


def access_details(group: Group, membership: Membership) -> str:
    """What a new member needs to take part: when the group meets and how to join it."""
    day = Weekday(group.weekday).name.title()
    return (
        f"Welcome to {group.name}. The group meets online every {day} at "
        f"{group.start_time:%H:%M} UK time, for about {group.duration_minutes} minutes.\n\n"
        "To join a session, sign in to Haven a few minutes before it starts and open the "
        "group's session for that week: it opens when your facilitator starts it. Between "
        "sessions you can keep talking in the group's private conversations.\n\n"
        f"Your membership runs until {london(membership.ends_at)}, and you may extend it "
        "once by twelve more weeks. What is said in the group stays in the group."
    )


async def do_accept_place(applicant_id: int, application_id: int) -> SettledApplication:
    async with transaction():
        group = await lock_group_of(application_id)
        application = await application_for_step(
            application_id, {ApplicationStatus.PLACE_OFFERED}, "accepted"
        )
        now = datetime.now(UTC)
        if application.offer_expires_at is None or application.offer_expires_at <= now:
            raise Conflict("This offer has lapsed: the place has gone to the next person waiting.")
        members = await current_memberships(now).filter(group_id=group.id).count()
        if members >= group.capacity:  # an offer holds its place: this is a safety net
            raise Conflict(f"{group.name} is full.")
        membership = await Membership.create(
            group=group,
            user_id=applicant_id,
            application=application,
            starts_at=now,
            ends_at=now + TERM,
        )
        await record_event(
            EventType.MEMBERSHIP_STARTED, group_id=group.id, application_id=application.id
        )
        await advance(
            application,
            ApplicationStatus.JOINED,
            applicant_id,
            tell=(f"Welcome to {group.name}: how to join", access_details(group, membership)),
        )
        return await settle_application(application)


async def current_membership_for_update(membership_id: int) -> Membership:
    membership = await current_memberships().filter(id=membership_id).select_for_update().first()
    if membership is None:
        if await Membership.filter(id=membership_id).exists():
            raise Conflict("This membership has ended.")
        raise NotFound("No such membership.")
    return membership


async def do_extend(member_id: int, membership_id: int) -> SettledMembership:
    async with transaction():
        membership = await current_membership_for_update(membership_id)
        if membership.extended:
            raise Conflict("A membership can be extended once, and this one has been.")
        membership.ends_at = membership.ends_at + TERM
        membership.extended = True
        await membership.save()
        await notify(
            member_id,
            "Your membership is extended",
            f"You are a member for twelve more weeks, until {london(membership.ends_at)}.",
        )
        return await settle_membership(membership)


async def do_end_membership(
    actor_id: int, membership_id: int, reason: str, how: str, tell: tuple[str, str]
) -> SettledMembership:
    """End a membership now and offer its place to the next applicant waiting."""
    async with transaction():
        group_id = await Membership.filter(id=membership_id).values_list("group_id", flat=True)
        if not group_id:
            raise NotFound("No such membership.")
        group = await lock_group(group_id[0])  # type: ignore[arg-type]
        membership = await current_membership_for_update(membership_id)
        membership.ended_at = datetime.now(UTC)
        membership.end_reason = how
        await membership.save()
        await announce_standing_changed(group.id, membership.user_id)
        await notify(membership.user_id, *tell)
        await record_event(EventType.MEMBERSHIP_ENDED, group_id=group.id)
        await audit(actor_id, f"MEMBERSHIP_{how}", "Membership", membership.id, group.id, reason)
        await offer_free_places(group)
        return await settle_membership(membership)


async def do_leave(member_id: int, membership_id: int) -> SettledMembership:
    return await do_end_membership(
        member_id,
        membership_id,
        "left",
        "LEFT",
        ("You have left the group", "Thank you for being part of it. Take care."),
    )


async def do_remove(actor_id: int, membership_id: int, reason: str) -> SettledMembership:
    reason = check_text(reason, "why the member is removed")
    return await do_end_membership(
        actor_id,
        membership_id,
        reason,
        "REMOVED",
        ("Your membership of the group has ended", reason),
    )


async def membership_of(application: Application) -> Membership | None:
    return await Membership.filter(application_id=application.id).first()
