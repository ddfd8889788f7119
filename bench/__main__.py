"""Requests per second and latency of typical reads, against a real uvicorn server.

Starts Haven on a fresh SQLite file (or ``DATABASE_URL``) on a free loopback port,
seeds the demo data, then sends a bounded number of requests from concurrent
clients and prints throughput and latency percentiles for each query.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from app import create_app, serving
from auth.tokens import issue_access_token
from bench.live import measure_delivery
from demo import seed_demo_data
from models import Role, User
from models.database import migrate_database
from settings import load_settings

QUERIES = {
    "groups (anonymous)": (
        "{ groups { name placesLeft nextMeetingAt facilitator { profileName } } }",
        None,
    ),
    "groups with members (manager)": (
        "{ groups { name placesLeft need facilitator { profileName } members { profileName } } }",
        Role.ONLINE_MANAGER,
    ),
    "me (member)": ("{ me { id profileName role email } }", Role.MEMBER),
}


async def measure(url: str, query: str, token: str | None, total: int, clients: int) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[float] = []
    remaining = total

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            response = await http.post("/graphql", json={"query": query}, headers=headers)
            latencies.append(time.perf_counter() - started)
            assert "errors" not in response.json(), response.text

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{total / elapsed:8.0f} req/s   p50 {cuts[49] * 1000:6.1f} ms   "
        f"p99 {cuts[98] * 1000:6.1f} ms"
    )


async def main(total: int, clients: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    settings = load_settings(
        {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite://{folder}/b.db")}
    )
    await migrate_database(settings.database_url)
    async with serving(create_app(settings)) as url:
        if not await User.exists():
            await seed_demo_data()
        print(f"{total} requests per query from {clients} concurrent clients, {url}")
        for name, (query, role) in QUERIES.items():
            user = await User.filter(role=role).first() if role else None
            token = issue_access_token(settings, user) if user else None
            await measure(url, query, token, min(total, 100), clients)  # warm up
            print(f"  {name:<32} {await measure(url, query, token, total, clients)}")
        print(f"  live delivery                    {await measure_delivery(url, settings, 200)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.clients))
