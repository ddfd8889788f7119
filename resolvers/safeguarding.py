"""Breach reports and safeguarding concerns: seen by few, every view and change audited."""

from __future__ import annotations

from dataclasses import dataclass

from errors import BadUserInput, NotFound
from models import (
    BreachReport,
    ConcernStatus,
    GroupSession,
    Membership,
    Role,
    SafeguardingConcern,
    Severity,
    User,
)
from resolvers.audit import audit
from resolvers.events import EventType, record_event
from resolvers.inbox import notify
from resolvers.text import LETTER, check_text
from subscriptions.outbox import transaction


async def check_was_member(user_id: int, group_id: int) -> None:
    """The person a report or concern is about must be, or have been, in the group."""
    if not await Membership.filter(user_id=user_id, group_id=group_id).exists():
        raise BadUserInput("That person is not a member of this group.")


async def do_report_breach(
    reporter: User, group_id: int, description: str, about_member_id: int | None
) -> BreachReport:
    """A member tells every online manager that confidentiality may have been broken."""
    description = check_text(description, "what happened", longest=LETTER)
    if about_member_id is not None:
        await check_was_member(about_member_id, group_id)
    async with transaction():
        report = await BreachReport.create(
            group_id=group_id,
            reporter=reporter,
            about_id=about_member_id,
            description=description,
        )
        for manager_id in await User.filter(role=Role.ONLINE_MANAGER, closed_at=None).values_list(
            "id", flat=True
        ):
            await notify(
                manager_id,  # type: ignore[arg-type]
                f"Breach report #{report.id}",
                description,
                sender_id=reporter.id,
                kind="BREACH_REPORT",
            )
        await audit(reporter.id, "BREACH_REPORTED", "BreachReport", report.id, group_id)
        await notify(
            reporter.id,
            "We have your report",
            "Thank you for telling us. The online manager will look into it and may write "
            "to you here. What you reported stays between you and the manager.",
        )
        record_event(EventType.BREACH_REPORTED, group_id=group_id)
    return report


@dataclass(frozen=True)
class ConcernDraft:
    severity: Severity | None = None
    summary: str | None = None
    action_taken: str | None = None
    discussed_with_member: bool | None = None
    professional_contacted: bool | None = None
    status: ConcernStatus | None = None


async def do_raise_concern(
    facilitator_id: int, member_id: int, group_id: int, session_id: int | None, draft: ConcernDraft
) -> SafeguardingConcern:
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
            raised_by_id=facilitator_id,
            severity=draft.severity,
            summary=summary,
            action_taken=action,
            discussed_with_member=bool(draft.discussed_with_member),
            professional_contacted=bool(draft.professional_contacted),
        )
        await audit(facilitator_id, "CONCERN_RAISED", "SafeguardingConcern", concern.id, group_id)
        record_event(EventType.CONCERN_RAISED, group_id=group_id, session_id=session_id)
    return concern


async def do_update_concern(
    actor_id: int, concern_id: int, draft: ConcernDraft
) -> SafeguardingConcern:
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
        concern.update_from_dict(changes)
        await concern.save()
        await audit(
            actor_id,
            "CONCERN_UPDATED",
            "SafeguardingConcern",
            concern.id,
            concern.group_id,
            ", ".join(sorted(changes)),
        )
    return concern


async def concerns_of(viewer_id: int, group_id: int) -> list[SafeguardingConcern]:
    """A group's concerns, newest first; the viewing is audited."""
    concerns = await SafeguardingConcern.filter(group_id=group_id).order_by("-id")
    await audit(
        viewer_id, "CONCERNS_VIEWED", "Group", group_id, group_id, f"{len(concerns)} concerns"
    )
    return concerns
