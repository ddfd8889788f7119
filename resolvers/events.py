"""Domain events for integrations: what happened, to which ids, when. Never any content."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from subscriptions import channels
from subscriptions.outbox import after_commit


class EventType(StrEnum):
    APPLICATION_SUBMITTED = "APPLICATION_SUBMITTED"
    APPLICATION_STATUS_CHANGED = "APPLICATION_STATUS_CHANGED"
    MEMBERSHIP_STARTED = "MEMBERSHIP_STARTED"
    MEMBERSHIP_ENDED = "MEMBERSHIP_ENDED"
    SESSION_STARTED = "SESSION_STARTED"
    SESSION_ENDED = "SESSION_ENDED"
    TRANSCRIPT_KEPT = "TRANSCRIPT_KEPT"
    BREACH_REPORTED = "BREACH_REPORTED"
    CONCERN_RAISED = "CONCERN_RAISED"


def record_event(
    event_type: EventType,
    *,
    group_id: int | None = None,
    application_id: int | None = None,
    session_id: int | None = None,
) -> None:
    """Publish the event once the current transaction commits.

    The payload is built here and only here, from a type and ids: nothing a person
    wrote can reach an integration.
    """
    after_commit(
        channels.events(),
        {
            "type": event_type.value,
            "group_id": group_id,
            "application_id": application_id,
            "session_id": session_id,
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    )
