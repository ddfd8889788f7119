"""Personal inboxes: what the service and staff tell people, and their answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from auth.access import current_memberships
from errors import BadUserInput, Forbidden, NotFound
from models import Application, Group, MailKind, PersonalMessage, Role, User
from resolvers.notices import queue_email
from resolvers.text import LETTER, LINE, check_text
from resolvers.writes import check_client_write, write_once
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction

APPLICATION_LINK = "Application"  # notices about an application link to it


@dataclass(frozen=True)
class Link:
    """The record a notice points to (a concern, a report), so that the reader can open it
    where their rights are checked, rather than the notice repeating what it says."""

    type: str
    id: int


async def notify(
    recipient_id: int,
    subject: str,
    body: str,
    sender_id: int | None = None,
    kind: str = "NOTICE",
    thread_id: int | None = None,
    *,
    urgent: bool = False,
    link: Link | None = None,
    email: MailKind | None = MailKind.NEWS,
) -> PersonalMessage:
    """Put a message in someone's inbox, told to their live inbox once committed, and
    queue the e-mail that says something is waiting (``email``; ``None`` for none). An
    urgent notice is always e-mailed as urgent."""
    if urgent and email is not None:
        email = MailKind.URGENT
    async with transaction():
        message = await PersonalMessage.create(
            recipient_id=recipient_id,
            sender_id=sender_id,
            subject=subject[:200],
            body=body,
            kind=kind,
            thread_id=thread_id,
            urgent=urgent,
            link_type=link.type if link else "",
            link_id=link.id if link else None,
        )
        after_commit(channels.inbox(recipient_id), {"message_id": message.id})
        if email is not None:
            await queue_email(recipient_id, email)
    return message


async def online_managers() -> list[int]:
    """The ids of every online manager whose profile is open: who must hear of breaches
    and safeguarding concerns, so that an alert never rests on one person."""
    ids = await User.filter(role=Role.ONLINE_MANAGER, closed_at=None).values_list("id", flat=True)
    return sorted(ids)  # type: ignore[type-var]


async def notify_each(
    recipient_ids: Iterable[int],
    subject: str,
    body: str,
    *,
    urgent: bool = False,
    link: Link | None = None,
    sender_id: int | None = None,
    kind: str = "NOTICE",
    email: MailKind | None = MailKind.NEWS,
) -> int:
    """Give each recipient the same notice, in one transaction; returns how many were told."""
    recipients = sorted(set(recipient_ids))
    async with transaction():
        for recipient_id in recipients:
            await notify(
                recipient_id, subject, body, sender_id, kind, urgent=urgent, link=link, email=email
            )
    return len(recipients)


async def inbox_page(user_id: int, after_id: int | None, limit: int) -> list[PersonalMessage]:
    """Newest first; ``after_id`` continues below the last message of the previous page."""
    messages = PersonalMessage.filter(recipient_id=user_id)
    if after_id is not None:
        messages = messages.filter(id__lt=after_id)
    return await messages.order_by("-id").limit(limit)


MEMBERS_WRITE_TO = "Members write to the online manager and to their groups' facilitators."
# (and an applicant to the facilitator of the group she applied to)


async def check_may_write(sender: User, recipient: User | None) -> User:
    """Staff write to anyone; members write to the online manager and to the facilitators
    of their own groups, never to another member.

    A member hears the same refusal for a person who does not exist, whose profile is
    closed or whom she may not write to, so the inbox cannot be used to learn who has
    a profile here.
    """
    if recipient is not None and recipient.id == sender.id:
        raise BadUserInput("Write to someone other than yourself.")
    if sender.is_staff:
        if recipient is None:
            raise NotFound("No such person.")
        if recipient.closed_at is not None:
            raise BadUserInput("That profile is closed.")
        return recipient
    if recipient is None or recipient.closed_at is not None:
        raise Forbidden(MEMBERS_WRITE_TO)
    if recipient.role == Role.ONLINE_MANAGER:
        return recipient
    if recipient.role == Role.FACILITATOR:
        groups = current_memberships().filter(user_id=sender.id).values_list("group_id", flat=True)
        if await Group.filter(id__in=await groups, facilitator_id=recipient.id).exists():
            return recipient
        if await Application.filter(  # an applicant writes to the group she applied to
            applicant_id=sender.id, open_key__not_isnull=True, group__facilitator_id=recipient.id
        ).exists():
            return recipient
    raise Forbidden(MEMBERS_WRITE_TO)


def check_message(subject: str, body: str) -> tuple[str, str]:
    return (
        check_text(subject, "a subject", longest=LINE, one_line=True),
        check_text(body, "something in your message", longest=LETTER),
    )


async def do_send(
    sender: User, to_user_id: int, subject: str, body: str, client_id: str | None = None
) -> PersonalMessage:
    subject, body = check_message(subject, body)
    recipient = await check_may_write(sender, await User.filter(id=to_user_id).first())
    key = check_client_write(sender.id, client_id, "PERSONAL_MESSAGE", recipient.id, subject, body)
    return await write_once(
        key,
        PersonalMessage,
        lambda: notify(
            recipient.id,
            subject,
            body,
            sender_id=sender.id,
            kind="MESSAGE",
            email=MailKind.NEW_MESSAGE,
        ),
    )


async def do_reply(
    sender: User, message_id: int, body: str, client_id: str | None = None
) -> PersonalMessage:
    """Answer a message in your inbox; the answer joins the same thread."""
    original = await PersonalMessage.filter(id=message_id, recipient_id=sender.id).first()
    if original is None:
        raise NotFound("No such message in your inbox.")
    subject = original.subject if original.subject.startswith("Re: ") else f"Re: {original.subject}"
    subject, body = check_message(subject[:200], body)
    recipient = await answers_to(original, sender)
    await check_may_write(sender, recipient)
    key = check_client_write(sender.id, client_id, "REPLY", message_id, body)
    return await write_once(
        key,
        PersonalMessage,
        lambda: notify(
            recipient.id,
            subject,
            body,
            sender_id=sender.id,
            kind="MESSAGE",
            thread_id=original.thread_id or original.id,
            email=MailKind.NEW_MESSAGE,
        ),
    )


async def answers_to(original: PersonalMessage, reader: User) -> User:
    """Who hears an answer to ``original``: its sender; for the service's own notice about
    the reader's application, the facilitator of the group she applied to."""
    if original.sender_id is not None:
        return await User.get(id=original.sender_id)
    if original.link_type == APPLICATION_LINK:
        application = await Application.filter(id=original.link_id, applicant_id=reader.id).first()
        if application is not None:
            group = await Group.get(id=application.group_id)
            return await User.get(id=group.facilitator_id)
    raise BadUserInput("This notice came from the service itself: there is no one to answer.")


async def do_mark_read(user_id: int, message_id: int) -> PersonalMessage:
    message = await PersonalMessage.filter(id=message_id, recipient_id=user_id).first()
    if message is None:
        raise NotFound("No such message in your inbox.")
    if message.read_at is None:
        message.read_at = datetime.now(UTC)
        await message.save(update_fields=["read_at"])
    return message


async def unread_count(user_id: int) -> int:
    return await PersonalMessage.filter(recipient_id=user_id, read_at=None).count()
