"""Writing to and reading the audit log."""

from __future__ import annotations

from models import AuditEntry


async def audit(
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None = None,
    group_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """Append one entry: call it inside the transaction of the act it records."""
    return await AuditEntry.create(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        group_id=group_id,
        detail=detail,
    )


async def audit_page(after_id: int | None, limit: int) -> list[AuditEntry]:
    """Newest first; ``after_id`` continues below the last entry of the previous page."""
    entries = AuditEntry.all()
    if after_id is not None:
        entries = entries.filter(id__lt=after_id)
    return await entries.order_by("-id").limit(limit)
