"""Which e-mails a person gets, and putting one in the outbox.

An e-mail is queued in the transaction of the change it announces (``queue_email``) and
sent by ``mail.relay`` after the commit. Optional topics are on until the person turns
them off (``notificationSettings``, or the link at the foot of each such e-mail);
``MailTopic.ALWAYS`` always goes, since it is what a person cannot afford to miss.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from models import MailKind, MailPreferences, MailTopic, OutgoingMail, User
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction

# A nudge that says only "something is waiting" need not be sent twice while the first
# still waits to go: the inbox holds every notice behind it.
# Nor need a word that someone tried to use an address: once is enough until it has gone.
COALESCED = frozenset(
    {MailKind.NEW_MESSAGE, MailKind.NEWS, MailKind.URGENT, MailKind.ADDRESS_IN_USE}
)


@dataclass(frozen=True)
class Choices:
    """The optional topics a person hears of by e-mail."""

    messages: bool = True
    news: bool = True
    reminders: bool = True


async def mail_choices(user_id: int) -> Choices:
    row = await MailPreferences.filter(user_id=user_id).first()
    if row is None:
        return Choices()
    return Choices(messages=row.messages, news=row.news, reminders=row.reminders)


async def wants_email(user_id: int, topic: MailTopic) -> bool:
    if topic == MailTopic.ALWAYS:
        return True
    row = await MailPreferences.filter(user_id=user_id).first()
    return row is None or row.wants(topic)


async def do_set_mail_choices(
    user_id: int,
    messages: bool | None = None,
    news: bool | None = None,
    reminders: bool | None = None,
) -> Choices:
    """Change the topics given; the others stay as they were."""
    changes = {
        name: value
        for name, value in (("messages", messages), ("news", news), ("reminders", reminders))
        if value is not None
    }
    if changes:
        async with transaction():
            row, _ = await MailPreferences.get_or_create(user_id=user_id)
            row.update_from_dict(changes)
            await row.save()
    return await mail_choices(user_id)


async def do_unsubscribe(user_id: int, topic: MailTopic) -> bool:
    """Turn one topic off from an e-mail's link; ``False`` if no such profile is open."""
    if not await User.filter(id=user_id, closed_at=None).exists():
        return False
    await do_set_mail_choices(user_id, **{topic.value.lower(): False})
    return True


async def queue_email(
    user: User | int | None,
    kind: MailKind,
    *,
    to_address: str | None = None,
    link_token: str | None = None,
    event_at: datetime | None = None,
    now: datetime | None = None,
) -> OutgoingMail | None:
    """Put an e-mail in the outbox, in the caller's transaction; ``None`` when it is not to
    go: a closed profile, a topic turned off, or the same nudge already waiting to leave.

    ``to_address`` is for e-mail to an address that is not (yet) the profile's own: the
    new address of an e-mail change, or of a registration (``user`` ``None``);
    ``event_at`` the time of a call, which goes with it as a calendar invitation.
    """
    if isinstance(user, int):
        user = await User.filter(id=user).first()
        if user is None:
            return None
    if user is not None and (
        user.closed_at is not None or not await wants_email(user.id, kind.topic)
    ):
        return None
    address = to_address or (user.email if user is not None else "")
    if not address:
        raise ValueError("an e-mail to no profile needs the address it goes to")
    if (
        kind in COALESCED
        and await OutgoingMail.filter(
            kind=kind, to_address=address, sent_at=None, failed_at=None
        ).exists()
    ):
        return None
    now = now or datetime.now(UTC)
    async with transaction():
        mail = await OutgoingMail.create(
            user_id=user.id if user is not None else None,
            to_address=address,
            kind=kind,
            link_token=link_token,
            event_at=event_at,
            message_id=uuid.uuid4().hex,
            queued_at=now,
            next_attempt_at=now,
        )
        after_commit(channels.mail_queued(), {"mail_id": mail.id})
    return mail
