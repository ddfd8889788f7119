"""How fast guesses may come: throttles for sign-in and registration.

Members sign in from hospitals, support centres and libraries where hundreds of
people share one address, so nothing here locks an account. A guesser is slowed
where it guesses from: each failure for one account from one network makes the
next try from that network wait longer (1 s, 2 s, 4 s … up to 15 minutes) after a
few free mistakes, while the owner signing in from anywhere else is not slowed at
all. A network that fails for many accounts at once (someone trying a list of
e-mail addresses) is slowed the same way, with enough free mistakes for a busy
ward. Registrations are counted per network at a level a centre's open day stays
well below.

Attempts are rows in the database, so every server process counts the same ones,
and each attempt is recorded before it is judged: requests sent all at once see
each other, and the one past the limit is refused however they interleave.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from errors import RateLimited
from models import AttemptKind, SignInAttempt
from models.accounts import EMAIL_LENGTH  # a longer "e-mail" is counted by its start

FREE_FAILURES_PER_ACCOUNT = 3  # per account and network, before delays start
FREE_FAILURES_PER_NETWORK = 30  # for all accounts from one network, within NETWORK_WINDOW
NETWORK_WINDOW = timedelta(minutes=15)
REMEMBERED = timedelta(hours=1)  # attempts older than this are forgotten
MAX_DELAY = timedelta(minutes=15)
REGISTRATIONS_PER_NETWORK = 50  # an open day registers about thirty people
RECOVERIES_PER_NETWORK = 30  # password resets asked for, from one network
REGISTRATION_WINDOW = timedelta(hours=1)  # the window of both
IPV6_PREFIX = 64  # one household or device gets a whole /64


def network_of(address: str) -> str:
    """The network an address stands for: itself for IPv4, its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def delay_after(failures: int, free: int) -> timedelta:
    """How long to wait after the latest of ``failures``: nothing while they are few."""
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - free)), MAX_DELAY)


async def forget_old(now: datetime) -> None:
    await SignInAttempt.filter(attempted_at__lt=now - REMEMBERED).delete()


def too_soon(wait: timedelta) -> RateLimited:
    return RateLimited(
        "Too many attempts from your network; wait a little and try again.",
        retry_after=math.ceil(wait.total_seconds()),
    )


async def _record(kind: AttemptKind, email: str, address: str, now: datetime) -> SignInAttempt:
    """Record an attempt (forgetting the old ones) before it is judged."""
    await forget_old(now)
    return await SignInAttempt.create(
        kind=kind, email=email[:EMAIL_LENGTH], address=network_of(address), attempted_at=now
    )


async def do_admit_sign_in(email: str, address: str, now: datetime) -> None:
    """Record a sign-in attempt and refuse it when it comes too soon after failures.

    The attempt stays recorded as a failure unless ``forget_failures`` clears it
    after the password matched. A refused attempt is removed: its password was
    never checked, so it must not make the next wait longer.
    """
    attempt = await _record(AttemptKind.SIGN_IN, email, address, now)
    earlier = (
        await SignInAttempt.filter(
            kind=AttemptKind.SIGN_IN, address=attempt.address, id__lt=attempt.id
        )
        .order_by("-id")
        .values_list("email", "attempted_at")
    )
    for_account = [at for tried, at in earlier if tried == attempt.email]
    from_network = [at for _, at in earlier if at >= now - NETWORK_WINDOW]
    wait = max(
        _wait(for_account, FREE_FAILURES_PER_ACCOUNT, now),
        _wait(from_network, FREE_FAILURES_PER_NETWORK, now),
    )
    if wait > timedelta(0):
        await attempt.delete()
        raise too_soon(wait)


def _wait(failures: list[datetime], free: int, now: datetime) -> timedelta:
    """What is left of the delay owed after ``failures``, newest first."""
    if not failures:
        return timedelta(0)
    return delay_after(len(failures), free) - (now - failures[0])


async def forget_failures(email: str, address: str) -> None:
    """The owner got in from this network: this attempt and her earlier slips there go."""
    await SignInAttempt.filter(
        kind=AttemptKind.SIGN_IN, email=email[:EMAIL_LENGTH], address=network_of(address)
    ).delete()


# How many of each kind one network may ask for in ``PER_NETWORK_WINDOW``.
PER_NETWORK = {
    AttemptKind.REGISTRATION: REGISTRATIONS_PER_NETWORK,
    AttemptKind.RECOVERY: RECOVERIES_PER_NETWORK,
}


async def do_admit(kind: AttemptKind, email: str, address: str, now: datetime) -> None:
    """Record a registration or a reset asked for, and refuse it when its network has
    asked for too many of that kind within the hour."""
    attempt = await _record(kind, email, address, now)
    earlier = (
        await SignInAttempt.filter(
            kind=kind,
            address=attempt.address,
            id__lt=attempt.id,
            attempted_at__gt=now - REGISTRATION_WINDOW,
        )
        .order_by("id")
        .values_list("attempted_at", flat=True)
    )
    if len(earlier) >= PER_NETWORK[kind]:
        await attempt.delete()
        raise too_soon(earlier[0] + REGISTRATION_WINDOW - now)


async def do_admit_registration(email: str, address: str, now: datetime) -> None:
    await do_admit(AttemptKind.REGISTRATION, email, address, now)
