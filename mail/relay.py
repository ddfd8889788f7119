"""Delivering the outbox: every queued e-mail sent once, retried while it may yet go.

Each server process runs ``relay_forever``. Rows are written by the resolvers in the
transaction of the change they announce (``resolvers.notices``), so nothing is sent
for a change that rolled back, and nothing committed is lost to a crash: a row waits
in the table until some process sends it, after any downtime.

Once across processes: a process takes a row by a conditional update that only one
can win, and holds it ``CLAIM_SECONDS``. A process that dies between sending and
marking leaves its claim to lapse; the row is sent again under the same Message-ID,
which a receiving server and a mail client treat as one message (a file is replaced).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q

from mail.links import app_link, unsubscribe_link
from mail.templates import WORDINGS, Envelope, message_id, render
from mail.transport import NotNow, Transport, Undeliverable, transport_for
from models import OutgoingMail, User
from models.mail import MailTopic
from observe.metrics import MAIL_FAILURES
from settings import Settings
from subscriptions import channels
from subscriptions.hub import Hub, Overflow

logger = logging.getLogger("haven.mail")

BATCH = 20
CLAIM_SECONDS = 120  # longer than an SMTP exchange may take (mail.transport.SMTP_SECONDS)
POLL_SECONDS = 5.0  # rows queued by another kind of process (the command line), and retries
MAX_ATTEMPTS = 10  # about a day of backing off, then it is given up and kept as failed
KEEP_SENT = timedelta(days=30)


def backoff(attempts: int, most_minutes: int = 240) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 … minutes, at most
    ``most_minutes`` (4 h for e-mail; webhooks' own receivers are tried hourly)."""
    return timedelta(minutes=min(2 ** (attempts - 1), most_minutes))


async def deliver_due(settings: Settings, transport: Transport, now: datetime | None = None) -> int:
    """Send what is due now; returns how many were sent. Safe to run in many processes."""
    now = now or datetime.now(UTC)
    due = (
        await OutgoingMail.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .limit(BATCH)
    )
    sent = 0
    for mail in due:
        if await _claim(mail, now):
            sent += await _deliver(settings, transport, mail, now)
    return sent


async def _claim(mail: OutgoingMail, now: datetime) -> bool:
    taken = (
        await OutgoingMail.filter(id=mail.id, next_attempt_at__lte=now)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    )
    if not taken:
        return False
    mail.attempts += 1  # as the update counted it
    return True


async def _deliver(
    settings: Settings, transport: Transport, mail: OutgoingMail, now: datetime
) -> int:
    user = await User.filter(id=mail.user_id).first() if mail.user_id else None
    if user is not None and user.closed_at is not None:
        await _give_up(mail, now, "the profile was closed before it was sent")
        return 0
    wording = WORDINGS[mail.kind]
    topic = mail.kind.topic
    envelope = Envelope(
        to_address=mail.to_address,
        kind=mail.kind,
        message_id=message_id(mail.message_id, settings.mail_from),
        link=app_link(settings, wording.path, mail.link_token),
        unsubscribe=(
            unsubscribe_link(settings, user.id, topic)
            if user is not None and topic != MailTopic.ALWAYS
            else None
        ),
        event_at=mail.event_at,
    )
    try:
        await transport.send(render(envelope, settings.mail_from), mail.to_address)
    except Undeliverable as error:
        await _give_up(mail, now, str(error))
        return 0
    except NotNow as error:
        if mail.attempts >= MAX_ATTEMPTS:
            await _give_up(mail, now, str(error))
        else:
            MAIL_FAILURES.labels("tried_again_later").inc()
            await OutgoingMail.filter(id=mail.id).update(
                next_attempt_at=now + backoff(mail.attempts),
                claimed_until=None,
                last_error=str(error)[:200],
            )
            logger.info("e-mail %d not sent, tried again later: %s", mail.id, error)
        return 0
    await OutgoingMail.filter(id=mail.id).update(
        sent_at=datetime.now(UTC), next_attempt_at=None, claimed_until=None, link_token=None
    )
    return 1


async def _give_up(mail: OutgoingMail, now: datetime, reason: str) -> None:
    MAIL_FAILURES.labels("given_up").inc()
    await OutgoingMail.filter(id=mail.id).update(
        failed_at=now,
        next_attempt_at=None,
        claimed_until=None,
        link_token=None,
        last_error=reason[:200],
    )
    logger.warning("e-mail %d given up after %d attempts: %s", mail.id, mail.attempts, reason)


async def do_forget_old_mail(now: datetime | None = None) -> int:
    """Rows sent or given up long ago: their addresses are no longer the outbox's to keep."""
    cutoff = (now or datetime.now(UTC)) - KEEP_SENT
    return await OutgoingMail.filter(next_attempt_at=None, queued_at__lt=cutoff).delete()


async def relay_forever(settings: Settings, hub: Hub, every: float = POLL_SECONDS) -> None:
    """Deliver as rows come: woken at once by a commit anywhere that queued one, and
    every ``every`` seconds regardless, for retries and rows queued without a hub."""
    transport = transport_for(settings)
    while True:
        with contextlib.suppress(Overflow):  # woken more often than it could count: listen anew
            async with hub.listen(channels.mail_queued()) as queued:
                while True:
                    try:
                        while await deliver_due(settings, transport) == BATCH:
                            pass
                    except Exception:  # a bad row or a database away: again next round
                        logger.exception("delivering e-mail failed")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(queued.get(), every)
