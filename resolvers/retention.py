"""Keeping personal data no longer than promised, and closing a profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from auth.access import current_memberships
from models import OPEN_STATUSES, Application, ApplicationStatus, Group, User
from resolvers.accounts import end_sign_ins
from resolvers.audit import audit
from resolvers.names import freed_name
from resolvers.places import lock_group, offer_free_places
from resolvers.standing import announce_standing_changed
from resolvers.steps import advance
from subscriptions.outbox import transaction

GP_DETAILS_KEPT_FOR = timedelta(days=2 * 365)


@dataclass(frozen=True)
class Erased:
    user_id: int
    application_ids: list[int]


def unused_since(cutoff: datetime) -> Q:
    """Profiles whose last use (closing, or else the last sign-in) was before ``cutoff``."""
    return (
        Q(closed_at__lt=cutoff)
        | Q(closed_at=None, last_signed_in_at__lt=cutoff)
        | Q(closed_at=None, last_signed_in_at=None, created_at__lt=cutoff)
    )


async def do_purge_expired(now: datetime | None = None, dry_run: bool = False) -> list[Erased]:
    """Erase GP details kept two years past their profile's last use; say what was erased."""
    cutoff = (now or datetime.now(UTC)) - GP_DETAILS_KEPT_FOR
    expired = await User.filter(unused_since(cutoff)).values_list("id", flat=True)
    rows = (
        await Application.filter(applicant_id__in=list(expired))
        .filter(Q(gp_details__isnull=False) | Q(phone__isnull=False))
        .values_list("applicant_id", "id")
    )
    by_user: dict[int, list[int]] = {}
    for user_id, application_id in rows:
        by_user.setdefault(user_id, []).append(application_id)
    report = [Erased(user_id, ids) for user_id, ids in sorted(by_user.items())]
    if not dry_run:
        async with transaction():
            # A closed profile's former name goes at the same time (it has no report line).
            await (
                User.filter(id__in=list(expired)).exclude(former_name=None).update(former_name=None)
            )
            for erased in report:
                await Application.filter(id__in=erased.application_ids).update(
                    gp_details=None, phone=None
                )
                await audit(
                    None,
                    "GP_DETAILS_ERASED",
                    "User",
                    erased.user_id,
                    detail=f"applications {erased.application_ids}",
                )
    return report


async def do_close_profile(user_id: int) -> None:
    """Close a profile: sign it out everywhere, end its memberships and applications.

    Its name is freed for someone new (``freed_name``): registering that name must not
    tell anyone that a closed profile had it. Others see the profile as "Former member".
    """
    now = datetime.now(UTC)
    async with transaction():
        # FOR NO KEY UPDATE: the member's own writes that refer to her row do not deadlock.
        user = await User.filter(id=user_id, closed_at=None).select_for_update(no_key=True).first()
        if user is None:
            return
        user.closed_at = now
        await user.save(update_fields=["closed_at"])
        await end_sign_ins(user_id)
        groups = set(
            await current_memberships(now)
            .filter(user_id=user_id)
            .values_list("group_id", flat=True)
        ) | set(
            await Application.filter(
                applicant_id=user_id, status__in=list(OPEN_STATUSES)
            ).values_list("group_id", flat=True)
        )
        for group_id in sorted(groups):  # type: ignore[type-var]
            group = await lock_group(group_id)
            await (
                current_memberships(now)
                .filter(user_id=user_id, group_id=group_id)
                .update(ended_at=now, end_reason="PROFILE_CLOSED")
            )
            await announce_standing_changed(group_id, user_id)
            for application in await Application.filter(
                applicant_id=user_id, group_id=group_id, status__in=list(OPEN_STATUSES)
            ).select_for_update():
                await advance(
                    application, ApplicationStatus.WITHDRAWN, user_id, note="profile closed"
                )
            await offer_free_places(group, now)
        for group_id in await Group.filter(facilitator_id=user_id).values_list("id", flat=True):
            await announce_standing_changed(group_id, user_id)  # type: ignore[arg-type]
        # Last: writing a unique column takes the row FOR UPDATE, which would make the
        # member's own writes that refer to her row wait on this transaction while it
        # still had memberships to lock.
        user.former_name = user.profile_name
        user.profile_name = user.name_key = freed_name(user_id)
        await user.save(update_fields=["former_name", "profile_name", "name_key"])
        await audit(user_id, "PROFILE_CLOSED", "User", user_id)
