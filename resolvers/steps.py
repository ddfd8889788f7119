"""Moving an application to its next status: recorded, and told to the applicant."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.queryset import QuerySet

from errors import Conflict, NotFound
from models import (
    GROUP_TIMEZONE,
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    ApplicationStep,
    Group,
    MailKind,
)
from resolvers.events import EventType, record_event
from resolvers.inbox import APPLICATION_LINK, Link, notify
from subscriptions import channels
from subscriptions.outbox import after_commit

LONDON = ZoneInfo(GROUP_TIMEZONE)


def london(moment: datetime) -> str:
    """A time as people in the UK read it: "Tuesday 1 December 2026 at 19:00"."""
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M}"


def open_key(application: Application) -> str:
    return f"{application.group_id}:{application.applicant_id}"


async def application_for_step(
    application_id: int, allowed: frozenset[ApplicationStatus] | set[ApplicationStatus], doing: str
) -> Application:
    """Load and lock an application that must be in one of the ``allowed`` statuses.

    Call inside a transaction. A step out of order is refused with ``CONFLICT``.
    """
    application = await Application.filter(id=application_id).select_for_update().first()
    if application is None:
        raise NotFound("No such application.")
    if application.status not in allowed:
        status = application.status.value.replace("_", " ").lower()
        raise Conflict(f"This application is {status}: it cannot be {doing} now.")
    return application


def waiting_list(group_id: int) -> QuerySet[Application]:
    """First come, first served: in the order applicants were found suitable."""
    return Application.filter(group_id=group_id, status=ApplicationStatus.WAITLISTED).order_by(
        "suitable_at", "id"
    )


async def tell_those_behind(leaver: Application, group: Group) -> None:
    """Everyone who waited behind ``leaver`` has moved up one: each is told her place."""
    ahead_of_them = (leaver.suitable_at, leaver.id)
    waiting = await waiting_list(group.id)
    for position, application in enumerate(waiting, start=1):
        if (application.suitable_at, application.id) > ahead_of_them:
            await notify(
                application.applicant_id,
                f"You have moved up the waiting list for {group.name}",
                f"You are now number {position} on the list. We will offer you the first "
                "place that frees.",
            )


async def advance(
    application: Application,
    status: ApplicationStatus,
    actor_id: int | None,
    *,
    note: str = "",
    tell: tuple[str, str] | None = None,
    email: MailKind | None = MailKind.NEWS,
) -> None:
    """Give ``application`` its new status, record the step, and tell the applicant.

    ``tell`` is the (subject, body) of the message for the applicant's inbox; ``email``
    the kind of e-mail that says it is there (``ACTION_NEEDED`` when she must answer).
    """
    left_the_list = ApplicationStatus.WAITLISTED == application.status != status
    application.status = status
    application.open_key = open_key(application) if status in OPEN_STATUSES else None
    await application.save()
    await ApplicationStep.create(
        application=application, status=status, actor_id=actor_id, note=note
    )
    group = await Group.get(id=application.group_id)
    update = {"application_id": application.id, "status": status.value}
    for follower in {application.applicant_id, group.facilitator_id}:
        after_commit(channels.application_updates(follower), update)
    await record_event(
        EventType.APPLICATION_SUBMITTED
        if status == ApplicationStatus.SUBMITTED
        else EventType.APPLICATION_STATUS_CHANGED,
        group_id=application.group_id,
        application_id=application.id,
    )
    if tell is not None:
        await notify(
            application.applicant_id,
            *tell,
            link=Link(APPLICATION_LINK, application.id),
            email=email,
        )
    if left_the_list:
        await tell_those_behind(application, group)


async def group_of(application: Application) -> Group:
    return await Group.get(id=application.group_id)
