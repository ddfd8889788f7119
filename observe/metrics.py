"""Metrics in Prometheus's text format at ``/metrics``.

Operations are counted by their root field (``me``, ``postSessionMessage``…), which the
schema bounds, never by the name a client gives its operation, so no client can make the
series grow without end; a field the schema does not have counts as ``unknown``.

With several worker processes (``haven serve --workers N``) each writes its samples to
``PROMETHEUS_MULTIPROC_DIR`` and whichever process answers the scrape adds them up.
``/metrics`` answers on loopback in development; in production only to a bearer of
``METRICS_TOKEN``, and to nobody if it is unset.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from auth.addresses import parse_address
from models import OutgoingMail
from models.bounded import within

logger = logging.getLogger("haven.metrics")
OUTBOX_SECONDS = 1.0

OPERATIONS = Counter(
    "haven_operations",
    "GraphQL operations, by root field, type and outcome (ok, or the first error's code)",
    ["field", "type", "outcome"],
)
OPERATION_SECONDS = Histogram(
    "haven_operation_seconds",
    "How long queries and mutations took (a subscription's life is not counted here)",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
KEPT_ANSWERS = Counter(
    "haven_kept_answers",
    "Queries answered from an answer kept since nothing it read has changed: not run again, "
    "so not in haven_operations",
)
OPEN_SOCKETS = Gauge(
    "haven_open_sockets", "WebSocket connections open now", multiprocess_mode="livesum"
)
LIVE_OPERATIONS = Gauge(
    "haven_socket_operations",
    "Operations running over WebSockets now: mostly subscriptions",
    multiprocess_mode="livesum",
)
DELIVERIES = Counter("haven_deliveries", "Live events handed to this process's listeners")
DROPPED = Counter(
    "haven_dropped_listeners",
    "Listeners or sockets dropped for falling behind (they catch up from the database)",
    ["where"],
)
MAIL_FAILURES = Counter(
    "haven_mail_failures", "E-mails not sent: tried again later, or given up", ["outcome"]
)
MAIL_BACKLOG = Gauge(
    "haven_mail_backlog", "E-mails waiting to be sent, when scraped", multiprocess_mode="max"
)
MAIL_GIVEN_UP = Gauge(
    "haven_mail_given_up",
    "E-mails given up and still kept in the outbox, when scraped",
    multiprocess_mode="max",
)
JOB_RUNS = Counter("haven_job_runs", "Scheduled jobs run, by job and outcome", ["job", "outcome"])


async def metrics(request: Request) -> Response:
    settings = request.app.state.settings
    if not may_scrape(request, settings.production, settings.metrics_token):
        return PlainTextResponse("Not Found", status_code=404)
    try:  # the outbox as it stands; with the database away, the rest is still worth reading
        waiting, given_up = await within(
            OUTBOX_SECONDS,
            asyncio.gather(
                OutgoingMail.filter(next_attempt_at__isnull=False).count(),
                OutgoingMail.filter(failed_at__isnull=False).count(),
            ),
        )
    except Exception:
        logger.warning("the outbox could not be counted for /metrics")
    else:
        MAIL_BACKLOG.set(waiting)
        MAIL_GIVEN_UP.set(given_up)
    return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)


def may_scrape(request: Request, production: bool, token: str) -> bool:
    """A bearer of the token always; without one, a caller on this machine in development."""
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    peer = parse_address(request.client.host) if request.client else None
    return not production and peer is not None and peer.is_loopback


def forget_this_process() -> None:
    """A worker stopping: its live gauges (open sockets) stop counting in the sum."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def forget_dead_processes(folder: Path) -> list[int]:
    """Workers killed outright (SIGKILL, out of memory) never said they stopped: their
    live gauges would count the sockets they held forever. Forget every one gone."""
    gone = []
    for file in folder.glob("gauge_live*_*.db"):
        pid = file.stem.rpartition("_")[2]
        if pid.isdigit() and not is_running(int(pid)):
            with contextlib.suppress(FileNotFoundError):  # another worker's scrape was first
                multiprocess.mark_process_dead(int(pid), str(folder))  # type: ignore[no-untyped-call]
            gone.append(int(pid))
    return gone


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: running
        return True
    return True


def registry() -> CollectorRegistry:
    """This process's samples, or every worker's when they share a directory."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    forget_dead_processes(Path(folder))
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined
