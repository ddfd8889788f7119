"""The SQL a request costs does not grow with the rows stored: paging and joins, not loops.

Statements are counted from Tortoise's own log of what it sends, while one request is
served; the same requests are counted on a small world and on one with many more
groups, members, messages and notices, and must cost the same. The server counted
keeps no answers, so that every request is computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from app import BACKGROUND
from models import (
    GroupSession,
    Membership,
    PersonalMessage,
    Role,
    SessionMessage,
    SessionStatus,
    User,
)
from resolvers.names import name_key
from tests.conftest import GraphQLClient, another_server, join, make_group
from tests.workflow import data

MEMBERS_GROUP = """
query ($id: ID!) { group(id: $id) { id name placesLeft members { profileName }
  sessions { id status } } }"""
GROUPS = "{ groups { name placesLeft nextMeetingAt facilitator { profileName } } }"
ME = "{ me { id profileName role email } }"
TRANSCRIPT = """
query ($session: ID!) { transcript(sessionId: $session, first: 20) {
  messages { edges { node { sequence body author { profileName } } } } } }"""
INBOX = "{ inbox(first: 20) { edges { node { subject sentAt } } } }"


H = TypeVar("H", bound=logging.Handler)


def not_in_the_background(record: logging.LogRecord) -> bool:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return True
    return task is None or not task.get_name().startswith(BACKGROUND)


class Statements(logging.Handler):
    """Counts the statements Tortoise logs, leaving out its connection notices."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith(("Created connection", "Closed connection")):
            self.count += 1


def counting() -> contextlib.AbstractContextManager[Statements]:
    return hearing_statements(Statements())


@contextlib.contextmanager
def hearing_statements(handler: H) -> Iterator[H]:
    """Have ``handler``, alone, hear every statement Tortoise sends for requests during
    the block: not those of the server's own background work (its beat, its e-mail)."""
    logger = logging.getLogger("tortoise.db_client")
    level, propagate = logger.level, logger.propagate
    handler.addFilter(not_in_the_background)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


async def cost(
    gql, field: str, query: str, variables: dict | None = None, token: str | None = None
) -> int:
    """The statements one request costs, asked once before so that any first-use work is done."""
    data(await gql(query, variables, token=token), field)
    with counting() as statements:
        data(await gql(query, variables, token=token), field)
    return statements.count


async def costs(gql, scene) -> dict[str, int]:
    member, group, session = scene
    return {
        "member's group": await cost(
            gql, "group", MEMBERS_GROUP, {"id": str(group.id)}, member.token
        ),
        "groups": await cost(gql, "groups", GROUPS),
        "me": await cost(gql, "me", ME, token=member.token),
        "transcript page": await cost(
            gql, "transcript", TRANSCRIPT, {"session": str(session.id)}, member.token
        ),
        "inbox page": await cost(gql, "inbox", INBOX, token=member.token),
    }


@pytest.fixture
async def small_world(person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person()
    joined = await join(group, member)
    await Membership.filter(id=joined.id).update(starts_at=datetime.now(UTC) - timedelta(days=2))
    for _ in range(2):
        await join(group, await person())
    started = datetime.now(UTC) - timedelta(days=1)
    session = await GroupSession.create(
        group=group,
        starts_at=started,
        started_at=started,
        ended_at=started + timedelta(hours=1),
        status=SessionStatus.ENDED,
        one_off=True,
    )
    await SessionMessage.bulk_create(
        [
            SessionMessage(session=session, author=member.user, sequence=n, body=f"Message {n}")
            for n in range(1, 6)
        ]
    )
    await PersonalMessage.bulk_create(
        [PersonalMessage(recipient=member.user, subject=f"Notice {n}", body="…") for n in range(3)]
    )
    return member, group, session, facilitator


async def grow(member, group, session, facilitator) -> None:
    """Many more of everything: thirty full groups, hundreds of messages and notices."""
    now = datetime.now(UTC)
    for g in range(30):
        other = await make_group(facilitator, name=f"Group {g}")
        names = [f"Grown {g} {chr(65 + n)}" for n in range(8)]
        people = await User.bulk_create(
            [
                User(
                    email=f"grown-{g}-{n}@example.org",
                    password_hash="!",
                    profile_name=name,
                    name_key=name_key(name),
                )
                for n, name in enumerate(names)
            ]
        )
        people = await User.filter(email__startswith=f"grown-{g}-")
        await Membership.bulk_create(
            [
                Membership(group=other, user=p, starts_at=now, ends_at=now + timedelta(weeks=12))
                for p in people
            ]
        )
    others = await User.filter(email__startswith="grown-0-")
    await Membership.bulk_create(
        [
            Membership(group=group, user=p, starts_at=now, ends_at=now + timedelta(weeks=12))
            for p in others[:5]
        ]
    )
    await SessionMessage.bulk_create(
        [
            SessionMessage(session=session, author=others[n % 5], sequence=n, body=f"More {n}")
            for n in range(6, 600)
        ]
    )
    await PersonalMessage.bulk_create(
        [PersonalMessage(recipient=member.user, subject=f"Later {n}", body="…") for n in range(300)]
    )


@pytest.fixture
async def gql(settings):
    async with another_server(settings, HAVEN_KEEP_ANSWERS="off") as http:
        yield GraphQLClient(http)


async def test_no_request_costs_more_statements_as_the_rows_grow(gql, small_world):
    member, group, session, facilitator = small_world
    before = await costs(gql, (member, group, session))

    await grow(member, group, session, facilitator)
    after = await costs(gql, (member, group, session))

    assert all(statements > 0 for statements in before.values()), before  # counting works
    assert after == before
