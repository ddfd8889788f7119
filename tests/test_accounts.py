"""Registering, signing in, refreshing and signing out, as a client does it."""

from __future__ import annotations

import asyncio

from models import RefreshToken, Registration, Role, User
from tests.conftest import PASSWORD, join, make_group
from tests.test_recovery import VERIFY, link_in
from tests.workflow import data

REGISTER = """
mutation ($input: RegisterInput!) {
  register(input: $input) { message }
}
"""
LOGIN = """
mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken user { profileName } }
}
"""
REFRESH = """
mutation ($token: String!) { refreshToken(token: $token) { accessToken refreshToken } }
"""
ME = "{ me { id profileName role email } }"


def code(result: dict) -> str:
    return result["errors"][0]["extensions"]["code"]


async def test_a_new_member_registers_and_is_signed_in_from_her_e_mail(gql, mailbox):
    result = await gql(
        REGISTER,
        {"input": {"email": " Sam@Example.org ", "password": PASSWORD, "profileName": "Sam"}},
    )

    assert "errors" not in result
    (mail,) = await mailbox.wait_for("sam@example.org")
    token = link_in(mail, "/verify-email")
    payload = data(await gql(VERIFY, {"token": token}), "verifyEmail")
    me = await gql(ME, token=payload["accessToken"])
    assert me["data"]["me"] == {
        "id": me["data"]["me"]["id"],
        "profileName": "Sam",
        "role": "MEMBER",
        "email": "sam@example.org",
    }


async def test_registering_a_taken_email_creates_nobody(gql, person, mailbox):
    taken = await person(name="First")

    result = await gql(
        REGISTER,
        {"input": {"email": taken.user.email, "password": PASSWORD, "profileName": "Second"}},
    )

    assert data(result, "register")["message"]
    assert await User.all().count() == 1
    assert await Registration.all().count() == 0


async def test_a_weak_password_is_refused_with_a_reason(gql):
    result = await gql(
        REGISTER, {"input": {"email": "a@example.org", "password": "short", "profileName": "Al"}}
    )

    assert code(result) == "BAD_USER_INPUT"
    assert "at least 10 characters" in result["errors"][0]["message"]
    assert await User.all().count() == 0
    assert await Registration.all().count() == 0


async def test_sign_in_with_the_right_password_only(gql, person):
    member = await person(name="Pat")

    wrong = await gql(LOGIN, {"email": member.user.email, "password": "not the password"})
    right = await gql(LOGIN, {"email": member.user.email.upper(), "password": PASSWORD})

    assert code(wrong) == "UNAUTHENTICATED"
    assert wrong["data"]["login"] is None
    assert right["data"]["login"]["user"]["profileName"] == "Pat"
    assert (await User.get(id=member.user.id)).last_signed_in_at is not None


async def test_a_refresh_token_is_rotated_on_use(gql, person):
    member = await person()
    first = (await gql(LOGIN, {"email": member.user.email, "password": PASSWORD}))["data"]

    second = (await gql(REFRESH, {"token": first["login"]["refreshToken"]}))["data"]

    assert second["refreshToken"]["refreshToken"] != first["login"]["refreshToken"]
    me = await gql(ME, token=second["refreshToken"]["accessToken"])
    assert me["data"]["me"]["profileName"] == member.user.profile_name


async def test_a_reused_refresh_token_revokes_its_whole_family(gql, person):
    member = await person()
    stolen = (await gql(LOGIN, {"email": member.user.email, "password": PASSWORD}))["data"][
        "login"
    ]["refreshToken"]
    current = (await gql(REFRESH, {"token": stolen}))["data"]["refreshToken"]["refreshToken"]

    replay = await gql(REFRESH, {"token": stolen})
    after = await gql(REFRESH, {"token": current})

    assert code(replay) == "UNAUTHENTICATED"
    assert code(after) == "UNAUTHENTICATED"
    assert await RefreshToken.filter(revoked_at=None).count() == 0


async def test_logout_revokes_that_sign_in_only(gql, person):
    member = await person()
    phone = (await gql(LOGIN, {"email": member.user.email, "password": PASSWORD}))["data"]["login"]
    laptop = (await gql(LOGIN, {"email": member.user.email, "password": PASSWORD}))["data"]["login"]

    result = await gql(
        "mutation ($t: String) { logout(refreshToken: $t) }",
        {"t": phone["refreshToken"]},
        token=phone["accessToken"],
    )

    assert result["data"]["logout"] is True
    assert code(await gql(REFRESH, {"token": phone["refreshToken"]})) == "UNAUTHENTICATED"
    assert "errors" not in await gql(REFRESH, {"token": laptop["refreshToken"]})


async def test_logout_needs_a_sign_in(gql):
    result = await gql("mutation { logout }")

    assert code(result) == "UNAUTHENTICATED"


async def test_me_is_refused_to_anonymous_readers(gql):
    result = await gql(ME)

    assert result["data"]["me"] is None
    assert code(result) == "UNAUTHENTICATED"


async def test_an_email_is_seen_by_its_owner_and_the_online_manager_only(gql, person):
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(facilitator)
    await join(group, member)
    query = "query ($id: ID!) { group(id: $id) { members { profileName email } } }"

    as_self = await gql("{ me { email bpsRegistrationNumber } }", token=facilitator.token)
    as_manager = await gql(query, {"id": str(group.id)}, token=manager.token)
    as_other = await gql(query, {"id": str(group.id)}, token=facilitator.token)

    assert as_self["data"]["me"] == {
        "email": facilitator.user.email,
        "bpsRegistrationNumber": "BPS-000001",
    }
    assert as_manager["data"]["group"]["members"] == [
        {"profileName": member.user.profile_name, "email": member.user.email}
    ]
    assert as_other["data"]["group"]["members"] == [
        {"profileName": member.user.profile_name, "email": None}
    ]
    assert code(as_other) == "FORBIDDEN"


async def test_a_refresh_token_used_twice_at_once_signs_in_at_most_once(gql, person):
    member = await person()
    token = (await gql(LOGIN, {"email": member.user.email, "password": PASSWORD}))["data"]["login"][
        "refreshToken"
    ]

    results = await asyncio.gather(*(gql(REFRESH, {"token": token}) for _ in range(4)))

    assert sum("errors" not in r for r in results) <= 1
    assert await RefreshToken.filter(revoked_at=None, used_at=None).count() <= 1


async def test_a_closed_profiles_token_stops_working_at_once(gql, person):
    member = await person()

    await gql("mutation { closeProfile }", token=member.token)
    result = await gql(ME, token=member.token)

    assert code(result) == "UNAUTHENTICATED"


async def test_a_token_naming_an_old_role_stops_working(gql, person):
    member = await person(Role.FACILITATOR)
    await User.filter(id=member.user.id).update(role=Role.MEMBER)

    result = await gql(ME, token=member.token)

    assert code(result) == "UNAUTHENTICATED"
