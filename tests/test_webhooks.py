"""Webhooks as a receiver sees them: a local HTTP server that checks every signature.

Retries are driven on a clock the test holds (``do_deliver_webhooks(now=…)``); the
server's own delivery loop may take a turn too, and the outcome must not depend on who.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import serving
from auth.integrations import create_integration
from auth.webhooks import HEADER, REPLAY_WINDOW_SECONDS, verify
from models import Integration, PersonalMessage, Role, Webhook, WebhookDelivery
from resolvers.events import do_number_events, last_position
from resolvers.webhooks import MAX_FAILURES, do_add_webhook, do_deliver_webhooks, do_enable_webhook
from tests.test_events import SECRETS
from tests.test_live_sessions import END, POST, live_session


@dataclass
class Receiver:
    """What arrived, and the statuses to answer with (then 200)."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    arrived: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def hook(self, request: Request) -> Response:
        self.arrived.append((dict(request.headers), await request.body()))
        return Response(status_code=self.answers.pop(0) if self.answers else 200)

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.arrived]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiving = Receiver()
    app = Starlette(routes=[Route("/hook", receiving.hook, methods=["POST"])])
    async with serving(app, lifespan=False) as url:
        receiving.url = f"{url}/hook"
        yield receiving


@pytest.fixture
async def hooked(receiver, settings) -> tuple[Integration, str]:
    integration, _ = await create_integration("warehouse", [])
    _, secret = await do_add_webhook(integration, receiver.url, settings, await last_position())
    return integration, secret


async def deliver(settings, now: datetime) -> None:
    """A delivery round at ``now``, taken in turns with the server's own loop, until
    neither holds a webhook."""
    await do_number_events()
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            await do_deliver_webhooks(settings, client, now)
            if not await Webhook.filter(claimed_until__isnull=False).exists():
                return
            await asyncio.sleep(0.05)
    raise AssertionError("a webhook stayed claimed")


async def test_events_are_posted_in_order_signed_and_without_content(
    receiver, hooked, settings, gql, person
):
    # Given a session that starts, is spoken in, and ends
    _, secret = hooked
    scene = await live_session(gql, person, size=1)
    await gql(POST, {"session": scene.session_id, "body": "Private words"}, scene.members[0].token)
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)

    # When the webhooks are delivered
    await deliver(settings, datetime.now(UTC))

    # Then the receiver has each event once, in order, each signed under the secret
    events = receiver.events()
    assert [e["type"] for e in events] == ["SESSION_STARTED", "SESSION_ENDED", "TRANSCRIPT_KEPT"]
    assert [int(e["id"]) for e in events] == list(
        range(int(events[0]["id"]), int(events[0]["id"]) + 3)
    )
    for headers, body in receiver.arrived:
        assert verify(secret, headers[HEADER.lower()], body, time.time())
        assert headers["haven-event-id"] == json.loads(body)["id"]
    # And a signature fails on an altered body, an old delivery, or another secret
    headers, body = receiver.arrived[0]
    signed = headers[HEADER.lower()]
    assert not verify(secret, signed, body.replace(b"SESSION", b"SESSIOM"), time.time())
    assert not verify(secret, signed, body, time.time() + REPLAY_WINDOW_SECONDS + 5)
    assert not verify("whsec_another", signed, body, time.time())
    # And a header whose time is no time is refused, not an error
    for mangled in ("t=\u00b2,v1=ab", f"t={'9' * 5000},v1=ab", "t=,v1=ab", "v1=ab"):
        assert not verify(secret, mangled, body, time.time())
    text = b"".join(body for _, body in receiver.arrived).decode()
    for secret_text in (*SECRETS, scene.members[0].user.profile_name):
        assert secret_text not in text


async def test_a_failing_receiver_is_tried_again_later_and_misses_nothing(
    receiver, hooked, settings, gql, person
):
    # Given a receiver that fails twice, and two events
    integration, _ = hooked
    receiver.answers = [503, 503]
    scene = await live_session(gql, person, size=1)
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    now = datetime.now(UTC)

    # When delivery is tried now, too soon after, and twice once the backoff has passed
    await deliver(settings, now)
    await deliver(settings, now + timedelta(seconds=10))
    await deliver(settings, now + timedelta(minutes=5))
    await deliver(settings, now + timedelta(minutes=30))

    # Then the first event was tried three times, and every event arrived in order
    types = [e["type"] for e in receiver.events()]
    assert types == ["SESSION_STARTED"] * 3 + ["SESSION_ENDED", "TRANSCRIPT_KEPT"]
    tries = await WebhookDelivery.filter(webhook__integration=integration).order_by("id")
    assert [t.succeeded for t in tries] == [False, False, True, True, True]
    assert [t.status_code for t in tries][:2] == [503, 503]
    webhook = await Webhook.get(integration=integration)
    assert webhook.failures == 0
    assert webhook.delivered_position == int(receiver.events()[-1]["id"])


async def test_a_receiver_that_keeps_failing_is_turned_off_and_the_manager_told(
    receiver, hooked, settings, gql, person
):
    # Given a receiver that is down, an event, and the online manager
    integration, _ = hooked
    manager = await person(Role.ONLINE_MANAGER)
    receiver.answers = [500] * MAX_FAILURES
    scene = await live_session(gql, person, size=1)
    now = datetime.now(UTC)

    # When every try fails, hours apart
    for hour in range(MAX_FAILURES + 2):
        await deliver(settings, now + timedelta(hours=hour))

    # Then it was tried MAX_FAILURES times, is off, and the manager was told
    webhook = await Webhook.get(integration=integration)
    assert len(receiver.arrived) == MAX_FAILURES
    assert webhook.disabled_at is not None
    told = await PersonalMessage.filter(recipient_id=manager.user.id).values_list(
        "subject", flat=True
    )
    assert "A webhook was turned off" in told

    # When it is turned back on and the receiver works again
    assert await do_enable_webhook(integration)
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    await deliver(settings, now + timedelta(hours=MAX_FAILURES + 3))

    # Then it picks up where it stopped
    types = [e["type"] for e in receiver.events()[MAX_FAILURES:]]
    assert types == ["SESSION_STARTED", "SESSION_ENDED", "TRANSCRIPT_KEPT"]
