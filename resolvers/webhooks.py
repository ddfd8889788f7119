"""Webhooks: an integration's events posted to its URL, signed, in order, retried.

Events go one at a time in the order of their ``position``; a webhook moves on only once
its receiver accepted an event (any 2xx), so a receiver never sees a gap, and sees an
event again only if it failed to say it had it. A failure waits 1, 2, 4 … minutes (at
most an hour) before the next try; after ``MAX_FAILURES`` in a row the webhook is
disabled and the online manager told. Every try is recorded (``WebhookDelivery``).

Once across processes: a process takes a webhook by a conditional update (a claim
of ``CLAIM_SECONDS``) that only one can win.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.expressions import Q

from auth.sealed import seal_text, unseal_text
from auth.webhooks import HEADER, new_secret, signature
from mail.relay import backoff
from models import Integration, Role, User, Webhook, WebhookDelivery
from resolvers.events import events_after
from resolvers.inbox import notify_each
from settings import Settings
from subscriptions import channels
from subscriptions.hub import Hub, Overflow
from subscriptions.outbox import transaction

logger = logging.getLogger("haven.webhooks")
MAX_FAILURES = 10
CLAIM_SECONDS = 60
SEND_SECONDS = 10.0
BATCH = 100
POLL_SECONDS = 5.0


def check_webhook_url(url: str, production: bool) -> str:
    """An https URL (plain http only outside production, for a receiver on a laptop)."""
    parsed = httpx.URL(url)
    allowed = ("https",) if production else ("https", "http")
    if parsed.scheme not in allowed or not parsed.host:
        raise ValueError(f"a webhook's URL must be {' or '.join(allowed)}://host/…")
    return url


async def do_add_webhook(
    integration: Integration, url: str, settings: Settings, after: int
) -> tuple[Webhook, str]:
    """Give ``integration`` a webhook that starts after event ``after``; its secret is
    returned this once, and kept sealed."""
    secret = new_secret()
    webhook = await Webhook.create(
        integration=integration,
        url=check_webhook_url(url, settings.production),
        secret=seal_text(settings.gp_details_keys, secret),
        delivered_position=after,
    )
    return webhook, secret


def body_of(event: dict[str, Any]) -> bytes:
    """What a receiver gets: the event as the API gives it, ids and types only."""

    def ident(key: str) -> str | None:
        return str(event[key]) if event.get(key) is not None else None

    return json.dumps(
        {
            "id": str(event["position"]),
            "type": event["type"],
            "groupId": ident("group_id"),
            "applicationId": ident("application_id"),
            "sessionId": ident("session_id"),
            "occurredAt": event["occurred_at"],
        }
    ).encode()


async def do_deliver_webhooks(
    settings: Settings, client: httpx.AsyncClient, now: datetime | None = None
) -> int:
    """Post what each due webhook has not yet had; how many events were accepted."""
    now = now or datetime.now(UTC)
    due = await Webhook.filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=now),
        disabled_at=None,
        integration__revoked_at=None,
    )
    accepted = 0
    for webhook in due:
        try:
            accepted += await _deliver_one(settings, client, webhook.id, now)
        except Exception:  # one broken webhook must not hold up the others
            logger.exception("delivering to webhook %d failed", webhook.id)
    return accepted


def _claimed_until() -> datetime:
    """A claim is a lock between processes: it lapses by the wall clock, whatever ``now``
    the schedule is reckoned at, and is renewed before each event is posted."""
    return datetime.now(UTC) + timedelta(seconds=CLAIM_SECONDS)


async def _deliver_one(
    settings: Settings, client: httpx.AsyncClient, webhook_id: int, now: datetime
) -> int:
    free = Q(claimed_until=None) | Q(claimed_until__lt=datetime.now(UTC))
    claim = _claimed_until()
    if not await Webhook.filter(free, id=webhook_id).update(claimed_until=claim):
        return 0  # another process has it
    try:
        # Read again, now it is ours: another process may have moved it on meanwhile.
        webhook = await Webhook.get(id=webhook_id)
        if webhook.disabled_at is not None or (
            webhook.next_attempt_at is not None and webhook.next_attempt_at > now
        ):
            return 0
        secret = unseal_text(settings.gp_details_keys, webhook.secret)
        accepted = 0
        events = await events_after(webhook.delivered_position, BATCH)
        if events and events[0]["position"] > webhook.delivered_position + 1:
            # Off for longer than events are kept: those between were forgotten.
            logger.warning(
                "webhook %d goes on after %d events no longer kept",
                webhook_id,
                events[0]["position"] - webhook.delivered_position - 1,
            )
        for event in events:
            renewed = _claimed_until()
            if not await Webhook.filter(id=webhook_id, claimed_until=claim).update(
                claimed_until=renewed
            ):
                return accepted  # the claim lapsed and another process took over
            claim = renewed
            position = event["position"]
            status, error = await _post(client, webhook.url, secret, position, body_of(event))
            succeeded = status is not None and 200 <= status < 300
            await WebhookDelivery.create(
                webhook_id=webhook_id,
                position=position,
                attempted_at=now,
                status_code=status,
                error=error[:200],
                succeeded=succeeded,
            )
            if not succeeded:
                await _failed(webhook, now)
                return accepted
            await Webhook.filter(
                id=webhook_id, claimed_until=claim, delivered_position__lt=position
            ).update(delivered_position=position, failures=0, next_attempt_at=None)
            webhook.failures = 0
            accepted += 1
        return accepted
    finally:
        await Webhook.filter(id=webhook_id, claimed_until=claim).update(claimed_until=None)


async def _post(
    client: httpx.AsyncClient, url: str, secret: str, position: int, body: bytes
) -> tuple[int | None, str]:
    headers = {
        "Content-Type": "application/json",
        HEADER: signature(secret, int(time.time()), body),
        "Haven-Event-Id": str(position),
        "User-Agent": "Haven-Webhooks",
    }
    try:
        answer = await client.post(url, content=body, headers=headers, timeout=SEND_SECONDS)
    except httpx.HTTPError as error:
        return None, type(error).__name__  # never the URL's query or anything it echoed
    return answer.status_code, "" if answer.is_success else f"HTTP {answer.status_code}"


async def _failed(webhook: Webhook, now: datetime) -> None:
    webhook.failures += 1
    webhook.next_attempt_at = now + backoff(webhook.failures, most_minutes=60)
    fields = ["failures", "next_attempt_at"]
    if webhook.failures < MAX_FAILURES:
        await webhook.save(update_fields=fields)
        return
    webhook.disabled_at = now
    async with transaction():
        await webhook.save(update_fields=[*fields, "disabled_at"])
        integration = await Integration.get(id=webhook.integration_id)
        managers = await User.filter(role=Role.ONLINE_MANAGER).values_list("id", flat=True)
        await notify_each(
            managers,
            "A webhook was turned off",
            f"Haven stopped posting events to the webhook of the integration "
            f"“{integration.name}” after {MAX_FAILURES} failed tries in a row. Its events "
            "are kept: once the receiver works again, turn it back on with "
            "`haven enable-webhook`, and it picks up where it stopped.",
        )
    logger.warning(
        "webhook of integration %d disabled after %d failures", integration.id, MAX_FAILURES
    )


async def do_forget_old_deliveries(days: int, now: datetime | None = None) -> int:
    """Tries recorded longer ago than events are kept."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    return await WebhookDelivery.filter(attempted_at__lt=cutoff).delete()


async def do_enable_webhook(integration: Integration) -> bool:
    """Turn a disabled webhook back on: it goes on from the last event it delivered."""
    return bool(
        await Webhook.filter(integration=integration).update(
            disabled_at=None, failures=0, next_attempt_at=None
        )
    )


async def deliver_forever(settings: Settings, hub: Hub, every: float = POLL_SECONDS) -> None:
    """Post events as they are published, and every ``every`` seconds for retries."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while True:
            with contextlib.suppress(Overflow):
                async with hub.listen(channels.events()) as published:
                    while True:
                        try:
                            await do_deliver_webhooks(settings, client)
                        except Exception:  # the database away: again next round
                            logger.exception("delivering webhooks failed")
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(published.get(), every)
