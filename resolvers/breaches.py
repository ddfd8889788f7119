"""Breach reports as cases: reported, acknowledged, resolved, and escalated when left waiting.

A member's report reaches every online manager at once. A manager acknowledges it,
then resolves it, each with a note the reporter reads in their inbox. Resolving a
report nobody acknowledged acknowledges it in the same step (one note, the
resolution): a manager who can settle a report at once need not make the reporter
wait for two messages. Any other step out of order is refused with ``CONFLICT``.

A report still unacknowledged 48 hours after it arrived is escalated once: every
online manager gets an urgent notice. Every server process runs the escalation; each
report is claimed by one conditional update, so only one of them sends the notices.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from auth.access import were_in_the_room_together
from errors import BadUserInput, Conflict, NotFound
from models import BreachReport, BreachStatus, MailKind, User
from resolvers.audit import audit
from resolvers.events import EventType, record_event
from resolvers.inbox import Link, notify, notify_each, online_managers
from resolvers.text import LETTER, check_text
from subscriptions.outbox import transaction

REPORT_LINK = "BreachReport"
ACKNOWLEDGE_WITHIN = timedelta(hours=48)


def report_link(report: BreachReport) -> Link:
    return Link(REPORT_LINK, report.id)


def overdue_reports(now: datetime) -> QuerySet[BreachReport]:
    """Reports still open, never escalated, that arrived ``ACKNOWLEDGE_WITHIN`` ago or more."""
    return BreachReport.filter(
        status=BreachStatus.OPEN, escalated_at=None, created_at__lte=now - ACKNOWLEDGE_WITHIN
    )


async def check_knows_member(reporter_id: int, member_id: int, group_id: int) -> None:
    """A report may name someone the reporter was in the group with, and no one else.

    Anyone else (no such person, never in the group, in it only before or after her)
    gets the same answer, so a report cannot be used to learn who was ever a member.
    Someone she was with who has since closed their profile may still be named.
    """
    if not await were_in_the_room_together(reporter_id, member_id, group_id):
        raise BadUserInput("Name someone who has been in this group with you.")


async def do_report_breach(
    reporter: User, group_id: int, description: str, about_member_id: int | None
) -> BreachReport:
    """A member tells every online manager that confidentiality may have been broken."""
    description = check_text(description, "what happened", longest=LETTER)
    if about_member_id is not None:
        await check_knows_member(reporter.id, about_member_id, group_id)
    async with transaction():
        report = await BreachReport.create(
            group_id=group_id,
            reporter=reporter,
            about_id=about_member_id,
            description=description,
        )
        await notify_each(
            await online_managers(),
            f"Breach report #{report.id}",
            description,
            sender_id=reporter.id,
            kind="BREACH_REPORT",
            link=report_link(report),
            email=MailKind.ACTION_NEEDED,  # a manager must not be able to miss it
        )
        await audit(reporter.id, "BREACH_REPORTED", "BreachReport", report.id, group_id)
        await notify(
            reporter.id,
            "We have your report",
            "Thank you for telling us. The online manager will look into it and may write "
            "to you here. What you reported stays between you and the manager.",
        )
        await record_event(EventType.BREACH_REPORTED, group_id=group_id)
    return report


async def report_for_step(report_id: int, allowed: set[BreachStatus], doing: str) -> BreachReport:
    """Load and lock a report that must be in one of the ``allowed`` statuses.

    Call inside a transaction: two managers acting at once take turns, and the second
    finds the step already done.
    """
    report = await BreachReport.filter(id=report_id).select_for_update().first()
    if report is None:
        raise NotFound("No such breach report.")
    if report.status not in allowed:
        raise Conflict(f"This report is {report.status.value.lower()}: it cannot be {doing} now.")
    return report


async def record_step(
    manager_id: int, report: BreachReport, before: BreachStatus, subject: str, note: str
) -> None:
    """Save a step, audit it (the status move, never the report's words), tell the reporter."""
    await report.save()
    await audit(
        manager_id,
        f"BREACH_{report.status.value}",
        REPORT_LINK,
        report.id,
        report.group_id,
        f"status {before.value} -> {report.status.value}",
    )
    await notify(report.reporter_id, subject, note, manager_id)


async def do_acknowledge_report(manager_id: int, report_id: int, note: str) -> BreachReport:
    """OPEN -> ACKNOWLEDGED: a manager has taken the report on, and tells the reporter."""
    note = check_text(note, "a note for the person who reported it")
    async with transaction():
        report = await report_for_step(report_id, {BreachStatus.OPEN}, "acknowledged")
        now = datetime.now(UTC)
        report.status = BreachStatus.ACKNOWLEDGED
        report.acknowledged_at, report.acknowledged_by_id = now, manager_id
        report.acknowledgement = note
        await record_step(
            manager_id, report, BreachStatus.OPEN, "Your report is being looked into", note
        )
    return report


async def do_resolve_report(manager_id: int, report_id: int, note: str) -> BreachReport:
    """-> RESOLVED: the case is closed, and the reporter told how. An unacknowledged
    report is acknowledged in the same step, by the same manager."""
    note = check_text(note, "a note for the person who reported it")
    async with transaction():
        report = await report_for_step(
            report_id, {BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED}, "resolved"
        )
        now, before = datetime.now(UTC), report.status
        if before == BreachStatus.OPEN:
            report.acknowledged_at, report.acknowledged_by_id = now, manager_id
        report.status = BreachStatus.RESOLVED
        report.resolved_at, report.resolved_by_id = now, manager_id
        report.resolution = note
        await record_step(manager_id, report, before, "Your report has been resolved", note)
    return report


async def do_escalate_overdue_reports(now: datetime | None = None) -> int:
    """Tell every online manager, urgently, of each report left unacknowledged too long.

    Returns how many reports this call escalated. Safe to run in every process at
    once: the conditional update claims a report for one caller only, and only that
    caller (in the same transaction) sends the notices.
    """
    now = now or datetime.now(UTC)
    escalated = 0
    for report_id in await overdue_reports(now).values_list("id", flat=True):
        async with transaction():
            if not await overdue_reports(now).filter(id=report_id).update(escalated_at=now):
                continue  # another process claimed it, or a manager acknowledged it
            report = await BreachReport.get(id=report_id)
            await notify_each(
                await online_managers(),
                f"Urgent: breach report #{report.id} is still waiting",
                "This breach report has not been acknowledged within 48 hours of arriving. "
                "Open it from this notice and acknowledge it, so the person who reported it "
                "knows someone is on it.",
                urgent=True,
                link=report_link(report),
            )
            await audit(
                None,
                "BREACH_ESCALATED",
                REPORT_LINK,
                report.id,
                report.group_id,
                "not acknowledged within 48 hours",
            )
            escalated += 1
    return escalated


async def reports(status: BreachStatus | None) -> list[BreachReport]:
    """Every report, or those in one status, newest first: the online manager's case list."""
    found = BreachReport.all() if status is None else BreachReport.filter(status=status)
    return await found.order_by("-created_at", "-id")
