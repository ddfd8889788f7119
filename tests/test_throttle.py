"""Signing in and registering on a shared network: guessers are slowed, owners are not.

The clock is the test's: each attempt is made at a time the test names, so the
growing delays are checked without waiting for them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from errors import RateLimited, Unauthenticated
from models import AccountToken, RefreshToken, Registration, SignInAttempt
from resolvers.accounts import do_sign_in
from resolvers.recovery import do_register, do_request_reset
from resolvers.throttle import (
    FREE_FAILURES_PER_ACCOUNT,
    FREE_FAILURES_PER_NETWORK,
    RECOVERIES_PER_NETWORK,
    REGISTRATIONS_PER_NETWORK,
    network_of,
)
from tests.conftest import PASSWORD, another_server

# Near the real time: the server's own beat forgets registration links that have lapsed
# by the wall clock, and would take those of a test set days in the past.
T0 = datetime.now(UTC).replace(microsecond=0)
HOSPITAL = "198.51.100.7"
HOME = "203.0.113.20"
LOGIN = """
mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken user { profileName } }
}
"""


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def guess(settings, email: str, address: str, when: datetime) -> str:
    """One wrong password; the code it earns."""
    try:
        await do_sign_in(settings, email, "a wrong guess", address, now=when)
    except (Unauthenticated, RateLimited) as refusal:
        return refusal.code
    raise AssertionError("a wrong password signed in")


async def test_the_owner_signs_in_from_elsewhere_during_a_burst_of_guesses(settings, person):
    # Given someone at the hospital guessing a member's password again and again
    member = await person()
    codes = [await guess(settings, member.user.email, HOSPITAL, at(n / 10)) for n in range(20)]
    assert "RATE_LIMITED" in codes

    # When the member signs in from home in the middle of it
    signed_in = await do_sign_in(settings, member.user.email, PASSWORD, HOME, now=at(2))

    # Then she is in, and the guesser at the hospital is still being slowed
    assert signed_in.user.id == member.user.id
    assert await guess(settings, member.user.email, HOSPITAL, at(2.1)) == "RATE_LIMITED"


async def test_each_failure_past_the_free_ones_makes_the_next_wait_longer(settings, person):
    member = await person()
    email = member.user.email
    for n in range(FREE_FAILURES_PER_ACCOUNT):
        assert await guess(settings, email, HOSPITAL, at(n)) == "UNAUTHENTICATED"
    last = FREE_FAILURES_PER_ACCOUNT - 1

    # The next try must wait 1 s after the last failure, then 2 s, then 4 s.
    waited = last
    for delay in (1, 2, 4):
        assert await guess(settings, email, HOSPITAL, at(waited + delay - 0.5)) == "RATE_LIMITED"
        assert await guess(settings, email, HOSPITAL, at(waited + delay)) == "UNAUTHENTICATED"
        waited += delay

    # A refused try was never a guess: it does not lengthen the wait.
    for _ in range(5):
        assert await guess(settings, email, HOSPITAL, at(waited + 1)) == "RATE_LIMITED"
    assert await guess(settings, email, HOSPITAL, at(waited + 8)) == "UNAUTHENTICATED"


async def test_a_refusal_says_when_to_try_again(settings, person):
    member = await person()
    for n in range(FREE_FAILURES_PER_ACCOUNT + 3):
        await guess(settings, member.user.email, HOSPITAL, at(n * 100))

    with pytest.raises(RateLimited) as refused:
        await do_sign_in(settings, member.user.email, PASSWORD, HOSPITAL, now=at(500.5))

    assert refused.value.extensions == {"retryAfter": 8}  # 2 ** 3 s after the last at 500 s


async def test_signing_in_forgives_the_owners_earlier_slips_on_that_network(settings, person):
    member = await person()
    email = member.user.email
    for n in range(FREE_FAILURES_PER_ACCOUNT):
        await guess(settings, email, HOSPITAL, at(n))

    await do_sign_in(settings, email, PASSWORD, HOSPITAL, now=at(10))

    # She may mistype again tomorrow without a delay.
    assert await guess(settings, email, HOSPITAL, at(11)) == "UNAUTHENTICATED"
    assert await guess(settings, email, HOSPITAL, at(11.1)) == "UNAUTHENTICATED"


async def test_failures_are_forgotten_after_an_hour(settings, person):
    member = await person()
    for n in range(FREE_FAILURES_PER_ACCOUNT + 6):
        await guess(settings, member.user.email, HOSPITAL, at(n * 200))

    signed_in = await do_sign_in(
        settings, member.user.email, PASSWORD, HOSPITAL, now=at(8 * 200 + 3601)
    )

    assert signed_in.user.id == member.user.id


async def test_a_network_trying_many_accounts_is_slowed_and_others_are_not(settings, person):
    # Given one network failing once each for many accounts (a list being tried)
    for n in range(FREE_FAILURES_PER_NETWORK):
        assert await guess(settings, f"nobody{n}@example.org", HOSPITAL, at(n)) == (
            "UNAUTHENTICATED"
        )
    member = await person()

    # Then the next try from that network waits, even for a real account
    with pytest.raises(RateLimited):
        await do_sign_in(settings, member.user.email, PASSWORD, HOSPITAL, now=at(29.5))
    # but the same member elsewhere, and the network a moment later, are let through
    await do_sign_in(settings, member.user.email, PASSWORD, HOME, now=at(29.5))
    await do_sign_in(settings, member.user.email, PASSWORD, HOSPITAL, now=at(31))


async def test_ipv6_addresses_of_one_network_count_together():
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:bbbb::9")
    assert network_of("2001:db8:1:2::1") != network_of("2001:db8:1:3::1")
    assert network_of("198.51.100.7") == "198.51.100.7"


async def test_a_centres_open_day_registers_thirty_people(settings):
    for n in range(30):
        await do_register(f"visitor{n}@example.org", PASSWORD, f"Visitor {n}", HOSPITAL, at(n))

    assert await Registration.all().count() == 30


async def test_registrations_from_one_network_are_limited_per_hour(settings):
    # Given a network that has registered as many people as an hour allows
    for n in range(REGISTRATIONS_PER_NETWORK):
        await SignInAttempt.create(
            kind="REGISTRATION", email=f"v{n}@example.org", address=HOSPITAL, attempted_at=at(n)
        )

    # When one more registers from there, it is refused and nothing is stored
    with pytest.raises(RateLimited) as refused:
        await do_register("late@example.org", PASSWORD, "Late Comer", HOSPITAL, at(600))
    assert refused.value.extensions == {"retryAfter": 3000}
    assert not await Registration.filter(email="late@example.org").exists()

    # while elsewhere, and there an hour after the first, registering works
    await do_register("home@example.org", PASSWORD, "At Home", HOME, at(600))
    await do_register("late@example.org", PASSWORD, "Late Comer", HOSPITAL, at(3600))
    registered = Registration.filter(email__in=["home@example.org", "late@example.org"])
    assert await registered.count() == 2


async def test_password_resets_asked_from_one_network_are_limited_per_hour(person):
    # Given a network that has asked for as many resets as an hour allows
    member = await person()
    for n in range(RECOVERIES_PER_NETWORK):
        await SignInAttempt.create(
            kind="RECOVERY", email=f"v{n}@example.org", address=HOSPITAL, attempted_at=at(n)
        )

    # When one more is asked from there, it is refused and no link is made
    with pytest.raises(RateLimited):
        await do_request_reset(member.user.email, HOSPITAL, at(600))
    assert not await AccountToken.filter(user_id=member.user.id).exists()

    # while from elsewhere it goes
    await do_request_reset(member.user.email, HOME, at(600))
    assert await AccountToken.filter(user_id=member.user.id).count() == 1


async def test_guesses_sent_all_at_once_still_meet_the_delay(gql, person):
    member = await person()

    guesses = await asyncio.gather(
        *(gql(LOGIN, {"email": member.user.email, "password": f"guess {n}"}) for n in range(12))
    )

    codes = [g["errors"][0]["extensions"]["code"] for g in guesses]
    assert codes.count("UNAUTHENTICATED") <= FREE_FAILURES_PER_ACCOUNT
    assert codes.count("RATE_LIMITED") >= 12 - FREE_FAILURES_PER_ACCOUNT
    refused = next(g for g in guesses if g["errors"][0]["extensions"]["code"] == "RATE_LIMITED")
    assert refused["errors"][0]["extensions"]["retryAfter"] >= 1
    assert await RefreshToken.all().count() == 0


async def test_over_the_wire_a_hospital_guesser_does_not_keep_the_owner_out(settings, person):
    # Given Haven behind a proxy that says which network each request came from
    member = await person()
    async with another_server(settings, HAVEN_TRUSTED_PROXIES="127.0.0.1") as client:

        async def login(password: str, address: str) -> dict:
            response = await client.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"email": member.user.email, "password": password},
                },
                headers={"X-Forwarded-For": address},
            )
            return response.json()

        # When someone on the hospital's network guesses her password again and again
        guesses = [await login(f"guess number {n}", HOSPITAL) for n in range(10)]
        # and she signs in from home meanwhile
        at_home = await login(PASSWORD, HOME)

    # Then the guesser is slowed and she is in
    assert [g["errors"][0]["extensions"]["code"] for g in guesses][-1] == "RATE_LIMITED"
    assert at_home["data"]["login"]["user"]["profileName"] == member.user.profile_name
