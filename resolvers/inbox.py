"""Personal inboxes: what the service tells people, and reading it."""

from __future__ import annotations

from models import PersonalMessage
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction


async def notify(
    recipient_id: int,
    subject: str,
    body: str,
    sender_id: int | None = None,
    kind: str = "NOTICE",
    thread_id: int | None = None,
) -> PersonalMessage:
    """Put a message in someone's inbox, told to their live inbox once committed."""
    async with transaction():
        message = await PersonalMessage.create(
            recipient_id=recipient_id,
            sender_id=sender_id,
            subject=subject[:200],
            body=body,
            kind=kind,
            thread_id=thread_id,
        )
        after_commit(channels.inbox(recipient_id), {"message_id": message.id})
    return message


async def inbox_page(user_id: int, after_id: int | None, limit: int) -> list[PersonalMessage]:
    """Newest first; ``after_id`` continues below the last message of the previous page."""
    messages = PersonalMessage.filter(recipient_id=user_id)
    if after_id is not None:
        messages = messages.filter(id__lt=after_id)
    return await messages.order_by("-id").limit(limit)
