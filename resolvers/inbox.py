"""Personal inboxes: what the service tells people, and reading it."""

from __future__ import annotations

from models import PersonalMessage


async def notify(recipient_id: int, subject: str, body: str, sender_id: int | None = None) -> None:
    """Put a message in someone's inbox (inside the transaction of what it reports)."""
    await PersonalMessage.create(
        recipient_id=recipient_id, sender_id=sender_id, subject=subject[:200], body=body
    )


async def inbox_page(user_id: int, after_id: int | None, limit: int) -> list[PersonalMessage]:
    """Newest first; ``after_id`` continues below the last message of the previous page."""
    messages = PersonalMessage.filter(recipient_id=user_id)
    if after_id is not None:
        messages = messages.filter(id__lt=after_id)
    return await messages.order_by("-id").limit(limit)
