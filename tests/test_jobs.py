"""Scheduled work is done by one process at a time, and taken over when that one dies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from jobs.beat import LEASE, beat_once
from jobs.lease import hold, release

NAME = "test-work"  # not the server's own beat, which runs beside these tests


async def test_of_two_processes_beating_at_once_one_does_the_work():
    done: list[str] = []

    async def work() -> None:
        done.append("once")

    jobs = ((work, "counting"),)
    beats = await asyncio.gather(
        beat_once(jobs, holder="process-a", lease=NAME),
        beat_once(jobs, holder="process-b", lease=NAME),
    )

    assert sorted(beats) == [False, True]
    assert done == ["once"]


async def test_the_holder_keeps_the_lease_while_it_beats_and_loses_it_when_it_stops():
    start = datetime.now(UTC)

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    assert await hold(NAME, LEASE, "process-a", now=at(0))
    assert not await hold(NAME, LEASE, "process-b", now=at(60))
    assert await hold(NAME, LEASE, "process-a", now=at(60))  # renewed, to 60 s + LEASE
    lapse = 60 + LEASE.total_seconds()
    assert not await hold(NAME, LEASE, "process-b", now=at(lapse - 1))
    # process-a beats no more: the lease lapses, and process-b takes the work over
    assert await hold(NAME, LEASE, "process-b", now=at(lapse))
    assert not await hold(NAME, LEASE, "process-a", now=at(lapse + 1))


async def test_a_process_shutting_down_hands_the_work_on_at_once():
    assert await hold(NAME, LEASE, "process-a")
    await release(NAME, "process-a")

    assert await hold(NAME, LEASE, "process-b")
