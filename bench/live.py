"""Live delivery: from a member posting in a session to all eight members hearing it."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx

from auth.tokens import issue_access_token
from models import Group, GroupSession, Membership, Need, Role, User
from resolvers.accounts import do_create_user
from resolvers.names import name_key
from settings import Settings
from tests.live import LiveClient

SUBSCRIBE = "subscription ($s: ID!) { sessionMessages(sessionId: $s) { sequence } }"
POST = (
    "mutation ($s: ID!, $b: String!) { postSessionMessage(sessionId: $s, body: $b) { sequence } }"
)


async def eight_members_in_a_live_session(settings: Settings) -> tuple[list[str], str]:
    stamp = int(time.time() * 1000) % 10**8
    facilitator = await do_create_user(
        f"bench-f-{stamp}@example.org",
        "bench password 1",
        f"Bench F {stamp}",
        Role.FACILITATOR,
        f"B{stamp}",
    )
    need, _ = await Need.get_or_create(name="Living with cancer")
    group = await Group.create(
        name="Bench group", need=need, facilitator=facilitator, weekday=1, start_minute=1140
    )
    now = datetime.now(UTC)
    tokens = []
    for n in range(8):
        name = f"Bench {stamp} {'ABCDEFGH'[n]}"
        member = await User.create(
            email=f"bench-{stamp}-{n}@example.org",
            password_hash="!",
            profile_name=name,
            name_key=name_key(name),
            role=Role.MEMBER,
        )
        await Membership.create(
            group=group, user=member, starts_at=now, ends_at=now + timedelta(weeks=12)
        )
        tokens.append(issue_access_token(settings, member))
    session = await GroupSession.create(
        group=group,
        starts_at=now + timedelta(minutes=1),
        status="LIVE",
        started_at=now,
        one_off=True,
    )
    return tokens, str(session.id)


async def measure_delivery(url: str, settings: Settings, messages: int) -> str:
    tokens, session = await eight_members_in_a_live_session(settings)
    ws_url = url.replace("http", "ws") + "/graphql"
    clients = [await LiveClient.connect(ws_url, token) for token in tokens]
    streams = [await c.subscribe(SUBSCRIBE, {"s": session}) for c in clients]
    await asyncio.sleep(0.3)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        for n in range(messages):
            sent = time.perf_counter()
            await http.post(
                "/graphql",
                json={"query": POST, "variables": {"s": session, "b": f"m{n}"}},
                headers=headers,
            )
            for client, stream in zip(clients, streams, strict=True):
                await client.data(stream, "sessionMessages")
                latencies.append(time.perf_counter() - sent)
    for client in clients:
        await client.close()
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{messages} messages to 8 members: p50 {cuts[49] * 1000:6.1f} ms   "
        f"p99 {cuts[98] * 1000:6.1f} ms (post sent to last member's delivery)"
    )
