"""Access tokens that must not be honoured: expired, forged, unsigned, for someone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from websockets.exceptions import ConnectionClosed

from auth.tokens import LEEWAY_SECONDS, issue_access_token, read_access_token
from errors import Unauthenticated
from settings import load_settings
from tests.conftest import TEST_ENV
from tests.live import LiveClient

ME = "{ me { profileName } }"


def claims_for(person, settings, **changes):
    now = datetime.now(UTC)
    claims = {
        "sub": person.id,
        "role": "MEMBER",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def test_a_valid_token_is_honoured(gql, person, settings):
    member = await person(name="Valid")
    token = jwt.encode(claims_for(member, settings), settings.jwt_secret, algorithm="HS256")

    result = await gql(ME, token=token)

    assert result["data"]["me"] == {"profileName": "Valid"}


async def test_an_expired_token_is_refused_with_a_reason(gql, person, settings):
    member = await person()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    token = issue_access_token(settings, member.user, now=long_ago)

    result = await gql(ME, token=token)

    assert result["data"]["me"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in result["errors"][0]["message"]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c, s: jwt.encode(c, "another-secret-" * 4, "HS256"), id="wrong-key"),
        pytest.param(lambda c, s: jwt.encode(c, None, algorithm="none"), id="alg-none"),
        pytest.param(
            lambda c, s: jwt.encode({**c, "aud": "elsewhere"}, s.jwt_secret, "HS256"),
            id="wrong-audience",
        ),
        pytest.param(
            lambda c, s: jwt.encode({**c, "iss": "elsewhere"}, s.jwt_secret, "HS256"),
            id="wrong-issuer",
        ),
        *(
            pytest.param(
                lambda c, s, claim=claim: jwt.encode(
                    {k: v for k, v in c.items() if k != claim}, s.jwt_secret
                ),
                id=f"no-{claim}",
            )
            for claim in ("exp", "iat", "iss", "aud", "sub", "role")
        ),
        pytest.param(
            lambda c, s: jwt.encode({**c, "role": "ONLINE_MANAGER"}, s.jwt_secret, "HS512"),
            id="other-algorithm",
        ),
        pytest.param(lambda c, s: "not.a.token", id="garbage"),
    ],
)
async def test_a_forged_or_malformed_token_is_refused(gql, person, settings, forge):
    member = await person()
    token = forge(claims_for(member, settings), settings)

    result = await gql(ME, token=token)

    assert result["data"]["me"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_that_lives_longer_than_ours_is_refused(gql, person, settings):
    member = await person()
    now = datetime.now(UTC)
    month = claims_for(member, settings, iat=now, exp=now + timedelta(days=30))
    token = jwt.encode(month, settings.jwt_secret, algorithm="HS256")

    result = await gql("{ me { id } }", token=token)

    assert result["data"]["me"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert result["errors"][0]["message"] == "That access token is not valid."


async def test_a_token_that_lives_longer_than_ours_opens_no_socket(server, person, settings):
    member = await person()
    now = datetime.now(UTC)
    month = claims_for(member, settings, iat=now, exp=now + timedelta(days=30))
    token = jwt.encode(month, settings.jwt_secret, algorithm="HS256")

    with pytest.raises((ConnectionClosed, AssertionError)):
        await LiveClient.connect(server.ws_url, token)


async def test_a_token_that_lives_as_long_as_ours_is_honoured(gql, person, settings):
    member = await person()
    now = datetime.now(UTC)
    lifetime = timedelta(seconds=settings.access_token_seconds)
    ours = claims_for(member, settings, iat=now, exp=now + lifetime)
    token = jwt.encode(ours, settings.jwt_secret, algorithm="HS256")

    result = await gql("{ me { id } }", token=token)

    assert result["data"]["me"] == {"id": member.id}


async def test_a_token_verified_once_still_expires_on_time(person, settings):
    # Given a token that has been verified (and so is remembered)
    member = await person()
    issued = datetime.now(UTC)
    token = issue_access_token(settings, member.user, now=issued)
    assert read_access_token(settings, token).user_id == member.user.id

    # Then it is honoured up to its expiry and refused after it, as a fresh one would be
    lapses = issued + timedelta(seconds=settings.access_token_seconds + LEEWAY_SECONDS + 1)
    assert read_access_token(settings, token, now=lapses - timedelta(seconds=2)).user_id
    with pytest.raises(Unauthenticated, match="expired"):
        read_access_token(settings, token, now=lapses)


async def test_a_remembered_token_is_not_honoured_under_another_secret(person, settings):
    member = await person()
    token = issue_access_token(settings, member.user)
    read_access_token(settings, token)
    other = load_settings({**TEST_ENV, "JWT_SECRET": "another-secret-" + "y" * 64})

    with pytest.raises(Unauthenticated):
        read_access_token(other, token)
