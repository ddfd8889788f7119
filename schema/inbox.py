"""The personal inbox: messages from staff and from the service."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.access import message_subject
from auth.permissions import IsAuthenticated, IsSelf, guard, parse_id, subject_from
from models import PersonalMessage as MessageModel
from resolvers import inbox, live
from schema.accounts import User
from schema.inputs import ClientMessageId
from schema.pagination import Connection, check_first, connection, decode_cursor

MESSAGE = subject_from(message_subject, "message_id", "message")


@strawberry.type(
    description="The record a notice is about. Open it with the query for its type "
    "(`SafeguardingConcern`: `safeguardingConcern(concernId)`; `BreachReport`: "
    "`breachReports`), where the reader's rights are checked again."
)
class RecordLink:
    type: str = strawberry.field(description="SafeguardingConcern or BreachReport.")
    id: strawberry.ID


@strawberry.type(description="A message in a personal inbox.")
class PersonalMessage:
    id: strawberry.ID
    subject: str
    body: str
    sent_at: datetime
    read_at: datetime | None
    kind: str = strawberry.field(description="MESSAGE, NOTICE (from the service) or BREACH_REPORT.")
    thread_id: strawberry.ID | None = strawberry.field(
        description="The first message of the exchange this one answers."
    )
    urgent: bool = strawberry.field(description="Needs attention now.")
    link: RecordLink | None = strawberry.field(
        description="The record this notice is about, which it does not repeat; null if none."
    )
    sender_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, message: MessageModel) -> PersonalMessage:
        return cls(
            id=strawberry.ID(str(message.id)),
            subject=message.subject,
            body=message.body,
            sent_at=message.sent_at,
            read_at=message.read_at,
            kind=message.kind,
            thread_id=strawberry.ID(str(message.thread_id)) if message.thread_id else None,
            urgent=message.urgent,
            link=RecordLink(type=message.link_type, id=strawberry.ID(str(message.link_id)))
            if message.link_type and message.link_id is not None
            else None,
            sender_id=message.sender_id,
        )

    @strawberry.field(description="Who wrote it; null when the service itself did.")
    async def sender(self, info: Info) -> User | None:
        if self.sender_id is None:
            return None
        return User.from_model(await info.context.loaders.user.load(self.sender_id))


@strawberry.type
class Query:
    @strawberry.field(
        description="The signed-in person's messages, newest first.",
        extensions=guard(IsAuthenticated()),
    )
    async def inbox(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[PersonalMessage] | None:
        first = check_first(first)
        rows = await inbox.inbox_page(info.context.viewer.user_id, decode_cursor(after), first + 1)
        return connection(rows, first, lambda m: m.id, PersonalMessage.from_model, after)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Write to someone. Staff write to anyone; members to the online manager "
        "and to their groups' facilitators.",
        extensions=guard(IsAuthenticated()),
    )
    async def send_personal_message(
        self,
        info: Info,
        to_user_id: strawberry.ID,
        subject: str,
        body: str,
        client_message_id: ClientMessageId = None,
    ) -> PersonalMessage | None:
        message = await inbox.do_send(
            await info.context.current_user(),
            parse_id(to_user_id, "toUserId"),
            subject,
            body,
            client_message_id,
        )
        return PersonalMessage.from_model(message)

    @strawberry.mutation(
        description="Answer a message in your inbox, in the same thread.",
        extensions=guard(IsSelf(), subject=MESSAGE),
    )
    async def reply_to_message(
        self,
        info: Info,
        message_id: strawberry.ID,
        body: str,
        client_message_id: ClientMessageId = None,
    ) -> PersonalMessage | None:
        message = await inbox.do_reply(
            await info.context.current_user(),
            parse_id(message_id, "messageId"),
            body,
            client_message_id,
        )
        return PersonalMessage.from_model(message)

    @strawberry.mutation(extensions=guard(IsSelf(), subject=MESSAGE))
    async def mark_message_read(
        self, info: Info, message_id: strawberry.ID
    ) -> PersonalMessage | None:
        message = await inbox.do_mark_read(
            info.context.viewer.user_id, parse_id(message_id, "messageId")
        )
        return PersonalMessage.from_model(message)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New messages in your inbox as they arrive.",
        extensions=guard(IsAuthenticated()),
    )
    async def inbox(self, info: Info) -> AsyncGenerator[PersonalMessage, None]:
        async for message in live.follow_inbox(info.context.viewer):
            yield PersonalMessage.from_model(message)
