"""Live delivery of session messages at the scale the targets name, and what it costs.

Every scenario sets up its own groups straight in the database (bulk inserts: a
facilitator, groups of eight members with current memberships, one LIVE session each;
access tokens from ``issue_access_token``), then drives a server that is already
running, over the wire, as clients would:

- subscribers are WebSockets speaking graphql-transport-ws, each signed in with
  ``connection_init`` ``{"authorization": "Bearer <token>"}`` and subscribed to
  ``sessionMessages(sessionId)``. They live in a process of their own
  (``bench/delivery_clients.py``, a thin client on ``asyncio.Protocol`` that stores each
  frame raw with its arrival time and parses only afterwards), so that posting, the
  database checks of this process and the subscribers do not share one event loop;
- posts are ``postSessionMessage`` mutations over HTTP (httpx, kept-alive connections),
  each by a member of the session, sent on a fixed schedule (open loop: a slow answer
  does not delay the next post), except for the fan-out capacity (closed loop).

Latency is measured from the message's ``sent_at`` as the database holds it, to the
microsecond (the server sets it when it stores the message, in the transaction, on this
machine's clock; the API's ``sentAt`` is to the second) to ``time.time()`` when the
subscriber's bytes reached its event loop. ``sent_at`` is taken just before the
commit, so the figure includes the commit itself: it slightly overstates "from
commit", never understates it. The time from the client sending the
POST is given beside it, for reference. A subscriber is counted as ready once the
server holds its presence row (written after the subscription listens on the pub/sub).

Each subscriber's deliveries are checked against what was posted in its session (the
sequences the mutations answered): a sequence posted but never received is lost, one
received twice is duplicated, one received after a higher one is out of order.
Anything else a subscriber was sent (an error such as ``FELL_BEHIND``, a completion) is
counted too.

The scenarios:

1. Live delivery: 125 sessions of 8 members, 1,000 subscribers (one WebSocket and one
   subscription each), 25 posts/s in all for ``LIVE_SECONDS``, the sessions in turn and
   their members in turn. On Redis across two processes, posts go to the first and 4 of
   each session's 8 subscribers connect to the second.
2. Burst: three sessions, their 24 members subscribed; all 24 post at once (their HTTP
   connections opened beforehand), ``BURSTS`` times, ``BURST_GAP`` seconds apart.
3. One big session: 300 subscribers of one session, made as 300 WebSockets with one
   subscription each, opened by its 8 members in turn (4 members with 38 sockets, 4 with
   37); 5 posts/s for ``BIG_SECONDS``.
4. Fan-out capacity: the same 300 subscribers; ``FANOUT_POSTERS`` members each post
   again as soon as their previous post is answered (as fast as the server takes it)
   for ``FANOUT_SECONDS``.
   Deliveries that arrived in the last ``FANOUT_SECONDS - FANOUT_WARMUP`` seconds are
   divided by the server process's CPU seconds (utime + stime of all its threads, from
   ``/proc/<pid>/stat``) over the same interval.
5. Memory per idle socket: before the 1,000 subscribers of (1) connect, and again once
   they all listen and ``SETTLE_SECONDS`` passed, the server's ``VmRSS``; the difference
   over 1,000 sockets. Only meaningful on a fresh server (memory Python freed earlier is
   reused without showing in RSS), so it runs first, right after a small warm-up.

``python -m bench.delivery`` makes a fresh SQLite file, serves it with ``haven serve``
on memory:// and runs everything, then (when ``redis-server`` is installed, or
``BROADCAST_URL`` names a Redis) two ``haven serve`` processes on one Redis and the
same file, and runs (1) across them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from auth.tokens import issue_access_token
from models import (
    Group,
    GroupSession,
    Membership,
    Need,
    Role,
    SessionMessage,
    SessionPresence,
    User,
)
from models.database import close_database, migrate_database, open_database
from resolvers.names import name_key
from settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent

SUBSCRIBE = "subscription ($s: ID!) { sessionMessages(sessionId: $s) { sequence sentAt } }"
POST = (
    "mutation ($s: ID!, $b: String!) { postSessionMessage(sessionId: $s, body: $b) { sequence } }"
)
MEMBERS = 8

LIVE_SESSIONS, LIVE_RATE, LIVE_SECONDS = 125, 25.0, 12.0
BURST_SESSIONS, BURSTS, BURST_GAP = 3, 10, 1.5
BIG_SUBSCRIBERS, BIG_RATE, BIG_SECONDS = 300, 5.0, 10.0
FANOUT_SECONDS, FANOUT_WARMUP = 10.0, 2.0
FANOUT_POSTERS = 4  # members posting at once, each again as soon as answered
SETTLE_SECONDS = 2.0
READY_SECONDS = 90.0
QUIET_MS = 50.0

TARGET_LIVE_MS = {"memory": 10.0, "redis": 20.0}
TARGET_BURST_MS = 50.0
TARGET_BIG_MS = 50.0
TARGET_FANOUT = 5000.0  # deliveries per second per core of server CPU
TARGET_IDLE_KIB = 48.0
ALL_SCENARIOS = ("memory", "live", "burst", "big", "fanout")


# -- the server process, read from /proc -------------------------------------------------


def listening_pid(port: int) -> int | None:
    """The process that listens on ``port`` on this machine (our own processes only)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                cells = row.split()
                if cells[3] == "0A" and int(cells[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{cells[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        return int(pid)
    return None


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    cells = text[text.rindex(")") + 2 :].split()
    return (int(cells[11]) + int(cells[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for row in status:
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# -- data --------------------------------------------------------------------------------


@dataclass
class Room:
    """A live session and its members' access tokens."""

    session_id: str
    tokens: list[str]


_stamps = itertools.count()


async def live_rooms(settings: Settings, count: int, members: int = MEMBERS) -> list[Room]:
    """``count`` groups of ``members`` current members, each with a LIVE session."""
    stamp = f"{time.time_ns() // 1000 % 10**10:010d}{next(_stamps)}"
    now = datetime.now(UTC)
    need, _ = await Need.get_or_create(name="Living with cancer")
    facilitator = await _users(stamp + "f", 1, Role.FACILITATOR)
    group_names = [f"Delivery {stamp} {g}" for g in range(count)]
    await Group.bulk_create(
        [
            Group(
                name=name,
                need_id=need.id,
                facilitator_id=facilitator[0].id,
                weekday=now.weekday(),
                start_minute=1140,
            )
            for name in group_names
        ],
        batch_size=500,
    )
    groups = {g.name: g for g in await Group.filter(name__in=group_names)}
    people = await _users(stamp, count * members, Role.MEMBER)
    await Membership.bulk_create(
        [
            Membership(
                group_id=groups[name].id,
                user_id=people[g * members + m].id,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(weeks=12),
            )
            for g, name in enumerate(group_names)
            for m in range(members)
        ],
        batch_size=500,
    )
    await GroupSession.bulk_create(
        [
            GroupSession(
                group_id=groups[name].id,
                starts_at=now - timedelta(minutes=1),
                status="LIVE",
                started_at=now - timedelta(minutes=1),
                one_off=True,
            )
            for name in group_names
        ],
        batch_size=500,
    )
    sessions = dict(
        await GroupSession.filter(group_id__in=[g.id for g in groups.values()]).values_list(
            "group_id", "id"
        )
    )
    return [
        Room(
            session_id=str(sessions[groups[name].id]),
            tokens=[issue_access_token(settings, people[g * members + m]) for m in range(members)],
        )
        for g, name in enumerate(group_names)
    ]


async def _users(stamp: str, count: int, role: Role) -> list[User]:
    """``count`` new users, their names' look-alike keys unique (digits fold to letters)."""
    chosen: dict[str, str] = {}
    for n in itertools.count():
        if len(chosen) == count:
            break
        name = f"Delivery {stamp} {n}"
        chosen.setdefault(name_key(name), name)
    taken = set(await User.filter(name_key__in=list(chosen)).values_list("name_key", flat=True))
    for key in taken:  # from an earlier run whose stamp folds alike: draw again
        del chosen[key]
        for n in itertools.count(count * 2):
            name = f"Delivery {stamp} x{n}"
            if name_key(name) not in chosen and not await User.exists(name_key=name_key(name)):
                chosen[name_key(name)] = name
                break
    emails = [f"delivery-{stamp}-{n}@bench.example" for n in range(count)]
    await User.bulk_create(
        [
            User(
                email=email,
                password_hash="!",
                profile_name=name,
                name_key=key,
                role=role,
                created_at=datetime.now(UTC),
            )
            for email, (key, name) in zip(emails, chosen.items(), strict=True)
        ],
        batch_size=500,
    )
    by_email = {u.email: u for u in await User.filter(email__in=emails)}
    return [by_email[email] for email in emails]


async def wait_listening(session_ids: Sequence[str], count: int) -> float:
    """Wait until ``count`` subscriptions to these sessions listen; the seconds it took."""
    started = time.monotonic()
    ids = [int(s) for s in session_ids]
    while (present := await SessionPresence.filter(session_id__in=ids).count()) < count:
        if time.monotonic() - started > READY_SECONDS:
            raise RuntimeError(f"only {present} of {count} subscriptions listen")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def wait_gone(session_ids: Sequence[str]) -> None:
    """Wait until the server let go of these sessions' subscriptions (presence rows)."""
    ids = [int(s) for s in session_ids]
    deadline = time.monotonic() + READY_SECONDS
    while await SessionPresence.filter(session_id__in=ids).exists():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.1)


# -- the subscribers' process ------------------------------------------------------------


class Clients:
    """``bench/delivery_clients.py``, driven a command at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.cpu = 0.0

    @classmethod
    async def start(cls) -> Clients:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.delivery_clients",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 28,
        )
        return cls(process)

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the subscribers' process ended")
        answer = json.loads(line)
        self.cpu = answer.get("cpu", self.cpu)
        return answer

    async def open(self, connections: list[dict[str, Any]]) -> dict[str, Any]:
        opened = await self.ask({"cmd": "open", "query": SUBSCRIBE, "connections": connections})
        if opened["failures"]:
            raise RuntimeError(f"{opened['failures']} sockets failed to open: {opened['failed']}")
        return opened

    async def finish(
        self, expected: int | None, idle: float = 3.0, cap: float = 30.0
    ) -> dict[str, Any]:
        return await self.ask({"cmd": "finish", "expected": expected, "idle": idle, "cap": cap})

    async def close(self) -> None:
        await self.ask({"cmd": "close"})

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.ask({"cmd": "exit"})  # it ends without answering
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def sockets(url: str, rooms: Sequence[Room], second_url: str | None = None) -> list[dict]:
    """One socket and one subscription per member; with ``second_url``, every other
    member of each session connects there."""
    ws, ws_second = _ws(url), _ws(second_url) if second_url else None
    return [
        {
            "url": ws_second if ws_second and m % 2 else ws,
            "token": token,
            "subs": [[f"{r}.{m}", room.session_id]],
        }
        for r, room in enumerate(rooms)
        for m, token in enumerate(room.tokens)
    ]


def _ws(url: str) -> str:
    return url.replace("http", "ws", 1) + "/graphql"


# -- posting -----------------------------------------------------------------------------


@dataclass
class Posted:
    """What was posted, per session: sequence -> when the POST was sent."""

    sent: dict[str, dict[int, float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.sent.values())


class Poster:
    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=url,
            timeout=60,
            limits=httpx.Limits(max_connections=128, max_keepalive_connections=128),
        )
        self.posted = Posted()
        self.bodies = itertools.count()

    async def warm(self, connections: int) -> None:
        """Open ``connections`` kept-alive connections, so that a burst sends at once."""
        body = {"query": "{ __typename }"}
        await asyncio.gather(*(self.http.post("/graphql", json=body) for _ in range(connections)))

    async def post(self, token: str, session_id: str) -> None:
        sent = time.time()
        try:
            answer = await self.http.post(
                "/graphql",
                json={"query": POST, "variables": {"s": session_id, "b": f"m{next(self.bodies)}"}},
                headers={"Authorization": f"Bearer {token}"},
            )
            data = answer.json()
            sequence = data["data"]["postSessionMessage"]["sequence"]
        except Exception as error:  # any failure: counted, shown, not delivered
            self.posted.failures.append(f"{type(error).__name__}: {error}"[:200])
            return
        self.posted.sent.setdefault(session_id, {})[sequence] = sent

    async def at_rate(self, plan: Sequence[tuple[str, str]], rate: float) -> float:
        """Post ``plan`` (token, session) at ``rate`` per second, open loop; the rate kept."""
        started = time.monotonic()
        tasks = []
        for n, (token, session) in enumerate(plan):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.post(token, session)))
        sending = time.monotonic() - started
        await asyncio.gather(*tasks)
        return len(plan) / sending if sending > 0 else float("inf")

    async def close(self) -> None:
        await self.http.aclose()


# -- checking what arrived ---------------------------------------------------------------


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)  # from sentAt
    from_post_ms: list[float] = field(default_factory=list)  # from the POST sent
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    unexpected: int = 0  # sequences nobody here posted
    other: int = 0  # errors, completions
    other_examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.out_of_order or self.unexpected)

    def integrity(self) -> str:
        text = f"lost/duplicated/out of order {self.lost}/{self.duplicated}/{self.out_of_order}"
        if self.unexpected:
            text += f", {self.unexpected} unexpected"
        if self.other:
            text += f", {self.other} other messages ({self.other_examples[0][:80]})"
        return text


async def stored_at(sessions_of: dict[str, str]) -> dict[tuple[str, int], float]:
    """When each message was stored, to the microsecond, as the database holds it: the API
    gives ``sentAt`` to the second, too coarse to time a delivery by."""
    ids = {int(session) for session in sessions_of.values()}
    rows = await SessionMessage.filter(session_id__in=ids).values_list(
        "session_id", "sequence", "sent_at"
    )
    return {(str(session), sequence): at.timestamp() for session, sequence, at in rows}


async def tally(results: dict[str, Any], sessions_of: dict[str, str], posted: Posted) -> Tally:
    """Check every subscriber's deliveries against the posts made in its session."""
    found = Tally()
    stored = await stored_at(sessions_of)
    deliveries = results["deliveries"]
    for tag, session in sessions_of.items():
        sent = posted.sent.get(session, {})
        seen: set[int] = set()
        highest = 0
        for sequence, arrival, _ in deliveries.get(tag, []):
            if sequence in seen:
                found.duplicated += 1
                continue
            seen.add(sequence)
            if sequence not in sent:
                found.unexpected += 1
                continue
            if sequence < highest:
                found.out_of_order += 1
            highest = max(highest, sequence)
            found.latencies_ms.append((arrival - stored[(session, sequence)]) * 1000)
            found.from_post_ms.append((arrival - sent[sequence]) * 1000)
        found.lost += len(set(sent) - seen)
    for examples in results["other"].values():
        found.other += len(examples)
        found.other_examples.extend(examples[:1])
    return found


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency_figure(found: Tally) -> str:
    lat = found.latencies_ms
    return (
        f"p99 {percentile(lat, 0.99):.1f} ms (p50 {percentile(lat, 0.5):.1f}, "
        f"max {max(lat, default=math.nan):.1f}; from POST sent p99 "
        f"{percentile(found.from_post_ms, 0.99):.1f}; {len(lat)} deliveries)"
    )


def result(scenario: str, figure: str, target: str, met: bool) -> str:
    return f"  {scenario:<52} {figure}   target {target}   {'met' if met else 'NOT MET'}"


# -- the scenarios -----------------------------------------------------------------------


@dataclass
class Bench:
    url: str
    settings: Settings
    backend: str
    clients: Clients
    pid: int | None
    second_url: str | None = None
    lines: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    probe: Room | None = None  # a live session nobody follows: posting there tells when
    # the server has finished what it had queued (see ``quiet``)

    def say(self, line: str) -> None:
        self.lines.append(line)
        print(line, file=sys.stderr, flush=True)  # progress; the caller prints the lines


async def warm_up(bench: Bench) -> None:
    """A first session's worth of everything, so that start-up costs are not measured."""
    rooms = await live_rooms(bench.settings, 1)
    await bench.clients.open(sockets(bench.url, rooms, bench.second_url))
    await wait_listening([rooms[0].session_id], MEMBERS)
    poster = Poster(bench.url)
    try:
        await poster.at_rate([(t, rooms[0].session_id) for t in rooms[0].tokens], 20)
    finally:
        await poster.close()
    await bench.clients.finish(poster.posted.count * MEMBERS, idle=3, cap=10)
    await bench.clients.close()
    await wait_gone([rooms[0].session_id])
    bench.probe = rooms[0]
    await quiet(bench)


async def ready(bench: Bench, session_ids: Sequence[str], count: int) -> float:
    """Wait until ``count`` subscriptions listen and the server has caught up; seconds."""
    started = time.monotonic()
    await wait_listening(session_ids, count)
    await quiet(bench)
    return time.monotonic() - started


async def quiet(bench: Bench) -> None:
    """Wait until a post (into a session nobody follows) is answered within ``QUIET_MS``
    twice running, on every server: the work a scenario's set-up queued is done.

    A presence row says a subscription listens, but the server may still owe that
    subscription (and a thousand others) a few database queries, which the posts
    measured next would wait behind: seconds, after 1,000 subscriptions.
    """
    assert bench.probe is not None
    token, session = bench.probe.tokens[0], bench.probe.session_id
    for url in filter(None, (bench.url, bench.second_url)):
        poster = Poster(url)
        try:
            deadline, fast = time.monotonic() + READY_SECONDS, 0
            while fast < 2 and time.monotonic() < deadline:
                started = time.monotonic()
                await poster.post(token, session)
                took = time.monotonic() - started
                fast = fast + 1 if took * 1000 < QUIET_MS else 0
                await asyncio.sleep(0.05)
        finally:
            await poster.close()


async def live_delivery(bench: Bench, measure_memory: bool) -> None:
    started = time.monotonic()
    where = "memory://" if bench.backend == "memory" else "Redis, two processes"
    rooms = await live_rooms(bench.settings, LIVE_SESSIONS)
    session_ids = [room.session_id for room in rooms]
    connections = sockets(bench.url, rooms, bench.second_url)
    before = None
    if measure_memory and bench.pid is not None:
        await quiet(bench)
        await asyncio.sleep(1.0)
        before = rss_kib(bench.pid)
    opened = await bench.clients.open(connections)
    listening = await ready(bench, session_ids, len(connections))
    if before is not None and bench.pid is not None:
        await asyncio.sleep(SETTLE_SECONDS)
        per_socket = (rss_kib(bench.pid) - before) / len(connections)
        bench.say(
            result(
                f"Memory per idle socket ({len(connections)} sockets)",
                f"{per_socket:.1f} KiB (RSS {before / 1024:.0f} MiB before)",
                f"<= {TARGET_IDLE_KIB:.0f} KiB",
                per_socket <= TARGET_IDLE_KIB,
            )
        )
    plan = [
        (
            rooms[n % LIVE_SESSIONS].tokens[(n // LIVE_SESSIONS) % MEMBERS],
            session_ids[n % LIVE_SESSIONS],
        )
        for n in range(int(LIVE_RATE * LIVE_SECONDS))
    ]
    poster = Poster(bench.url)
    try:
        rate = await poster.at_rate(plan, LIVE_RATE)
    finally:
        await poster.close()
    results = await bench.clients.finish(poster.posted.count * MEMBERS, idle=3, cap=30)
    await bench.clients.close()
    sessions_of = {c["subs"][0][0]: c["subs"][0][1] for c in connections}
    found = await tally(results, sessions_of, poster.posted)
    target = TARGET_LIVE_MS[bench.backend]
    p99 = percentile(found.latencies_ms, 0.99)
    name = f"Live delivery, {where}, {len(connections)} subscribers"
    failed = poster.posted.failures
    failures = f", {len(failed)} posts FAILED (first: {failed[0]})" if failed else ""
    bench.say(
        result(
            f"{name}, {rate:.0f} posts/s",
            latency_figure(found) + failures,
            f"p99 <= {target:.0f} ms",
            p99 <= target and not poster.posted.failures,
        )
    )
    bench.say(
        result(
            f"Live delivery, {where}: integrity",
            found.integrity() + f" (of {poster.posted.count * MEMBERS} expected)",
            "0/0/0",
            found.clean and not found.other,
        )
    )
    await wait_gone(session_ids)
    await quiet(bench)
    bench.timings[f"live ({where})"] = time.monotonic() - started
    bench.timings[f"  of which sockets opened and listening ({where})"] = (
        opened["seconds"] + listening
    )


async def burst(bench: Bench) -> None:
    started = time.monotonic()
    rooms = await live_rooms(bench.settings, BURST_SESSIONS)
    connections = sockets(bench.url, rooms)
    await bench.clients.open(connections)
    await ready(bench, [r.session_id for r in rooms], len(connections))
    poster = Poster(bench.url)
    try:
        await poster.warm(len(connections))
        for _ in range(BURSTS):
            moment = time.monotonic()
            await asyncio.gather(
                *(poster.post(token, room.session_id) for room in rooms for token in room.tokens)
            )
            await asyncio.sleep(max(0.0, moment + BURST_GAP - time.monotonic()))
    finally:
        await poster.close()
    results = await bench.clients.finish(poster.posted.count * MEMBERS, idle=3, cap=30)
    await bench.clients.close()
    found = await tally(
        results, {c["subs"][0][0]: c["subs"][0][1] for c in connections}, poster.posted
    )
    p99 = percentile(found.latencies_ms, 0.99)
    bench.say(
        result(
            f"Burst: {len(connections)} members post at once, x{BURSTS}",
            f"{latency_figure(found)}, {found.integrity()}",
            f"p99 <= {TARGET_BURST_MS:.0f} ms",
            p99 <= TARGET_BURST_MS and found.clean and not poster.posted.failures,
        )
    )
    await wait_gone([r.session_id for r in rooms])
    await quiet(bench)
    bench.timings["burst"] = time.monotonic() - started


async def big_session_and_fan_out(bench: Bench, fan_out: bool) -> None:
    started = time.monotonic()
    (room,) = await live_rooms(bench.settings, 1)
    ws = _ws(bench.url)
    connections = [
        {"url": ws, "token": room.tokens[n % MEMBERS], "subs": [[f"big.{n}", room.session_id]]}
        for n in range(BIG_SUBSCRIBERS)
    ]
    sessions_of = {c["subs"][0][0]: room.session_id for c in connections}
    await bench.clients.open(connections)
    await ready(bench, [room.session_id], len(connections))
    poster = Poster(bench.url)
    plan = [(room.tokens[n % MEMBERS], room.session_id) for n in range(int(BIG_RATE * BIG_SECONDS))]
    try:
        rate = await poster.at_rate(plan, BIG_RATE)
    finally:
        await poster.close()
    expected = poster.posted.count * len(connections)
    results = await bench.clients.finish(expected, idle=3, cap=60)
    found = await tally(results, sessions_of, poster.posted)
    p99 = percentile(found.latencies_ms, 0.99)
    bench.say(
        result(
            f"One big session: {len(connections)} subscribers, {rate:.0f} posts/s",
            f"{latency_figure(found)}, {found.integrity()}",
            f"p99 <= {TARGET_BIG_MS:.0f} ms",
            p99 <= TARGET_BIG_MS and found.clean and not poster.posted.failures,
        )
    )
    bench.timings["one big session"] = time.monotonic() - started
    if fan_out and bench.pid is not None:
        started = time.monotonic()
        await fan_out_capacity(bench, room, sessions_of, bench.pid)
        bench.timings["fan-out capacity"] = time.monotonic() - started
    await bench.clients.close()
    await wait_gone([room.session_id])
    await quiet(bench)


async def fan_out_capacity(bench: Bench, room: Room, sessions_of: dict[str, str], pid: int) -> None:
    """Post into the big session as fast as the server answers; deliveries per CPU second."""
    poster = Poster(bench.url)
    stop = time.monotonic() + FANOUT_SECONDS
    window: dict[str, float] = {}

    async def keep_posting(token: str) -> None:
        while time.monotonic() < stop:
            await poster.post(token, room.session_id)

    async def measure() -> None:
        await asyncio.sleep(FANOUT_WARMUP)
        window["t0"], window["cpu0"] = time.time(), cpu_seconds(pid)
        await asyncio.sleep(stop - time.monotonic())
        window["t1"], window["cpu1"] = time.time(), cpu_seconds(pid)

    try:
        await asyncio.gather(*map(keep_posting, room.tokens[:FANOUT_POSTERS]), measure())
    finally:
        await poster.close()
    results = await bench.clients.finish(None, idle=0, cap=0)  # what arrived by now
    found = await tally(results, sessions_of, poster.posted)
    t0, t1 = window["t0"], window["t1"]
    delivered = sum(
        t0 <= arrival <= t1 for rows in results["deliveries"].values() for _, arrival, _ in rows
    )
    cpu = window["cpu1"] - window["cpu0"]
    per_second = delivered / (t1 - t0)
    per_core = delivered / cpu if cpu > 0 else math.nan
    fell = f", {found.other} other messages ({found.other_examples[0][:60]})" if found.other else ""
    bench.say(
        result(
            f"Fan-out capacity: {len(sessions_of)} subscribers, one session",
            f"{per_core:,.0f} deliveries/s per core ({per_second:,.0f}/s on "
            f"{cpu / (t1 - t0):.2f} cores; {poster.posted.count / FANOUT_SECONDS:.0f} "
            f"posts/s; {found.lost} undelivered when posting stopped{fell})",
            f">= {TARGET_FANOUT:,.0f}/s per core",
            per_core >= TARGET_FANOUT,
        )
    )


async def run_delivery(
    haven_url: str,
    settings: Settings,
    *,
    backend: str,
    second_url: str | None = None,
    server_pid: int | None = None,
    scenarios: Sequence[str] | None = None,
) -> list[str]:
    """Run the delivery scenarios against a running server; the lines to print.

    ``haven_url`` is the server's base URL (``/graphql`` is added). ``backend`` is
    ``"memory"`` (one process) or ``"redis"``; with ``second_url`` (Redis), half the
    subscribers of the live scenario connect to that second process. The server's pid
    (for CPU and RSS) is found from its listening port unless given. The calling
    process must have the server's database open (``open_database``). By default a
    single server runs every scenario, and two processes on Redis the live one only.
    """
    url = haven_url.removesuffix("/").removesuffix("/graphql")
    second = second_url.removesuffix("/").removesuffix("/graphql") if second_url else None
    if scenarios is None:
        scenarios = ("live",) if second else ALL_SCENARIOS
    pid = server_pid or listening_pid(httpx.URL(url).port or 80)
    clients = await Clients.start()
    bench = Bench(url, settings, backend, clients, pid, second)
    try:
        await warm_up(bench)
        if "live" in scenarios or "memory" in scenarios:
            await live_delivery(bench, "memory" in scenarios and second is None)
        bench.second_url = None  # the other scenarios on the first process alone
        if "burst" in scenarios:
            await burst(bench)
        if "big" in scenarios or "fanout" in scenarios:
            await big_session_and_fan_out(bench, "fanout" in scenarios)
    finally:
        await clients.stop()
    if pid is None and {"memory", "fanout"} & set(scenarios):
        bench.say("  (memory and fan-out capacity not measured: the server's pid is unknown)")
    bench.lines.append(
        "  seconds taken: "
        + ", ".join(f"{name.strip()} {seconds:.1f}" for name, seconds in bench.timings.items())
        + f"; subscribers' process CPU {clients.cpu:.1f} s"
    )
    return bench.lines


# -- on its own --------------------------------------------------------------------------


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A private Redis on a free port (or the ``BROADCAST_URL`` one), or None."""
    from bench.__main__ import free_port

    given = os.environ.get("BROADCAST_URL", "")
    if given.startswith("redis"):
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


async def main() -> None:
    from bench.__main__ import free_port, process

    folder = Path(tempfile.mkdtemp(prefix="haven-delivery-"))
    environ = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite://{folder}/delivery.sqlite3"),
        "BROADCAST_URL": "memory://",
    }
    settings = load_settings(environ)
    await migrate_database(settings.database_url)
    await open_database(settings.database_url)
    haven = str(Path(sys.executable).parent / "haven")
    lines = [f"live delivery; {settings.database_url.split(':', 1)[0]}, 2 cores shared by all"]
    try:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with process([haven, "serve", "--port", str(port)], environ, f"{url}/graphql"):
            lines += await run_delivery(url, settings, backend="memory")
        with redis_server() as redis:
            if redis is None:
                lines.append("  Live delivery on Redis: not measured (no redis-server)")
            else:
                shared = {**environ, "BROADCAST_URL": redis}
                first, second = free_port(), free_port()
                with (
                    process(
                        [haven, "serve", "--port", str(first)],
                        shared,
                        f"http://127.0.0.1:{first}/graphql",
                    ),
                    process(
                        [haven, "serve", "--port", str(second)],
                        shared,
                        f"http://127.0.0.1:{second}/graphql",
                    ),
                ):
                    lines += await run_delivery(
                        f"http://127.0.0.1:{first}",
                        settings,
                        backend="redis",
                        second_url=f"http://127.0.0.1:{second}",
                    )
    finally:
        await close_database()
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__).parse_args()
    asyncio.run(main())
