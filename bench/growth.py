"""Growth: the hot reads on a charity's worth of data cost what they cost on the demo.

The four reads are timed (wrk, req/s) on the server that computes every answer
(``HAVEN_KEEP_ANSWERS=off``): first on the demo data with enough groups beside it to
fill the listing's page of 20, one ended session of Anna's group and a page's worth of
her inbox, then again once the database holds 1,000 more
groups of 8 members each (8,000 members), 100,000 more session messages (10,000 of
them in the session Anna reads) and 100,000 more personal messages (5,000 of them
Anna's). Each must stay within ``TARGET_GROWTH`` of its time on the small world:
paging and indexes, not scans.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections

from bench.delivery import _users
from bench.load import Load, apply_load, check_answer, post_body
from models import (
    Group,
    GroupSession,
    Membership,
    Need,
    PersonalMessage,
    Role,
    SessionMessage,
    SessionStatus,
    User,
)

TARGET_GROWTH = 1.5
ROUNDS = 3
GROUPS, MEMBERS = 1_000, 8
SESSION_MESSAGES, IN_ANNAS_SESSION = 100_000, 10_000
PERSONAL_MESSAGES, ANNAS = 100_000, 5_000
BATCH = 2_000

READS = [
    (
        "groups, one page (anonymous)",
        "{ groups(first: 20) { name placesLeft nextMeetingAt } }",
        False,
    ),
    (
        "member's group (member)",
        "query ($id: ID!) { group(id: $id) { id name placesLeft members { profileName } "
        "sessions { id status } } }",
        True,
    ),
    (
        "transcript, one page (member)",
        "query ($session: ID!) { transcript(sessionId: $session, first: 20) { messages { "
        "edges { node { sequence body author { profileName } } } } } }",
        True,
    ),
    (
        "inbox, one page (member)",
        "{ inbox(first: 20) { edges { node { subject sentAt } } } }",
        True,
    ),
]


async def small_world(anna: User, group_id: int) -> int:
    """A full page of groups, an ended session of Anna's group said while she was in it,
    and her inbox; the session's id."""
    now = datetime.now(UTC)
    need, _ = await Need.get_or_create(name="Living with cancer")
    facilitator = (await Group.get(id=group_id)).facilitator_id
    await Group.bulk_create(
        Group(
            name=f"Page {n}",
            need_id=need.id,
            facilitator_id=facilitator,
            weekday=n % 7,
            start_minute=1140,
        )
        for n in range(20)
    )
    session = await GroupSession.create(
        group_id=group_id,
        starts_at=now,
        status=SessionStatus.ENDED,
        started_at=now,
        ended_at=now + timedelta(hours=1),
        one_off=True,
    )
    await _said(session.id, anna.id, 1, 40, now)
    await _inbox(anna.id, 40, now)
    return session.id


async def grow(anna: User, session_id: int) -> None:
    """A thousand groups, their members, their words and their mail, beside the demo."""
    now = datetime.now(UTC)
    stamp = f"growth{now.timestamp():.0f}"
    need, _ = await Need.get_or_create(name="Living with cancer")
    facilitators = await _users(stamp + "f", 50, Role.FACILITATOR)
    names = [f"Growth {stamp} {n}" for n in range(GROUPS)]
    await Group.bulk_create(
        [
            Group(
                name=name,
                need_id=need.id,
                facilitator_id=facilitators[n % len(facilitators)].id,
                weekday=n % 7,
                start_minute=1140,
            )
            for n, name in enumerate(names)
        ],
        batch_size=BATCH,
    )
    groups = await Group.filter(name__in=names).order_by("id").values_list("id", flat=True)
    people = await _users(stamp, GROUPS * MEMBERS, Role.MEMBER)
    await Membership.bulk_create(
        [
            Membership(
                group_id=group_id,
                user_id=people[g * MEMBERS + m].id,
                starts_at=now - timedelta(weeks=1),
                ends_at=now + timedelta(weeks=11),
            )
            for g, group_id in enumerate(groups)
            for m in range(MEMBERS)
        ],
        batch_size=BATCH,
    )
    per_session = (SESSION_MESSAGES - IN_ANNAS_SESSION) // GROUPS
    await GroupSession.bulk_create(
        [
            GroupSession(
                group_id=group_id,
                starts_at=now - timedelta(days=1),
                status=SessionStatus.ENDED,
                started_at=now - timedelta(days=1),
                ended_at=now - timedelta(days=1) + timedelta(hours=1),
                last_sequence=per_session,
            )
            for group_id in groups
        ],
        batch_size=BATCH,
    )
    sessions = await GroupSession.filter(group_id__in=groups).values_list("id", "group_id")
    first_member = {group_id: people[g * MEMBERS].id for g, group_id in enumerate(groups)}
    for session, group_id in sessions:
        await _said(session, first_member[group_id], 1, per_session, now - timedelta(days=1))
    await _said(session_id, anna.id, 41, IN_ANNAS_SESSION, datetime.now(UTC))
    others = [p.id for p in people]
    await _inbox(anna.id, ANNAS, now)
    for start in range(0, PERSONAL_MESSAGES - ANNAS, BATCH):
        await PersonalMessage.bulk_create(
            [
                PersonalMessage(
                    recipient_id=others[n % len(others)],
                    subject="A note",
                    body="Hello from the group.",
                    sent_at=now,
                )
                for n in range(start, min(start + BATCH, PERSONAL_MESSAGES - ANNAS))
            ]
        )
    # A database grown over months has its planner's statistics; one filled in a minute
    # is given them, as autovacuum would on PostgreSQL.
    await connections.get("default").execute_script("ANALYZE")


async def _said(session_id: int, author_id: int, first: int, count: int, at: datetime) -> None:
    for start in range(0, count, BATCH):
        await SessionMessage.bulk_create(
            [
                SessionMessage(
                    session_id=session_id,
                    author_id=author_id,
                    sequence=first + n,
                    body=f"Something said, number {first + n}.",
                    sent_at=at + timedelta(milliseconds=n),
                )
                for n in range(start, min(start + BATCH, count))
            ]
        )


async def _inbox(recipient_id: int, count: int, at: datetime) -> None:
    for start in range(0, count, BATCH):
        await PersonalMessage.bulk_create(
            [
                PersonalMessage(
                    recipient_id=recipient_id,
                    subject=f"Note {n}",
                    body="Hello from the group.",
                    sent_at=at + timedelta(milliseconds=n),
                )
                for n in range(start, min(start + BATCH, count))
            ]
        )


def time_reads(url: str, token: str, variables: dict[str, Any], seconds: float) -> list[Load]:
    """Each read's median over ``ROUNDS`` rounds of the four in turn: at a hundred
    requests a second, one round alone moves by a third from one run to the next."""
    asked = []
    for _, query, signed_in in READS:
        wanted = {k: v for k, v in variables.items() if f"${k}" in query}
        body = post_body(query, wanted or None)
        who = token if signed_in else None
        check_answer(url, body, who)
        apply_load(url, body, who, 1)  # warm up
        asked.append((body, who))
    rounds = [[apply_load(url, body, who, seconds) for body, who in asked] for _ in range(ROUNDS)]
    return [
        sorted(loads, key=lambda load: load.requests_per_second)[ROUNDS // 2]
        for loads in zip(*rounds, strict=True)
    ]


async def measure_growth(
    url: str, token_of: Callable[[User], str], seconds: float
) -> Sequence[str]:
    """Time the reads on the demo, grow the database, time them again; the lines to print."""
    anna = await User.get(profile_name="Anna K")
    group_id = (await Group.get(name="Tuesday evening group")).id
    session_id = await small_world(anna, group_id)
    variables = {"id": str(group_id), "session": str(session_id)}
    token = token_of(anna)
    small = await asyncio.to_thread(time_reads, url, token, variables, seconds)
    await grow(anna, session_id)
    large = await asyncio.to_thread(time_reads, url, token, variables, seconds)
    lines = [
        f"growth: {GROUPS:,} more groups, {GROUPS * MEMBERS:,} members, "
        f"{SESSION_MESSAGES:,} session messages, {PERSONAL_MESSAGES:,} personal messages; "
        "answers computed every time"
    ]
    for (name, _, _), before, after in zip(READS, small, large, strict=True):
        slower = before.requests_per_second / after.requests_per_second
        met = slower <= TARGET_GROWTH and not after.failed
        lines.append(
            f"  {name:<30} demo {before.requests_per_second:7.0f} req/s   grown "
            f"{after.requests_per_second:7.0f} req/s   {slower:4.2f}x the time"
            f"   target <= {TARGET_GROWTH:.1f}x {'met' if met else 'NOT MET'}"
        )
    return lines
