"""Arranging the screening call: the applicant's number and the times that suit her,
times the facilitator proposes, and the one she takes.

The number is sealed at rest like GP details, readable by the applicant, the group's
facilitator and the online manager, every staff read audited, and erased with the GP
details (``resolvers.retention``). Taking a proposed time is what
``scheduleScreeningCall`` records, done by the applicant herself.
"""

from __future__ import annotations

from datetime import UTC, datetime

from auth.sealed import seal_text, unseal_text
from errors import BadUserInput, Conflict
from models import Application, ApplicationStatus, Group, MailKind, ProposedCall
from resolvers.audit import audit
from resolvers.inbox import APPLICATION_LINK, Link, notify
from resolvers.notices import queue_email
from resolvers.settled import SettledApplication, settle_application
from resolvers.steps import advance, application_for_step, london
from resolvers.text import LINE, check_has_offset, check_text
from subscriptions.outbox import transaction

S = ApplicationStatus
ARRANGING = {S.SUBMITTED, S.CALL_SCHEDULED}  # a call may be arranged, or arranged again
MOST_PROPOSED = 5


def check_suitable_times(text: str | None) -> str:
    if text is None or not text.strip():
        return ""
    return check_text(text, "when a call suits you", longest=LINE)


def seal_phone(keys: tuple[str, ...], phone: str | None) -> str | None:
    return seal_text(keys, phone) if phone else None


async def read_phone(
    reader_id: int, keys: tuple[str, ...], application: Application, staff: bool
) -> str | None:
    """Open the applicant's number; every read by staff is written to the audit log."""
    if application.phone is None:
        return None
    if staff:
        await audit(reader_id, "PHONE_READ", "Application", application.id, application.group_id)
    return unseal_text(keys, application.phone)


def check_times(times: list[datetime], now: datetime) -> list[datetime]:
    if not times:
        raise BadUserInput("Propose at least one time for the call.")
    if len(times) > MOST_PROPOSED:
        raise BadUserInput(f"Propose at most {MOST_PROPOSED} times at once.")
    for at in times:
        check_has_offset(at, "each time proposed")
        if at <= now:
            raise BadUserInput("Propose times still to come.")
    return sorted({at.astimezone(UTC) for at in times})


async def proposed_times(application_id: int) -> list[datetime]:
    return await ProposedCall.filter(application_id=application_id).values_list("at", flat=True)  # type: ignore[return-value]


async def do_propose_call_times(
    actor_id: int, application_id: int, times: list[datetime], note: str = ""
) -> SettledApplication:
    """Offer the applicant times for the call, replacing any offered before."""
    now = datetime.now(UTC)
    times = check_times(times, now)
    note = check_text(note, "a note", longest=LINE) if note.strip() else ""
    async with transaction():
        application = await application_for_step(application_id, ARRANGING, "given call times")
        group = await Group.get(id=application.group_id)
        await ProposedCall.filter(application_id=application.id).delete()
        for at in times:
            await ProposedCall.create(application_id=application.id, at=at, proposed_at=now)
        listed = "\n".join(f"- {london(at)}" for at in times)
        await notify(
            application.applicant_id,
            f"Times for your telephone chat about {group.name}",
            f"Your facilitator can telephone you at any of these times (UK time):\n{listed}\n"
            "Choose the one that suits you in your application, or ask for others."
            + (f"\n\n{note}" if note else ""),
            sender_id=actor_id,
            link=Link(APPLICATION_LINK, application.id),
            email=MailKind.ACTION_NEEDED,
        )
        return await settle_application(application)


async def do_accept_call_time(
    applicant_id: int, application_id: int, at: datetime
) -> SettledApplication:
    """Take one of the proposed times: the call is arranged for it, and both are told."""
    check_has_offset(at, "the time you choose")
    now = datetime.now(UTC)
    async with transaction():
        application = await application_for_step(application_id, ARRANGING, "given a call time")
        chosen = await ProposedCall.filter(application_id=application.id, at=at.astimezone(UTC))
        if not chosen:
            raise BadUserInput("Choose one of the times your facilitator proposed.")
        if chosen[0].at <= now:
            raise Conflict("That time has passed: ask your facilitator for others.")
        await ProposedCall.filter(application_id=application.id).delete()
        group = await Group.get(id=application.group_id)
        await arrange_call(application, chosen[0].at, applicant_id)
        await tell_facilitator(
            application,
            group,
            f"A screening call for {group.name} is arranged",
            f"The applicant chose {london(chosen[0].at)} (UK time) for the call.",
            email=None,
        )
        await queue_email(group.facilitator_id, MailKind.CALL_ARRANGED, event_at=chosen[0].at)
        return await settle_application(application)


async def do_ask_for_other_times(
    applicant_id: int, application_id: int, note: str
) -> SettledApplication:
    """None of the times suits: they are set aside and the facilitator is asked for others."""
    note = check_text(note, "when a call would suit you", longest=LINE)
    async with transaction():
        application = await application_for_step(
            application_id, ARRANGING, "given other call times"
        )
        if not await ProposedCall.filter(application_id=application.id).exists():
            raise Conflict("No times are proposed to you at the moment.")
        await ProposedCall.filter(application_id=application.id).delete()
        application.suitable_times = note
        await application.save(update_fields=["suitable_times", "updated_at"])
        group = await Group.get(id=application.group_id)
        await tell_facilitator(
            application,
            group,
            f"An applicant to {group.name} asks for other call times",
            f"None of the times proposed suits. The applicant wrote: {note}",
        )
        return await settle_application(application)


async def tell_facilitator(
    application: Application,
    group: Group,
    subject: str,
    body: str,
    email: MailKind | None = MailKind.ACTION_NEEDED,
) -> None:
    """A notice from the applicant to her group's facilitator, who can answer it."""
    await notify(
        group.facilitator_id,
        subject,
        body,
        sender_id=application.applicant_id,
        link=Link(APPLICATION_LINK, application.id),
        email=email,
    )


async def arrange_call(application: Application, at: datetime, actor_id: int) -> None:
    """Record the call's time as a step, and tell the applicant (in the caller's
    transaction): in her inbox, and by an e-mail with the time as a calendar invitation."""
    application.call_at = at.astimezone(UTC)
    await queue_email(application.applicant_id, MailKind.CALL_ARRANGED, event_at=at)
    await advance(
        application,
        S.CALL_SCHEDULED,
        actor_id,
        note=f"call at {at.isoformat()}",
        tell=(
            "Your telephone chat",
            f"Your facilitator will telephone you on {london(at)} (UK time) to talk about "
            "the support you want and to ask for your GP's details.",
        ),
        email=None,  # the e-mail with the invitation says it
    )
