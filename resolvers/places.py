"""Places in a group: how many are free, offers that hold them, and the waiting list.

Places left = capacity - current members - open offers. Every change that could
free or take a place runs in a transaction that first locks the group's row, so
concurrent approvals and acceptances queue up and the cap of eight holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from auth.access import current_memberships
from errors import NotFound
from models import Application, ApplicationStatus, Group, MailKind, Membership
from resolvers.events import EventType, record_event
from resolvers.inbox import notify
from resolvers.steps import advance, london, waiting_list
from subscriptions.outbox import transaction

OFFER_HOLDS_FOR = timedelta(days=7)


def places_left(capacity: int, members: int, open_offers: int) -> int:
    """Places a new applicant could be offered now."""
    return max(capacity - members - open_offers, 0)


def open_offers(now: datetime | None = None) -> QuerySet[Application]:
    """Offers still holding a place: made, and neither answered nor lapsed."""
    now = now or datetime.now(UTC)
    return Application.filter(status=ApplicationStatus.PLACE_OFFERED, offer_expires_at__gt=now)


async def lock_group(group_id: int) -> Group:
    """Lock the group's row until the transaction ends (a no-op lock on SQLite, whose
    transactions are serialised anyway).

    The lock serialises places only, so it is the weaker ``FOR NO KEY UPDATE``: rows that
    refer to the group (a new conversation, a post) can still be written meanwhile, and a
    removal never deadlocks with its member's writes.
    """
    group = await Group.filter(id=group_id).select_for_update(no_key=True).first()
    if group is None:
        raise NotFound("No such group.")
    return group


async def lock_group_of(application_id: int) -> Group:
    """Lock the group an application is to, before the application itself.

    Every transaction takes the group's lock before any application's, so two of
    them never wait on each other.
    """
    group_id = await Application.filter(id=application_id).values_list("group_id", flat=True)
    if not group_id:
        raise NotFound("No such application.")
    return await lock_group(group_id[0])  # type: ignore[arg-type]


async def free_places(group: Group, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    members = await current_memberships(now).filter(group_id=group.id).count()
    offers = await open_offers(now).filter(group_id=group.id).count()
    return places_left(group.capacity, members, offers)


async def offer_place(
    application: Application,
    group: Group,
    now: datetime,
    actor_id: int | None = None,
    note: str = "",
) -> None:
    """Offer ``application`` a place; the service makes offers unless ``actor_id`` did."""
    application.offer_expires_at = now + OFFER_HOLDS_FOR
    await advance(
        application,
        ApplicationStatus.PLACE_OFFERED,
        actor_id,
        note=note,
        tell=(
            f"A place for you in {group.name}",
            f"A place in {group.name} is yours if you want it. Accept it by "
            f"{london(application.offer_expires_at)} (UK time) to keep it; after that it "
            "goes to the next person waiting.",
        ),
        email=MailKind.ACTION_NEEDED,
    )


async def offer_free_places(group: Group, now: datetime | None = None) -> None:
    """Offer each free place to the next applicant waiting. Call with the group locked."""
    now = now or datetime.now(UTC)
    free = await free_places(group, now)
    if free:
        for application in await waiting_list(group.id).limit(free):
            await offer_place(application, group, now)


async def lapse_offers(now: datetime | None = None) -> int:
    """Close offers not accepted in time and pass their places on. Returns how many."""
    now = now or datetime.now(UTC)
    group_ids = await Application.filter(
        status=ApplicationStatus.PLACE_OFFERED, offer_expires_at__lte=now
    ).values_list("group_id", flat=True)
    lapsed = 0
    for group_id in sorted(set(group_ids)):  # type: ignore[type-var]
        async with transaction():
            group = await lock_group(group_id)
            for application in await Application.filter(
                group_id=group_id,
                status=ApplicationStatus.PLACE_OFFERED,
                offer_expires_at__lte=now,
            ).select_for_update():
                await advance(
                    application,
                    ApplicationStatus.OFFER_LAPSED,
                    None,
                    note="offer not accepted in time",
                    tell=(
                        f"Your offer of a place in {group.name} has lapsed",
                        "The place we held for you has gone to the next person waiting. "
                        "You are welcome to apply again.",
                    ),
                )
                lapsed += 1
            await offer_free_places(group, now)
    return lapsed


async def end_finished_terms(now: datetime | None = None) -> int:
    """End memberships whose term is over and pass their places on. Returns how many."""
    now = now or datetime.now(UTC)
    finished = Membership.filter(ended_at=None, ends_at__lte=now)
    group_ids = await finished.values_list("group_id", flat=True)
    ended = 0
    for group_id in sorted(set(group_ids)):  # type: ignore[type-var]
        async with transaction():
            group = await lock_group(group_id)
            for membership in await finished.filter(group_id=group_id).select_for_update():
                membership.ended_at = membership.ends_at
                membership.end_reason = "TERM_ENDED"
                await membership.save()
                ended += 1
                await record_event(EventType.MEMBERSHIP_ENDED, group_id=group.id)
                await notify(
                    membership.user_id,
                    f"Your time in {group.name} has ended",
                    "Thank you for being part of the group. The transcripts of the sessions "
                    "you took part in stay available to you.",
                )
            await offer_free_places(group, now)
    return ended


async def settle(now: datetime | None = None) -> tuple[int, int]:
    """What time alone changes: lapsed offers and finished terms. Run periodically."""
    return await lapse_offers(now), await end_finished_terms(now)
