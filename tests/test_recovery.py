"""Registering by e-mail and getting back in, as a person does it: through the API and the
links that arrive by real e-mail."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from errors import BadUserInput
from models import AccountToken, AuditEntry, OutgoingMail, Registration, Role, User
from resolvers.recovery import do_request_reset, do_reset_password
from tests.conftest import PASSWORD
from tests.workflow import code, data

REGISTER = """
mutation ($input: RegisterInput!) { register(input: $input) { message } }"""
VERIFY = """
mutation ($token: String!) {
  verifyEmail(token: $token) { accessToken refreshToken user { profileName } }
}"""
LOGIN = """
mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken }
}"""
REFRESH = "mutation ($token: String!) { refreshToken(token: $token) { accessToken } }"
ASK_RESET = "mutation ($email: String!) { requestPasswordReset(email: $email) { message } }"
RESET = """
mutation ($token: String!, $password: String!) {
  resetPassword(token: $token, newPassword: $password) { accessToken refreshToken }
}"""
CHANGE_PASSWORD = """
mutation ($current: String!, $new: String!) {
  changePassword(current: $current, new: $new) { accessToken refreshToken }
}"""
CHANGE_EMAIL = """
mutation ($email: String!, $password: String!) {
  changeEmail(newEmail: $email, password: $password) { message }
}"""
CONFIRM_EMAIL = "mutation ($token: String!) { confirmEmailChange(token: $token) { message } }"
START_RESET = "mutation ($id: ID!) { startPasswordReset(userId: $id) { message } }"
NEW_PASSWORD = "a brand new passphrase"


def link_in(mail, path: str) -> str:
    """The token of the link to ``path`` in an e-mail, as a person would follow it."""
    (link,) = re.findall(r"https?://\S+" + re.escape(path) + r"\?token=\S+", mail.text)
    assert urlsplit(link).path == path
    return parse_qs(urlsplit(link).query)["token"][0]


def new_profile(email: str = "ada@example.org", name: str = "Ada Byron") -> dict:
    return {"input": {"email": email, "password": PASSWORD, "profileName": name}}


async def sign_in(gql, email: str, password: str = PASSWORD) -> dict:
    return await gql(LOGIN, {"email": email, "password": password})


async def test_a_new_member_registers_confirms_her_address_and_is_in(gql, mailbox):
    # When someone registers
    answer = data(await gql(REGISTER, new_profile()), "register")

    # Then she is asked to check her e-mail, and cannot sign in before she does
    assert "sent an e-mail" in answer["message"]
    assert code(await sign_in(gql, "ada@example.org")) == "UNAUTHENTICATED"
    assert not await User.filter(email="ada@example.org").exists()
    (mail,) = await mailbox.wait_for("ada@example.org")
    assert mail.message["Subject"] == "Confirm your e-mail address for Haven"
    token = link_in(mail, "/verify-email")
    assert token not in str(await Registration.all().values_list("token_hash", flat=True))

    # When she follows the link
    verified = data(await gql(VERIFY, {"token": token}), "verifyEmail")

    # Then she is signed in, her profile is open, and the link works no more
    assert verified["user"] == {"profileName": "Ada Byron"}
    assert verified["accessToken"]
    assert verified["refreshToken"]
    assert "errors" not in await sign_in(gql, "ada@example.org")
    assert code(await gql(VERIFY, {"token": token})) == "BAD_USER_INPUT"
    assert await User.filter(email="ada@example.org").count() == 1


async def test_registering_an_address_in_use_answers_the_same_and_tells_its_owner(
    gql, person, mailbox
):
    # Given a member's address
    member = await person()
    before = member.user.password_hash

    # When someone registers with it, and with a free one
    taken = await gql(REGISTER, new_profile(member.user.email, "Someone Else"))
    free = await gql(REGISTER, new_profile("free@example.org", "Someone New"))

    # Then both hear the same, and nobody is given tokens
    assert taken == free
    assert set(data(taken, "register")) == {"message"}
    # and the owner is told someone tried, with nothing changed
    (mail,) = await mailbox.wait_for(member.user.email)
    assert mail.message["Subject"] == "Someone tried to make a Haven profile with your address"
    assert "token=" not in mail.text
    assert (await User.get(id=member.user.id)).password_hash == before
    assert not await Registration.filter(email=member.user.email).exists()


async def test_a_member_who_forgot_her_password_gets_back_in(gql, person, mailbox):
    # Given a member signed in on another device
    member = await person()
    other_device = data(await sign_in(gql, member.user.email), "login")

    # When she asks for a reset, and someone asks for an address nobody has
    mine = await gql(ASK_RESET, {"email": member.user.email.upper()})
    nobodys = await gql(ASK_RESET, {"email": "nobody@example.org"})

    # Then both hear the same, and only she gets a link, which Haven does not keep
    assert mine == nobodys
    (mail,) = await mailbox.wait_for(member.user.email)
    assert mail.message["Subject"] == "Set a new password for Haven"
    token = link_in(mail, "/reset-password")
    stored = await AccountToken.filter(user_id=member.user.id).values_list("token_hash", flat=True)
    assert token not in str(stored)

    # When she follows it and chooses a new password
    reset = data(await gql(RESET, {"token": token, "password": NEW_PASSWORD}), "resetPassword")

    # Then she is in, her old password and her other sign-in are over, the link is spent
    assert reset["accessToken"]
    assert "errors" not in await sign_in(gql, member.user.email, NEW_PASSWORD)
    assert code(await sign_in(gql, member.user.email)) == "UNAUTHENTICATED"
    assert code(await gql(REFRESH, {"token": other_device["refreshToken"]})) == "UNAUTHENTICATED"
    again = await gql(RESET, {"token": token, "password": "yet another passphrase"})
    assert code(again) == "BAD_USER_INPUT"
    # and she is told by e-mail that her password changed
    await mailbox.wait_for(member.user.email, 2)
    assert mailbox.to(member.user.email)[1].message["Subject"] == "Your Haven password was changed"


async def test_a_reset_link_lapses_after_an_hour_and_a_weak_password_spends_nothing(
    person, mailbox, settings
):
    member = await person()
    asked = datetime.now(UTC)
    await do_request_reset(member.user.email, "203.0.113.5", now=asked)
    token = link_in((await mailbox.wait_for(member.user.email))[0], "/reset-password")

    with pytest.raises(BadUserInput, match="at least"):
        await do_reset_password(settings, token, "short", now=asked + timedelta(minutes=5))
    with pytest.raises(BadUserInput, match="expired"):
        await do_reset_password(settings, token, NEW_PASSWORD, now=asked + timedelta(minutes=61))

    assert (await User.get(id=member.user.id)).password_hash == member.user.password_hash


async def test_an_inbox_gets_a_few_reset_links_an_hour_however_many_are_asked(gql, person, mailbox):
    member = await person()

    answers = [await gql(ASK_RESET, {"email": member.user.email}) for _ in range(6)]

    assert all("errors" not in answer for answer in answers)
    assert await OutgoingMail.filter(to_address=member.user.email).count() == 3
    await mailbox.wait_for(member.user.email, 3)


async def test_changing_a_password_needs_the_current_one_and_ends_other_sign_ins(
    gql, person, mailbox
):
    # Given a member signed in on two devices
    member = await person()
    this = data(await sign_in(gql, member.user.email), "login")
    other = data(await sign_in(gql, member.user.email), "login")

    # When she gets her current password wrong, then right
    wrong = await gql(
        CHANGE_PASSWORD,
        {"current": "not it at all", "new": NEW_PASSWORD},
        token=this["accessToken"],
    )
    changed = await gql(
        CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW_PASSWORD}, token=this["accessToken"]
    )

    # Then the wrong one changed nothing; the right one signs her in afresh, ends the other
    assert code(wrong) == "UNAUTHENTICATED"
    fresh = data(changed, "changePassword")
    assert code(await gql(REFRESH, {"token": other["refreshToken"]})) == "UNAUTHENTICATED"
    assert "errors" not in await gql(REFRESH, {"token": fresh["refreshToken"]})
    assert "errors" not in await sign_in(gql, member.user.email, NEW_PASSWORD)
    (mail,) = await mailbox.wait_for(member.user.email)
    assert mail.message["Subject"] == "Your Haven password was changed"
    assert code(await gql(CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW_PASSWORD})) == (
        "UNAUTHENTICATED"
    )


async def test_a_new_address_counts_once_confirmed_from_it_and_the_old_one_is_told(
    gql, person, mailbox
):
    # Given a member moving to a new address
    member = await person()
    old = member.user.email

    # When she asks, with her password
    asked = await gql(
        CHANGE_EMAIL, {"email": "new@example.org", "password": PASSWORD}, token=member.token
    )

    # Then nothing changes until the new address confirms
    assert "errors" not in asked
    (mail,) = await mailbox.wait_for("new@example.org")
    assert mail.message["Subject"] == "Confirm your new e-mail address for Haven"
    assert (await User.get(id=member.user.id)).email == old
    confirmed = await gql(CONFIRM_EMAIL, {"token": link_in(mail, "/confirm-email")})

    # When confirmed, she signs in with the new address, and the old one hears of it
    assert "errors" not in confirmed
    assert "errors" not in await sign_in(gql, "new@example.org")
    assert code(await sign_in(gql, old)) == "UNAUTHENTICATED"
    (notice,) = await mailbox.wait_for(old)
    assert notice.message["Subject"] == "Your Haven e-mail address was changed"


async def test_moving_to_an_address_in_use_answers_the_same_and_changes_nothing(
    gql, person, mailbox
):
    member = await person()
    neighbour = await person()

    taken = await gql(
        CHANGE_EMAIL, {"email": neighbour.user.email, "password": PASSWORD}, token=member.token
    )
    wrong_password = await gql(
        CHANGE_EMAIL, {"email": "mine@example.org", "password": "not it at all"}, token=member.token
    )

    assert data(taken, "changeEmail")["message"].startswith("Thank you")
    assert code(wrong_password) == "UNAUTHENTICATED"
    (mail,) = await mailbox.wait_for(neighbour.user.email)
    assert "token=" not in mail.text
    assert not await AccountToken.filter(user_id=member.user.id).exists()
    await mailbox.quiet(0.3)
    assert mailbox.to("mine@example.org") == []


async def test_the_online_manager_sends_a_reset_link_she_never_sees(gql, person, mailbox):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR)
    member = await person()

    sent = await gql(START_RESET, {"id": member.id}, token=manager.token)
    refused = await gql(START_RESET, {"id": member.id}, token=facilitator.token)

    assert "token" not in str(data(sent, "startPasswordReset"))
    assert code(refused) == "FORBIDDEN"
    (mail,) = await mailbox.wait_for(member.user.email)
    assert link_in(mail, "/reset-password")
    assert (
        await AuditEntry.filter(action="PASSWORD_RESET_SENT", subject_id=member.user.id).count()
        == 1
    )
    assert await AccountToken.filter(user_id=member.user.id).count() == 1


async def test_two_uses_of_one_link_at_once_open_one_profile(gql, mailbox):
    data(await gql(REGISTER, new_profile()), "register")
    token = link_in((await mailbox.wait_for("ada@example.org"))[0], "/verify-email")

    answers = await asyncio.gather(*(gql(VERIFY, {"token": token}) for _ in range(3)))

    assert sorted("errors" in answer for answer in answers) == [False, True, True]
    assert await User.filter(email="ada@example.org").count() == 1


async def test_an_address_gets_a_few_registration_links_an_hour_however_many_are_asked(
    gql, mailbox
):
    answers = [await gql(REGISTER, new_profile()) for _ in range(5)]

    assert len({str(answer) for answer in answers}) == 1
    assert await Registration.filter(email="ada@example.org").count() == 3
    await mailbox.wait_for("ada@example.org", 3)
    await mailbox.quiet(0.3)
    assert len(mailbox.to("ada@example.org")) == 3


async def test_a_reset_leaves_neither_its_address_nor_its_token_in_the_log(
    gql, person, mailbox, caplog
):
    # Given a member asking for a reset, with Haven's own log heard at every level
    member = await person()
    with caplog.at_level(logging.DEBUG, logger="haven"):
        data(await gql(ASK_RESET, {"email": member.user.email}), "requestPasswordReset")
        token = link_in((await mailbox.wait_for(member.user.email))[0], "/reset-password")
        reset = await gql(RESET, {"token": token, "password": NEW_PASSWORD})
        spent = await gql(RESET, {"token": token, "password": NEW_PASSWORD})

    # Then the reset went through, and nothing Haven logged or answered names them
    assert "errors" not in reset
    assert token not in str(spent)
    haven_lines = [r.getMessage() for r in caplog.records if r.name.startswith("haven")]
    for line in haven_lines:
        assert member.user.email not in line
        assert token not in line
