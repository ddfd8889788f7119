"""Haven beside its own framework: typical reads per second, and live delivery.

Haven runs as ``haven serve`` runs it, in a process of its own, on a fresh SQLite file
with the demo data, or with ``--backend postgres`` on a fresh PostgreSQL database and
Redis (``BENCH_POSTGRES_URL``, ``BENCH_REDIS_URL``). The anchor is bare strawberry
answering the same query shapes from memory (``bench/anchor.py``), in a process of its
own too. wrk loads one and then the other, alternating, for a few rounds; the medians
are printed side by side with Haven's share of the anchor.

Asked the same question again and again, Haven gives the answer it kept
(``schema.answers``); one more row shows the member's query computed every time, by a
third process with ``HAVEN_KEEP_ANSWERS=off``. That process then times the hot reads
again once the database has grown to a charity's size (``bench/growth.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from auth.tokens import issue_access_token
from bench.growth import measure_growth
from bench.live import measure_delivery
from bench.load import Load, apply_load, check_answer, post_body
from demo import seed_demo_data
from models import Group, User
from models.database import close_database, migrate_database, open_database
from settings import Settings, load_settings

MEMBERS_GROUP = (
    "query ($id: ID!) { group(id: $id) { id name placesLeft members { profileName } "
    "sessions { id status } } }"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    query: str
    viewer: str | None  # a demo profile name, or anonymous
    group: str | None = None  # a demo group the query names by id
    has_target: bool = True  # issue's targets: Haven's share of the anchor


# Haven's share of the anchor to reach, by database: SQLite is in the process,
# PostgreSQL a round trip away.
TARGETS = {"sqlite": 2.0, "postgres": 1.0}


SCENARIOS = [
    Scenario("member's group (member)", MEMBERS_GROUP, "Anna K", "Tuesday evening group"),
    Scenario(
        "groups (anonymous)",
        "{ groups { name placesLeft nextMeetingAt facilitator { profileName } } }",
        None,
    ),
    Scenario(
        "groups with members (manager)",
        "{ groups { name placesLeft need facilitator { profileName } members { profileName } } }",
        "Online Manager",
        has_target=False,
    ),
    Scenario("me (member)", "{ me { id profileName role email } }", "Anna K"),
]
COMPUTED = Scenario(
    "member's group, computed", MEMBERS_GROUP, "Anna K", "Tuesday evening group", False
)
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def process(command: list[str], environ: dict[str, str], ready_url: str) -> Iterator[None]:
    """Run a server until the block ends; wait until ``ready_url`` answers."""
    server = subprocess.Popen(
        command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                httpx.post(ready_url, json={"query": "{ __typename }"}, timeout=1)
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start")
            time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(10)


async def viewers(settings: Settings) -> tuple[dict[str, str], dict[str, int]]:
    """Tokens of the demo people, and the ids of the demo groups."""
    tokens = {user.profile_name: issue_access_token(settings, user) for user in await User.all()}
    groups = dict(await Group.all().values_list("name", "id"))
    return tokens, groups


def side_by_side(
    haven: str, anchor: str, scenario: Scenario, token: str | None, group_id: int | None
) -> tuple[Load, Load]:
    haven_body = post_body(scenario.query, {"id": str(group_id)} if group_id else None)
    anchor_body = post_body(scenario.query, {"id": "1"} if group_id else None)
    check_answer(haven, haven_body, token)
    check_answer(anchor, anchor_body, None)
    apply_load(haven, haven_body, token, 1)  # warm up both
    apply_load(anchor, anchor_body, None, 1)
    rounds: list[tuple[Load, Load]] = []
    for _ in range(ROUNDS):
        rounds.append(
            (
                apply_load(haven, haven_body, token, SECONDS),
                apply_load(anchor, anchor_body, None, SECONDS),
            )
        )
    return _median([h for h, _ in rounds]), _median([a for _, a in rounds])


def _median(loads: list[Load]) -> Load:
    return Load(
        requests_per_second=statistics.median(load.requests_per_second for load in loads),
        p50_ms=statistics.median(load.p50_ms for load in loads),
        p99_ms=statistics.median(load.p99_ms for load in loads),
        failed=sum(load.failed for load in loads),
    )


def line(name: str, haven: Load, anchor: Load, target: float | None) -> str:
    ratio = haven.requests_per_second / anchor.requests_per_second
    verdict = (
        ""
        if target is None
        else f"   target {target:.1f}x {'met' if ratio >= target else 'NOT MET'}"
    )
    failed = f"   {haven.failed} FAILED" if haven.failed else ""
    return (
        f"  {name:<30} {haven.requests_per_second:7.0f} req/s p99 {haven.p99_ms:6.1f} ms"
        f"   {anchor.requests_per_second:7.0f} req/s p99 {anchor.p99_ms:6.1f} ms"
        f"   {ratio:5.2f}x{verdict}{failed}"
    )


@contextlib.asynccontextmanager
async def database(backend: str, folder: Path) -> AsyncIterator[dict[str, str]]:
    """A fresh database for the run, and the environment naming it."""
    if backend == "sqlite":
        yield {"DATABASE_URL": f"sqlite://{folder}/bench.sqlite3", "BROADCAST_URL": "memory://"}
        return
    name = f"haven_bench_{os.getpid()}"
    server = POSTGRES_URL.rpartition("/")[0]
    admin = POSTGRES_URL.replace("postgres://", "postgresql://", 1)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": f"{server}/{name}", "BROADCAST_URL": REDIS_URL}
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def main(backend: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    async with database(backend, folder) as named:
        environ = {**os.environ, **named}
        settings = load_settings(environ)
        await migrate_database(settings.database_url)
        await open_database(settings.database_url)
        try:
            await seed_demo_data()
            await measure(environ, settings, backend)
        finally:
            await close_database()


async def measure(environ: dict[str, str], settings: Settings, backend: str) -> None:
    tokens, groups = await viewers(settings)
    haven_port, computing_port, anchor_port = free_port(), free_port(), free_port()
    haven = f"http://127.0.0.1:{haven_port}/graphql"
    computing = f"http://127.0.0.1:{computing_port}/graphql"
    anchor = f"http://127.0.0.1:{anchor_port}/graphql"
    haven_command = [str(Path(sys.executable).parent / "haven"), "serve", "--port"]
    with (
        process([*haven_command, str(haven_port)], environ, haven),
        process(
            [*haven_command, str(computing_port)],
            {**environ, "HAVEN_KEEP_ANSWERS": "off"},
            computing,
        ),
        process(
            [sys.executable, "-m", "uvicorn", "bench.anchor:app", "--port", str(anchor_port)],
            environ,
            anchor,
        ),
    ):
        print(
            f"wrk, 1 thread, 16 connections, {ROUNDS} rounds of {SECONDS} s each, "
            f"alternating; medians; {backend}, {settings.broadcast_url}"
        )
        print(f"  {'':<30} {'Haven':>31}   {'bare strawberry':>31}   ratio")
        for scenario, url in [*((s, haven) for s in SCENARIOS), (COMPUTED, computing)]:
            token = tokens[scenario.viewer] if scenario.viewer else None
            group_id = groups[scenario.group] if scenario.group else None
            result = await asyncio.to_thread(side_by_side, url, anchor, scenario, token, group_id)
            target = TARGETS[backend] if scenario.has_target else None
            print(line(scenario.name, *result, target))
        delivery = await measure_delivery(haven.removesuffix("/graphql"), settings, 200)
        print(f"  live delivery                  {delivery}")
        print()
        for printed in await measure_growth(
            computing, lambda user: issue_access_token(settings, user), SECONDS
        ):
            print(printed)


SECONDS = 5
ROUNDS = 2

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=int, default=SECONDS, help="length of one round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per scenario")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="sqlite and memory:// (the embedded defaults), or postgres and Redis",
    )
    args = parser.parse_args()
    SECONDS, ROUNDS = args.seconds, args.rounds
    asyncio.run(main(args.backend))
