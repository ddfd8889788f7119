"""Safeguarding concerns: seen by few, every view and change audited, and never missed.

A concern reaches every online manager's inbox the moment it is raised (and the
group's facilitator, when a manager raised it), as a notice that links to the concern
and repeats none of it: its words stay behind the permission checks and the audit of
``safeguardingConcern``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from errors import BadUserInput, NotFound
from models import (
    ConcernStatus,
    GroupSession,
    MailKind,
    Membership,
    SafeguardingConcern,
    Severity,
    User,
)
from resolvers.audit import audit
from resolvers.events import EventType, record_event
from resolvers.inbox import Link, notify_each, online_managers
from resolvers.text import check_text
from subscriptions.outbox import transaction

CONCERN_LINK = "SafeguardingConcern"
WORDS = frozenset({"summary", "action_taken"})  # what people wrote: never in the audit log


async def check_was_member(user_id: int, group_id: int) -> None:
    """The person a report or concern is about must be, or have been, in the group."""
    if not await Membership.filter(user_id=user_id, group_id=group_id).exists():
        raise BadUserInput("That person is not a member of this group.")


def concern_is_urgent(severity: Severity) -> bool:
    """An immediate risk cannot wait for someone to look at their inbox in due course."""
    return severity == Severity.IMMEDIATE


@dataclass(frozen=True)
class ConcernDraft:
    severity: Severity | None = None
    summary: str | None = None
    action_taken: str | None = None
    discussed_with_member: bool | None = None
    professional_contacted: bool | None = None
    status: ConcernStatus | None = None


async def do_raise_concern(
    raiser_id: int, member_id: int, group_id: int, session_id: int | None, draft: ConcernDraft
) -> SafeguardingConcern:
    """Record a concern and tell those who must act on it, in the same transaction."""
    summary = check_text(draft.summary or "", "what was said or seen")
    action = check_text(draft.action_taken or "", "the action taken", required=False)
    if draft.severity is None:
        raise BadUserInput("Say how severe the risk is.")
    await check_was_member(member_id, group_id)
    if (
        session_id is not None
        and not await GroupSession.filter(id=session_id, group_id=group_id).exists()
    ):
        raise NotFound("No such session in this group.")
    async with transaction():
        concern = await SafeguardingConcern.create(
            group_id=group_id,
            member_id=member_id,
            session_id=session_id,
            raised_by_id=raiser_id,
            severity=draft.severity,
            summary=summary,
            action_taken=action,
            discussed_with_member=bool(draft.discussed_with_member),
            professional_contacted=bool(draft.professional_contacted),
        )
        await audit(raiser_id, "CONCERN_RAISED", "SafeguardingConcern", concern.id, group_id)
        await tell_of_concern(concern, raiser_id)
        await record_event(EventType.CONCERN_RAISED, group_id=group_id, session_id=session_id)
    return concern


async def concern_recipients(group_id: int, raiser_id: int) -> set[int]:
    """Every online manager and the group's facilitator, except whoever raised it."""
    facilitator = await User.filter(facilitated_groups__id=group_id, closed_at=None).values_list(
        "id", flat=True
    )
    return (set(await online_managers()) | set(facilitator)) - {raiser_id}  # type: ignore[arg-type]


async def tell_of_concern(concern: SafeguardingConcern, raiser_id: int) -> None:
    """A notice that a concern exists and where it is; nothing of what it says."""
    urgent = concern_is_urgent(concern.severity)
    await notify_each(
        await concern_recipients(concern.group_id, raiser_id),
        "Urgent: a safeguarding concern was raised in a group"
        if urgent
        else "A safeguarding concern was raised in a group",
        "Someone may be at risk of significant harm. Open the concern this notice links to "
        "for what was recorded; every look at it is audited.",
        urgent=urgent,
        link=Link(CONCERN_LINK, concern.id),
        email=MailKind.ACTION_NEEDED,  # urgent ones go as URGENT; none may go unheard
    )


def describe_changes(concern: SafeguardingConcern, changes: dict[str, Any]) -> str:
    """What changed, for the audit log: the names of changed words, the moves of the rest
    (``status OPEN -> CLOSED``). Nothing anyone wrote."""
    described = []
    for name in sorted(changes):
        before, after = getattr(concern, name), changes[name]
        if name in WORDS:
            described.append(name)
        else:
            described.append(f"{name} {_shown(before)} -> {_shown(after)}")
    return ", ".join(described)


def _shown(value: object) -> str:
    return str(getattr(value, "value", value))


async def do_update_concern(
    actor_id: int, concern_id: int, draft: ConcernDraft
) -> SafeguardingConcern:
    """Change a concern, status included (any status may follow any other: a closed concern
    reopens if the risk returns); each change is audited with what moved."""
    changes = {k: v for k, v in vars(draft).items() if v is not None}
    if "summary" in changes:
        changes["summary"] = check_text(changes["summary"], "what was said or seen")
    if "action_taken" in changes:
        changes["action_taken"] = check_text(changes["action_taken"], "the action taken")
    if not changes:
        raise BadUserInput("Say what changed.")
    async with transaction():
        concern = await SafeguardingConcern.filter(id=concern_id).select_for_update().first()
        if concern is None:
            raise NotFound("No such concern.")
        detail = describe_changes(concern, changes)
        concern.update_from_dict(changes)
        await concern.save()
        await audit(
            actor_id, "CONCERN_UPDATED", "SafeguardingConcern", concern.id, concern.group_id, detail
        )
    return concern


async def concern_of(viewer_id: int, concern_id: int) -> SafeguardingConcern:
    """One concern, as a notice links to it; the viewing is audited."""
    concern = await SafeguardingConcern.filter(id=concern_id).first()
    if concern is None:
        raise NotFound("No such concern.")
    await audit(viewer_id, "CONCERN_VIEWED", "SafeguardingConcern", concern.id, concern.group_id)
    return concern


async def concerns_of(viewer_id: int, group_id: int) -> list[SafeguardingConcern]:
    """A group's concerns, newest first; the viewing is audited."""
    concerns = await SafeguardingConcern.filter(group_id=group_id).order_by("-id")
    await audit(
        viewer_id, "CONCERNS_VIEWED", "Group", group_id, group_id, f"{len(concerns)} concerns"
    )
    return concerns
