"""The reference: bare strawberry answering Haven's query shapes from memory.

The same fields, nesting and sizes as the demo data, with strawberry's parser and
validation caches and nothing else: no database, no permissions, no middleware. What
it serves per second on this machine is the framework's own speed, the anchor each
Haven figure in ``make bench`` is printed beside.

Served by ``python -m uvicorn bench.anchor:app`` as its own process, like Haven.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

NEXT_MEETING = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)


@strawberry.type
class User:
    id: strawberry.ID
    profile_name: str
    role: str
    email: str | None


@strawberry.type
class GroupSession:
    id: strawberry.ID
    status: str


@strawberry.type
class Group:
    id: strawberry.ID
    name: str
    need: str
    places_left: int
    next_meeting_at: datetime
    facilitator: User
    members: list[User]
    sessions: list[GroupSession]


def _user(n: int, name: str, role: str = "MEMBER") -> User:
    return User(id=strawberry.ID(str(n)), profile_name=name, role=role, email=f"{n}@example.org")


FACILITATORS = [_user(2, "Dr Ruth Ellis", "FACILITATOR"), _user(3, "Dr Omar Haddad", "FACILITATOR")]
MEMBERS = {1: [_user(4, "Anna K"), _user(5, "Ben T"), _user(6, "Chloe")], 3: [_user(7, "Dev P")]}
GROUPS = [
    Group(
        id=strawberry.ID(str(n)),
        name=name,
        need=need,
        places_left=8 - len(MEMBERS.get(n, [])),
        next_meeting_at=NEXT_MEETING + timedelta(days=n),
        facilitator=FACILITATORS[(n - 1) // 2],
        members=MEMBERS.get(n, []),
        sessions=[
            GroupSession(id=strawberry.ID(str(n * 10 + week)), status="SCHEDULED")
            for week in range(4)
        ],
    )
    for n, name, need in [
        (1, "Tuesday evening group", "Living with cancer"),
        (2, "Carers' Thursday group", "Caring for someone"),
        (3, "Moving on", "After treatment"),
        (4, "Remembering together", "Bereavement"),
    ]
]
BY_ID = {group.id: group for group in GROUPS}


@strawberry.type
class Query:
    @strawberry.field
    def groups(self) -> list[Group]:
        return GROUPS

    @strawberry.field
    def group(self, id: strawberry.ID) -> Group | None:
        return BY_ID.get(id)

    @strawberry.field
    def me(self) -> User:
        return MEMBERS[1][0]


schema = strawberry.Schema(Query, extensions=[ParserCache(), ValidationCache()])
app = GraphQL(schema, graphql_ide=None)
