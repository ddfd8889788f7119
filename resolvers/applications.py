"""The way into a group: applying, the screening call, the GP, and the facilitator's decision.

Each ``do_*`` runs in one transaction: a refused step changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from auth.access import current_memberships
from auth.gp_details import GPDetails, seal, unseal
from auth.identity import Viewer
from errors import BadUserInput, Conflict, NotFound
from models import OPEN_STATUSES, Application, ApplicationStatus, Group, ProposedCall, Role
from resolvers.alternatives import WHILE_YOU_WAIT
from resolvers.audit import audit
from resolvers.calls import arrange_call, check_suitable_times, seal_phone
from resolvers.inbox import notify
from resolvers.places import (
    free_places,
    lock_group_of,
    offer_free_places,
    offer_place,
)
from resolvers.settled import SettledApplication, settle_application
from resolvers.steps import advance, application_for_step, open_key, waiting_list
from resolvers.text import check_has_offset, check_phone, check_text
from subscriptions.outbox import transaction

S = ApplicationStatus


def check_gp_details(details: GPDetails | None) -> GPDetails:
    if details is None:
        raise BadUserInput("With consent given, record the GP's details too.")
    cleaned = GPDetails(*(check_text(value, "every GP detail") for value in vars(details).values()))
    return cleaned


async def do_apply(
    applicant_id: int,
    group_id: int,
    support_sought: str,
    *,
    phone: str | None = None,
    suitable_times: str | None = None,
    keys: tuple[str, ...] = (),
) -> SettledApplication:
    """Apply to a group, with the number to call and when a call suits, if she likes."""
    support_sought = check_text(support_sought, "what support you are looking for")
    phone = check_phone(phone)
    suitable_times = check_suitable_times(suitable_times)
    async with transaction():
        group = await Group.filter(id=group_id).first()
        if group is None:
            raise NotFound("No such group.")
        if not group.open_for_applications:
            raise Conflict(f"{group.name} is not taking applications at the moment.")
        if await current_memberships().filter(group_id=group_id, user_id=applicant_id).exists():
            raise Conflict(f"You are already a member of {group.name}.")
        application = Application(
            group_id=group_id,
            applicant_id=applicant_id,
            support_sought=support_sought,
            status=S.SUBMITTED,
            phone=seal_phone(keys, phone),
            suitable_times=suitable_times,
        )
        application.open_key = open_key(application)
        try:
            await application.save()
        except IntegrityError as error:
            raise Conflict(f"You already have an open application to {group.name}.") from error
        await advance(
            application,
            S.SUBMITTED,
            applicant_id,
            tell=(
                f"We have your application to {group.name}",
                "The group's facilitator will be in touch to arrange a telephone chat.",
            ),
        )
        await notify(
            group.facilitator_id,
            f"A new application to {group.name}",
            "Arrange a telephone chat with the applicant.",
        )
        return await settle_application(application)


async def do_schedule_call(actor_id: int, application_id: int, at: datetime) -> SettledApplication:
    """The facilitator sets the call's time herself (agreed by telephone or e-mail); times
    proposed for the applicant to choose from are set aside."""
    check_has_offset(at, "the call's time")
    if at <= datetime.now(UTC):
        raise BadUserInput("A call is arranged for a time still to come.")
    async with transaction():
        application = await application_for_step(
            application_id, {S.SUBMITTED, S.CALL_SCHEDULED}, "given a call time"
        )
        await ProposedCall.filter(application_id=application.id).delete()
        await arrange_call(application, at, actor_id)
        return await settle_application(application)


async def do_record_call(
    actor_id: int,
    keys: tuple[str, ...],
    application_id: int,
    gp_consent: bool,
    gp_details: GPDetails | None,
    notes: str,
) -> SettledApplication:
    """Record the chat. Without consent to contact the GP there can be no place."""
    notes = check_text(notes, "notes", required=False)
    details = check_gp_details(gp_details) if gp_consent else None
    async with transaction():
        application = await application_for_step(
            application_id, {S.CALL_SCHEDULED}, "recorded as called"
        )
        application.screening_notes = notes
        if details is None:
            await advance(
                application,
                S.DECLINED,
                actor_id,
                note="no consent to contact the GP",
                tell=(
                    "About your application",
                    "Without your permission to contact your GP we cannot offer you a place "
                    "in a group. You are welcome to apply again if you change your mind."
                    f"\n\n{WHILE_YOU_WAIT}",
                ),
            )
            return await settle_application(application)
        application.gp_details = seal(keys, details)
        application.gp_consent_at = datetime.now(UTC)
        await audit(
            actor_id, "GP_DETAILS_RECORDED", "Application", application.id, application.group_id
        )
        await advance(
            application,
            S.AWAITING_GP,
            actor_id,
            tell=(
                "Thank you for talking with us",
                "With your permission we will now contact your GP, and write to you here "
                "as soon as we have heard.",
            ),
        )
        return await settle_application(application)


async def do_record_gp_outcome(
    actor_id: int, application_id: int, suitable: bool, note: str
) -> SettledApplication:
    note = check_text(note, "a note", required=not suitable)
    async with transaction():
        group = await lock_group_of(application_id)
        application = await application_for_step(
            application_id, {S.AWAITING_GP}, "given the GP's answer"
        )
        if not suitable:
            await advance(
                application,
                S.DECLINED,
                actor_id,
                note=note,
                tell=("About your application", f"{note}\n\n{WHILE_YOU_WAIT}"),
            )
            return await settle_application(application)
        now = datetime.now(UTC)
        application.suitable_at = now
        if await free_places(group, now) and not await waiting_list(group.id).exists():
            await offer_place(application, group, now, actor_id, note)
            return await settle_application(application)
        await advance(application, S.WAITLISTED, actor_id, note=note)
        await offer_free_places(group, now)  # places freed by time alone go first
        await application.refresh_from_db()
        if application.status == S.WAITLISTED:
            position = await waiting_list(group.id).filter(suitable_at__lte=now).count()
            await notify(
                application.applicant_id,
                f"You are on the waiting list for {group.name}",
                f"The group is full at the moment. You are number {position} on its waiting "
                f"list, and we will offer you the first place that frees.\n\n{WHILE_YOU_WAIT}",
            )
        return await settle_application(application)


async def do_decline(actor_id: int, application_id: int, reason: str) -> SettledApplication:
    reason = check_text(reason, "why the application is declined")
    return await close_application(actor_id, application_id, S.DECLINED, reason, "declined")


async def do_withdraw(applicant_id: int, application_id: int) -> SettledApplication:
    return await close_application(
        applicant_id, application_id, S.WITHDRAWN, "withdrawn by the applicant", "withdrawn"
    )


async def close_application(
    actor_id: int, application_id: int, status: ApplicationStatus, note: str, doing: str
) -> SettledApplication:
    async with transaction():
        group = await lock_group_of(application_id)
        application = await application_for_step(application_id, OPEN_STATUSES, doing)
        held_a_place = application.status == S.PLACE_OFFERED
        await advance(
            application,
            status,
            actor_id,
            note=note,
            tell=(
                f"Your application to {group.name} is {doing}",
                f"{note}\n\n{WHILE_YOU_WAIT}" if status == S.DECLINED else note,
            ),
        )
        if held_a_place:
            await offer_free_places(group)
        return await settle_application(application)


async def read_gp_details(
    reader_id: int, keys: tuple[str, ...], application: Application, staff: bool
) -> GPDetails | None:
    """Open an application's GP details; every read by staff is written to the audit log."""
    if application.gp_details is None:
        return None
    if staff:
        await audit(
            reader_id, "GP_DETAILS_READ", "Application", application.id, application.group_id
        )
    return unseal(keys, application.gp_details)


async def get_application(application_id: int) -> Application:
    application = await Application.filter(id=application_id).first()
    if application is None:
        raise NotFound("No such application.")
    return application


MAX_PAGE = 100


async def groups_reviewed_by(viewer: Viewer) -> list[int]:
    """The groups whose applications a reader reviews when she names none: all of them
    for the online manager, her own for a facilitator, none for anyone else."""
    if viewer.has_role(Role.ONLINE_MANAGER):
        return await Group.all().values_list("id", flat=True)
    if viewer.has_role(Role.FACILITATOR):
        return await Group.filter(facilitator_id=viewer.user_id).values_list("id", flat=True)
    return []


async def applications_of(applicant_id: int) -> list[Application]:
    return await Application.filter(applicant_id=applicant_id).order_by("-id")


async def applications_to_review(
    group_id: int | None,
    status: ApplicationStatus | None,
    viewer: Viewer,
    first: int = MAX_PAGE,
    after: int | None = None,
) -> list[Application]:
    """A group's applications, or, with no group named, those of every group the viewer
    reviews (``groups_reviewed_by``), oldest first, ``first`` after the id ``after``."""
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"Ask for 1 to {MAX_PAGE} at a time.")
    if group_id is not None:
        applications = Application.filter(group_id=group_id)
    else:
        applications = Application.filter(group_id__in=await groups_reviewed_by(viewer))
    if status is not None:
        applications = applications.filter(status=status)
    if after is not None:
        applications = applications.filter(id__gt=after)
    return await applications.order_by("id").limit(first)
