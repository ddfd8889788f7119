"""E-mail: every notice reaches people outside the app, says nothing private, goes once.

The test server sends through a real SMTP server (``tests.mailbox``). Tests of retries
and of several senders queue their e-mail a day ahead, where the server's own relay,
on the real clock, does not reach it, and deliver it with a clock they hold.
"""

from __future__ import annotations

import asyncio
import email
import logging
from datetime import UTC, datetime, timedelta
from email.policy import default

import pytest

from mail.links import unsubscribe_link
from mail.relay import CLAIM_SECONDS, deliver_due
from mail.transport import FileTransport, SmtpTransport, transport_for
from models import Application, MailKind, MailTopic, OutgoingMail, PersonalMessage, Role
from resolvers.notices import queue_email
from resolvers.reminders import do_send_reminders
from settings import load_settings
from tests.conftest import PASSWORD, join, make_group
from tests.test_recovery import VERIFY, link_in
from tests.workflow import (
    ACCEPT,
    GP,
    GP_OUTCOME,
    RECORD_CALL,
    SCHEDULE,
    apply,
    code,
    data,
    soon,
)

SEND = """
mutation ($to: ID!, $subject: String!, $body: String!) {
  sendPersonalMessage(toUserId: $to, subject: $subject, body: $body) { id }
}"""
REPLY = "mutation ($id: ID!, $body: String!) { replyToMessage(messageId: $id, body: $body) { id } }"
SETTINGS = "{ notificationSettings { emailMessages emailNews emailReminders } }"
UPDATE = """
mutation ($input: NotificationSettingsInput!) {
  updateNotificationSettings(input: $input) { emailMessages emailNews emailReminders }
}"""
REGISTER = "mutation ($input: RegisterInput!) { register(input: $input) { message } }"
APPLY = """
mutation ($group: ID!, $support: String!, $phone: String, $times: String) {
  applyToGroup(groupId: $group, supportSought: $support, phone: $phone, suitableTimes: $times) {
    id
  }
}"""
PROPOSE = """
mutation ($id: ID!, $times: [DateTime!]!) {
  proposeCallTimes(applicationId: $id, times: $times) { id }
}"""
TAKE = "mutation ($id: ID!, $at: DateTime!) { acceptCallTime(applicationId: $id, at: $at) { id } }"
REPORT = """
mutation ($group: ID!, $about: ID, $text: String!) {
  reportBreach(groupId: $group, aboutMemberId: $about, description: $text) { id }
}"""
SUBJECTS = {
    "NEW_MESSAGE": "You have a new message in Haven",
    "NEWS": "There is news for you in Haven",
    "ACTION_NEEDED": "Please sign in to Haven: something needs your answer",
    "URGENT": "An urgent notice is waiting for you in Haven",
    "CALL_ARRANGED": "A telephone call with Haven is arranged",
}


def invitation(mail) -> str:
    """The calendar invitation an e-mail carries, as text."""
    (part,) = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    return (
        part.get_content() if isinstance(part.get_content(), str) else part.get_content().decode()
    )


async def sent_by_the_server() -> None:
    """Wait until the server's relay has sent what is due on the real clock, before the
    test sends what is due at a later moment: a relay whose clock is a day ahead would
    see the server's claims as long lapsed."""
    for _ in range(500):
        due = OutgoingMail.filter(next_attempt_at__lte=datetime.now(UTC))
        if not await due.exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server's relay left e-mail unsent")


def subjects(arrived) -> list[str]:
    return [mail.message["Subject"] for mail in arrived]


async def test_a_new_applicant_is_reached_by_e_mail_all_the_way_and_it_says_nothing_private(
    gql, person, mailbox, server
):
    # Given a group whose every detail is confidential, a member of it, and its staff
    facilitator = await person(Role.FACILITATOR, name="Dr Ruth Okafor")
    manager = await person(Role.ONLINE_MANAGER, name="Morag Quill")
    bilal = await person(name="Bilal Hussain")
    group = await make_group(
        facilitator,
        name="Thursday Lymphoma Circle",
        need="Living with lymphoma",
        description="For people having chemotherapy for lymphoma",
    )
    await join(group, bilal)
    secrets = [
        "Thursday Lymphoma Circle",
        "Living with lymphoma",
        "chemotherapy",
        "Amira",
        "Clarke",
        "Bilal",
        "Okafor",
        "Morag",
        *GP.values(),
        "Riverside",
        "LS1 4AB",
        "0113 496 0999",
        "01134960999",
        "Mornings, not Thursdays",
        "my sister died of it",
        "Mentioned her daughter Lucy",
        "Scan results agree",
        "Bring your scan letter",
        "the consultant said stage two",
        "Bilal told his employer",
    ]
    amira = "ac1984@example.org"  # her address is hers to see; her name is not in it
    transport = SmtpTransport(server.settings.smtp_url)

    # When Amira registers, and opens her profile from the e-mail's link
    new_profile = {"email": amira, "password": PASSWORD, "profileName": "Amira Clarke"}
    data(await gql(REGISTER, {"input": new_profile}), "register")
    (welcome,) = await mailbox.wait_for(amira)
    verified = await gql(VERIFY, {"token": link_in(welcome, "/verify-email")})
    token = data(verified, "verifyEmail")["accessToken"]

    # and applies, giving her number and when a call suits her
    applied = await gql(
        APPLY,
        {
            "group": str(group.id),
            "support": "Talking, since my sister died of it",
            "phone": "0113 496 0999",
            "times": "Mornings, not Thursdays",
        },
        token=token,
    )
    application = data(applied, "applyToGroup")["id"]

    # and takes one of the times her facilitator proposes, and is reminded of the call
    times = [soon(), (datetime.fromisoformat(soon()) + timedelta(hours=2)).isoformat()]
    data(
        await gql(PROPOSE, {"id": application, "times": times}, token=facilitator.token),
        "proposeCallTimes",
    )
    data(await gql(TAKE, {"id": application, "at": times[1]}, token=token), "acceptCallTime")
    hour_before = datetime.fromisoformat(times[1]) - timedelta(hours=1)
    assert await do_send_reminders(hour_before) >= 2  # the call, to both; maybe a session
    await sent_by_the_server()
    await deliver_due(server.settings, transport, now=hour_before)

    # and is screened, offered a place, reminded of the offer, and takes it
    notes = {"id": application, "consent": True, "gp": GP, "notes": "Mentioned her daughter Lucy"}
    data(await gql(RECORD_CALL, notes, token=facilitator.token), "recordScreeningCall")
    outcome = {"id": application, "suitable": True, "note": "Scan results agree"}
    data(await gql(GP_OUTCOME, outcome, token=facilitator.token), "recordGpOutcome")
    offered = await Application.get(id=int(application))
    day_before = offered.offer_expires_at - timedelta(days=1)
    assert await do_send_reminders(day_before) >= 1
    await sent_by_the_server()
    await deliver_due(server.settings, transport, now=day_before)
    data(await gql(ACCEPT, {"id": application}, token=token), "acceptPlace")

    # and talks with her facilitator, and reports a breach
    sent = data(
        await gql(
            SEND,
            {
                "to": str(offered.applicant_id),
                "subject": "Bring your scan letter",
                "body": "Bring your scan letter",
            },
            token=facilitator.token,
        ),
        "sendPersonalMessage",
    )
    reply = {"id": sent["id"], "body": "Yes: the consultant said stage two"}
    data(await gql(REPLY, reply, token=token), "replyToMessage")
    report = {"group": str(group.id), "about": bilal.id, "text": "Bilal told his employer"}
    data(await gql(REPORT, report, token=token), "reportBreach")

    # Then e-mail reached her at every step that needs her
    await mailbox.wait_for(amira, 7)
    await mailbox.wait_for(facilitator.user.email, 2)
    await mailbox.wait_for(manager.user.email, 1)
    arrived = await mailbox.quiet()
    hers = subjects(mailbox.to(amira))
    assert hers[0] == "Confirm your e-mail address for Haven"
    # times proposed, the place offered, the offer's reminder
    assert hers.count(SUBJECTS["ACTION_NEEDED"]) == 3
    # the call arranged, with an invitation that says only "Telephone call", and when
    (arranged,) = [
        m for m in mailbox.to(amira) if m.message["Subject"] == SUBJECTS["CALL_ARRANGED"]
    ]
    call_at = datetime.fromisoformat(times[1]).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{call_at}" in invitation(arranged)
    assert "SUMMARY:Telephone call\r\n" in invitation(arranged)
    assert "A reminder from Haven" in hers  # the call
    assert SUBJECTS["NEW_MESSAGE"] in hers
    assert SUBJECTS["NEW_MESSAGE"] in subjects(mailbox.to(facilitator.user.email))
    assert SUBJECTS["ACTION_NEEDED"] in subjects(mailbox.to(manager.user.email))
    # and not one e-mail says anything a family member reading it should not see
    for mail in arrived:
        for secret in secrets:
            assert secret.lower() not in mail.everything.lower(), (secret, mail.text)
    # while the inbox, behind the sign-in, holds the words
    assert await PersonalMessage.filter(body__contains="stage two").exists()


async def test_an_e_mail_has_text_and_html_a_link_and_a_way_to_stop_it(
    gql, person, mailbox, server
):
    # Given a facilitator writing to a member of her group
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    await join(await make_group(facilitator), member)

    # When the message is sent
    message = {"to": member.id, "subject": "Hello", "body": "See you Tuesday"}
    data(await gql(SEND, message, token=facilitator.token), "sendPersonalMessage")

    # Then one e-mail arrives, from Haven, in text and HTML, pointing into the app
    (mail,) = await mailbox.wait_for(member.user.email)
    app_url = server.settings.app_url
    assert mail.message["From"] == "Haven <no-reply@haven.localhost>"
    assert mail.message["To"] == member.user.email
    assert mail.message["Message-ID"].endswith("@haven.localhost>")
    assert f"{app_url}/inbox" in mail.text
    assert f"{app_url}/inbox\r\n" in mail.raw.decode()  # as it is, to be read from a file
    assert f'href="{app_url}/inbox"' in mail.html
    # and, being optional, it says how to stop such e-mails, in the body and for one click
    unsubscribe = mail.message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{app_url}/email/unsubscribe?token=")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in mail.text


async def test_an_offered_place_is_e_mailed_whatever_was_turned_off(gql, person, mailbox):
    # Given an applicant who turned every optional e-mail off
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    group = await make_group(facilitator)
    off = {"emailMessages": False, "emailNews": False, "emailReminders": False}
    assert data(await gql(UPDATE, {"input": off}, token=member.token), "updateNotificationSettings")
    assert data(await gql(SETTINGS, token=member.token), "notificationSettings") == off

    # When she applies (news), is sent a message, and is offered a place
    application = await apply(gql, member, group)
    message = {"to": member.id, "subject": "Hello", "body": "About your call"}
    data(await gql(SEND, message, token=facilitator.token), "sendPersonalMessage")
    data(
        await gql(SCHEDULE, {"id": application, "at": soon()}, token=facilitator.token),
        "scheduleScreeningCall",
    )

    # Then only what she cannot afford to miss reaches her by e-mail
    await mailbox.wait_for(member.user.email)
    await mailbox.quiet()
    assert subjects(mailbox.to(member.user.email)) == [SUBJECTS["CALL_ARRANGED"]]
    assert len(await PersonalMessage.filter(recipient_id=member.user.id)) == 3


async def test_settings_left_out_stay_as_they_were_and_need_a_sign_in(gql, person):
    member = await person()

    changed = await gql(UPDATE, {"input": {"emailReminders": False}}, token=member.token)
    refused = await gql(UPDATE, {"input": {"emailNews": False}})

    assert data(changed, "updateNotificationSettings") == {
        "emailMessages": True,
        "emailNews": True,
        "emailReminders": False,
    }
    assert code(refused) == "UNAUTHENTICATED"
    assert code(await gql(SETTINGS)) == "UNAUTHENTICATED"
    assert data(await gql(SETTINGS, token=member.token), "notificationSettings")["emailNews"]


async def test_the_unsubscribe_link_asks_first_then_stops_that_kind_only(
    gql, person, http, mailbox, server
):
    # Given a member's link to stop e-mails about new messages
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    await join(await make_group(facilitator), member)
    link = unsubscribe_link(server.settings, member.user.id, MailTopic.MESSAGES)
    path = link.removeprefix(server.settings.app_url)

    # When a link scanner opens it
    opened = await http.get(path)

    # Then it only asks
    assert opened.status_code == 200
    assert "Stop these e-mails" in opened.text
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    settings = data(await gql(SETTINGS, token=member.token), "notificationSettings")
    assert settings["emailMessages"] is True

    # When her mail client posts the one-click unsubscribe
    stopped = await http.post(path, content=b"List-Unsubscribe=One-Click")

    # Then new messages reach her inbox, but no longer her e-mail; news still does
    assert stopped.status_code == 200
    assert data(await gql(SETTINGS, token=member.token), "notificationSettings") == {
        "emailMessages": False,
        "emailNews": True,
        "emailReminders": True,
    }
    message = {"to": member.id, "subject": "Hello", "body": "See you Tuesday"}
    data(await gql(SEND, message, token=facilitator.token), "sendPersonalMessage")
    await mailbox.quiet()
    assert mailbox.to(member.user.email) == []
    assert await PersonalMessage.filter(recipient_id=member.user.id).count() == 1


async def test_a_forged_unsubscribe_link_changes_nothing(gql, person, http, server):
    member = await person()
    forged = unsubscribe_link(
        load_settings({"JWT_SECRET": "another-secret-" + "y" * 40}), member.user.id, MailTopic.NEWS
    ).removeprefix("http://127.0.0.1:8000")

    answers = [
        await http.get(forged),
        await http.post(forged),
        await http.post("/email/unsubscribe"),
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert data(await gql(SETTINGS, token=member.token), "notificationSettings")["emailNews"]


@pytest.fixture
def tomorrow() -> datetime:
    """A time the server's own relay, on the real clock, will not reach during the test."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


async def test_a_relay_that_says_try_later_is_tried_again_later(
    person, mailbox, server, tomorrow, caplog
):
    # Given an e-mail due tomorrow, and a relay that will not take it then
    member = await person()
    mail = await queue_email(member.user, MailKind.NEWS, now=tomorrow)
    transport = SmtpTransport(server.settings.smtp_url)
    mailbox.refuse_with = f"451 4.3.0 <{member.user.email}> busy, try later"

    # When it is tried
    with caplog.at_level(logging.INFO, logger="haven.mail"):
        assert await deliver_due(server.settings, transport, now=tomorrow) == 0

    # Then it waits a minute, having said why without saying to whom
    row = await OutgoingMail.get(id=mail.id)
    assert (row.attempts, row.sent_at, row.failed_at) == (1, None, None)
    assert row.next_attempt_at == tomorrow + timedelta(minutes=1)
    assert row.last_error == "the relay asked to try later: SMTP 451"
    assert member.user.email not in caplog.text

    # When the relay is back, nothing goes before the minute is up, then it goes once
    mailbox.refuse_with = None
    assert await deliver_due(server.settings, transport, now=tomorrow + timedelta(seconds=30)) == 0
    assert await deliver_due(server.settings, transport, now=tomorrow + timedelta(minutes=1)) == 1
    assert await deliver_due(server.settings, transport, now=tomorrow + timedelta(hours=1)) == 0
    assert len(mailbox.to(member.user.email)) == 1
    row = await OutgoingMail.get(id=mail.id)
    assert row.sent_at is not None
    assert row.next_attempt_at is None


async def test_a_relay_that_refuses_for_good_is_not_asked_again(person, mailbox, server, tomorrow):
    member = await person()
    mail = await queue_email(member.user, MailKind.NEWS, now=tomorrow)
    transport = SmtpTransport(server.settings.smtp_url)
    mailbox.refuse_with = f"550 5.1.1 <{member.user.email}> no such mailbox"

    assert await deliver_due(server.settings, transport, now=tomorrow) == 0
    mailbox.refuse_with = None
    assert await deliver_due(server.settings, transport, now=tomorrow + timedelta(days=1)) == 0

    row = await OutgoingMail.get(id=mail.id)
    assert row.failed_at == tomorrow
    assert row.next_attempt_at is None
    assert row.last_error == "the relay refused it for good: SMTP 550"
    assert mailbox.to(member.user.email) == []


async def test_two_processes_sending_at_once_send_each_e_mail_once(
    person, mailbox, server, tomorrow
):
    # Given five e-mails due
    people = [await person() for _ in range(5)]
    for someone in people:
        await queue_email(someone.user, MailKind.ACTION_NEEDED, now=tomorrow)
    transports = [SmtpTransport(server.settings.smtp_url) for _ in "ab"]

    # When two relays deliver at the same moment
    counts = await asyncio.gather(
        *(deliver_due(server.settings, transport, now=tomorrow) for transport in transports)
    )

    # Then each e-mail arrived once
    assert sum(counts) == 5
    arrived = await mailbox.quiet(0.2)
    assert sorted(address for mail in arrived for address in mail.recipients) == sorted(
        someone.user.email for someone in people
    )


async def test_an_e_mail_taken_by_a_process_that_died_goes_once_its_claim_lapses(
    person, server, tomorrow, tmp_path
):
    # Given an e-mail that a process took, wrote out, and died before marking it sent
    member = await person()
    mail = await queue_email(member.user, MailKind.NEWS, now=tomorrow)
    folder = FileTransport(tmp_path)
    assert await deliver_due(server.settings, folder, now=tomorrow) == 1
    await OutgoingMail.filter(id=mail.id).update(
        sent_at=None, next_attempt_at=tomorrow, claimed_until=tomorrow + timedelta(seconds=120)
    )

    # When the others look before and after its claim lapses
    during = await deliver_due(server.settings, folder, now=tomorrow + timedelta(seconds=60))
    after = await deliver_due(
        server.settings, folder, now=tomorrow + timedelta(seconds=CLAIM_SECONDS + 1)
    )

    # Then it is sent again once, as the same message: one file, one Message-ID
    assert (during, after) == (0, 1)
    (written,) = tmp_path.glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=default)
    assert message["Message-ID"] == f"<{mail.message_id}@haven.localhost>"
    assert message["To"] == member.user.email
    assert "Something new is waiting for you" in message.get_body(("plain",)).get_content()


def test_without_smtp_url_e_mail_is_written_under_data_mail():
    transport = transport_for(load_settings({}))

    assert isinstance(transport, FileTransport)
    assert transport.folder.parts[-2:] == ("data", "mail")


def test_the_relays_password_is_not_in_the_settings_repr():
    settings = load_settings({"SMTP_URL": "smtp://haven:hunter2-relay@mail.example.org:587"})

    assert "hunter2-relay" not in repr(settings)


async def test_nothing_is_sent_to_a_closed_profile_nor_twice_for_one_wait(person, tomorrow):
    member = await person()
    first = await queue_email(member.user, MailKind.NEWS, now=tomorrow)
    again = await queue_email(member.user, MailKind.NEWS, now=tomorrow)
    urgent = await queue_email(member.user, MailKind.ACTION_NEEDED, now=tomorrow)
    member.user.closed_at = tomorrow
    await member.user.save()
    closed = await queue_email(member.user, MailKind.ACTION_NEEDED, now=tomorrow)

    assert first is not None
    assert again is None  # "something is waiting" once is enough until it has gone
    assert urgent is not None
    assert closed is None
