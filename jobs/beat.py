"""The server's beat: what time alone sets going, done once a minute by one process.

Reads never depend on the beat (an expired offer or term stops counting at once); it
performs what follows: offers lapse and terms end, with their messages and the next
offers; unacknowledged breach reports are escalated; each group's coming weekly
sessions are kept four ahead; the presence a dead process left is swept; reminders go;
live sessions left open past ``SESSION_MAX_MINUTES`` are ended; old ids, links, e-mail
and reminders are forgotten.

Every process beats, but only the holder of the ``beat`` lease (``jobs.lease``) does
the work, so it is done once however many processes serve, and taken over within
``LEASE`` if the holder dies. Each job also holds on its own to its once-only effects
(a session is ended by the transaction that finds it live; a reminder given once by
its unique row), so a lease taken over mid-beat does no harm.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from jobs.lease import THIS_PROCESS, hold, release
from mail.relay import do_forget_old_mail
from models import Group
from observe.metrics import JOB_RUNS
from resolvers.breaches import do_escalate_overdue_reports
from resolvers.events import do_forget_old_events
from resolvers.places import settle
from resolvers.recovery import do_forget_spent_links
from resolvers.reminders import do_forget_old_reminders, do_send_reminders
from resolvers.sessions import do_end_forgotten_sessions, ensure_upcoming
from resolvers.specialists import do_tell_overdue
from resolvers.webhooks import do_forget_old_deliveries
from resolvers.writes import do_forget_client_writes
from settings import Settings, get_settings
from subscriptions.presence import do_sweep_stale

logger = logging.getLogger("haven.jobs")

EVERY_SECONDS = 60
LEASE = timedelta(seconds=3 * EVERY_SECONDS)  # two missed beats, and another process takes over
LEASE_NAME = "beat"

Jobs = tuple[tuple[Callable[[], Awaitable[object]], str], ...]


async def _add_coming_sessions() -> None:
    await ensure_upcoming(await Group.all())


# Each job on its own: whatever one leaves undone (a failure) it does again next beat.
JOBS: Jobs = (
    (settle, "settling places"),
    (do_escalate_overdue_reports, "escalating overdue breach reports"),
    (_add_coming_sessions, "adding the coming weekly sessions"),
    (do_sweep_stale, "sweeping the presence of dead processes"),
    (do_send_reminders, "giving the reminders due"),
    (do_tell_overdue, "telling of overdue questions to specialists"),
    (do_forget_client_writes, "forgetting old client message ids"),
    (do_forget_old_mail, "forgetting e-mail sent long ago"),
    (do_forget_spent_links, "forgetting used and lapsed links"),
    (do_forget_old_reminders, "forgetting reminders long past"),
)


def jobs_for(settings: Settings) -> Jobs:
    """``JOBS``, and the jobs that depend on the settings."""
    longest = timedelta(minutes=settings.session_max_minutes)
    return (
        *JOBS,
        (lambda: do_end_forgotten_sessions(longest), "ending the sessions left open"),
        (lambda: do_forget_old_events(settings.events_kept_days), "forgetting old events"),
        (
            lambda: do_forget_old_deliveries(settings.events_kept_days),
            "forgetting old webhook deliveries",
        ),
    )


async def beat_once(jobs: Jobs, holder: str = THIS_PROCESS, lease: str = LEASE_NAME) -> bool:
    """Do every job if ``holder`` holds the beat's lease; whether it did."""
    try:
        if not await hold(lease, LEASE, holder):
            return False
    except Exception:  # the database is away: no one beats until it is back
        logger.exception("taking the beat's lease failed")
        return False
    for job, what in jobs:
        try:
            await job()
        except Exception:  # one failed job must not stop the others, nor the next beat
            logger.exception("%s failed", what)
            JOB_RUNS.labels(what, "failed").inc()
        else:
            JOB_RUNS.labels(what, "ok").inc()
    return True


async def keep_beating(
    every_seconds: float = EVERY_SECONDS, settings: Settings | None = None
) -> None:
    """Beat for the life of the process; on the way out, let the lease go."""
    jobs = jobs_for(settings or get_settings())
    try:
        while True:
            await beat_once(jobs)
            await asyncio.sleep(every_seconds)
    finally:
        try:
            await asyncio.shield(release(LEASE_NAME))
        except Exception:  # the database may be gone first: the lease will lapse
            logger.info("the beat's lease was left to lapse")
