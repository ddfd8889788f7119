"""Telling the live streams that someone's place in a group changed.

A live stream holds its reader's standing (``auth.access.Standing``) rather than asking
the database before every message. Whatever ends a person's part in a group (leaving,
removal, a closed profile, the group handed to another facilitator) announces it on the
group's live sessions' own channels, after the change commits; each stream of that person
asks the database again and ends if she no longer takes part. On the session's channel
the notice is in order with the messages: nothing posted after the change reaches her.
A term that runs out needs no notice: the standing ends at that moment by itself.
"""

from __future__ import annotations

from models import GroupSession, SessionStatus
from subscriptions import channels
from subscriptions.outbox import after_commit

ACCESS_CHANGED = "access_changed"


async def announce_standing_changed(group_id: int, user_id: int) -> None:
    """Within the transaction making the change: tell the group's live sessions."""
    live = await GroupSession.filter(group_id=group_id, status=SessionStatus.LIVE).values_list(
        "id", flat=True
    )
    for session_id in live:
        after_commit(
            channels.session_messages(session_id),  # type: ignore[arg-type]
            {"type": ACCESS_CHANGED, "user_id": user_id},
        )
