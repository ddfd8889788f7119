"""The personal inbox: messages from staff and from the service."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.permissions import IsAuthenticated, guard
from models import PersonalMessage as MessageModel
from resolvers import inbox
from schema.accounts import User
from schema.pagination import Connection, check_first, connection, decode_cursor


@strawberry.type(description="A message in a personal inbox.")
class PersonalMessage:
    id: strawberry.ID
    subject: str
    body: str
    sent_at: datetime
    read_at: datetime | None
    sender_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, message: MessageModel) -> PersonalMessage:
        return cls(
            id=strawberry.ID(str(message.id)),
            subject=message.subject,
            body=message.body,
            sent_at=message.sent_at,
            read_at=message.read_at,
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
        return connection(rows, first, lambda m: m.id, PersonalMessage.from_model)
