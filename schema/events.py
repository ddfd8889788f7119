"""Domain events for integrations: types and ids, never content."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from auth.permissions import HasScope, as_key, guard
from errors import BadUserInput
from resolvers import live
from resolvers.events import EventType as EventTypeModel

EventType = strawberry.enum(EventTypeModel, name="EventType", description="What happened.")


@strawberry.type(description="Something that happened in Haven: what, to which ids, and when.")
class Event:
    id: strawberry.ID = strawberry.field(
        description="Its place in the order events happened: pass the last you saw as "
        "`after` to pick up from it."
    )
    type: EventType  # type: ignore[valid-type]
    group_id: strawberry.ID | None
    application_id: strawberry.ID | None
    session_id: strawberry.ID | None
    occurred_at: datetime

    @classmethod
    def from_payload(cls, payload: dict) -> Event:
        def ident(key: str) -> strawberry.ID | None:
            return strawberry.ID(str(payload[key])) if payload.get(key) is not None else None

        return cls(
            id=strawberry.ID(str(payload["position"])),
            type=EventTypeModel(payload["type"]),
            group_id=ident("group_id"),
            application_id=ident("application_id"),
            session_id=ident("session_id"),
            occurred_at=datetime.fromisoformat(payload["occurred_at"]),
        )


def parse_position(value: object) -> int:
    """An event's id: 0 or a position Haven gave."""
    position = as_key(str(value))
    if position is None:
        raise BadUserInput("That is not an event's id.")
    return position


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Events of the given types (all when none are given), for integrations "
        "whose token carries the events:read scope: with `after` (an event's id), first "
        "those after it that are still kept (30 days), then live; without, from now.",
        extensions=guard(HasScope("events:read")),
    )
    async def events(
        self,
        info: Info,
        types: list[EventType] | None = None,  # type: ignore[valid-type]
        after: strawberry.ID | None = None,
    ) -> AsyncGenerator[Event, None]:
        wanted = {t.value for t in types} if types else None
        position = parse_position(after) if after is not None else None
        async for payload in live.follow_events(info.context.viewer, wanted, position):
            yield Event.from_payload(payload)
