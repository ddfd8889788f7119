"""Arranging the screening call: the applicant's number, times proposed, the one taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Application, AuditEntry, PersonalMessage, ProposedCall, Role
from resolvers.retention import do_purge_expired
from tests.conftest import make_group
from tests.test_email import invitation
from tests.workflow import code, data

APPLY = """
mutation ($group: ID!, $phone: String, $times: String) {
  applyToGroup(groupId: $group, supportSought: "Someone to talk to", phone: $phone,
               suitableTimes: $times) { id }
}"""
READ = """
query ($id: ID!) {
  application(id: $id) { status callAt phone suitableTimes proposedCallTimes }
}"""
PROPOSE = """
mutation ($id: ID!, $times: [DateTime!]!) {
  proposeCallTimes(applicationId: $id, times: $times, note: "Any of these is fine") {
    proposedCallTimes
  }
}"""
TAKE = """
mutation ($id: ID!, $at: DateTime!) {
  acceptCallTime(applicationId: $id, at: $at) { status callAt }
}"""
SCHEDULE = """
mutation ($id: ID!, $at: DateTime!) { scheduleScreeningCall(applicationId: $id, at: $at) { id } }
"""
OTHERS = """
mutation ($id: ID!, $note: String!) {
  askForOtherCallTimes(applicationId: $id, note: $note) { proposedCallTimes suitableTimes }
}"""
REPLY = "mutation ($id: ID!, $body: String!) { replyToMessage(messageId: $id, body: $body) { id } }"
NUMBER = "0113 496 0123"


def hours_ahead(hours: int) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2, hours=hours)
    return moment.isoformat()


async def applied(gql, person, **variables):
    facilitator = await person(Role.FACILITATOR)
    applicant = await person()
    group = await make_group(facilitator)
    answer = await gql(APPLY, {"group": str(group.id), **variables}, token=applicant.token)
    return facilitator, applicant, data(answer, "applyToGroup")["id"]


async def test_the_number_to_call_is_sealed_and_read_only_by_those_who_need_it(gql, person):
    # Given an applicant who gave her number and when a call suits her
    facilitator, applicant, application = await applied(
        gql, person, phone=NUMBER, times="Weekday mornings"
    )
    manager = await person(Role.ONLINE_MANAGER)
    bystander = await person()

    # When she, her facilitator, the manager and another member read it
    readers = [applicant, facilitator, manager, bystander]
    answers = [await gql(READ, {"id": application}, token=who.token) for who in readers]

    # Then those who need it read it, staff reads are audited, the other is refused
    for answer in answers[:3]:
        assert data(answer, "application")["phone"] == NUMBER
        assert data(answer, "application")["suitableTimes"] == "Weekday mornings"
    assert code(answers[3]) == "FORBIDDEN"
    assert await AuditEntry.filter(action="PHONE_READ").count() == 2
    stored = await Application.get(id=int(application))
    # (sealed: neither the number nor its digits run together are in the stored text; a
    # shorter run, such as "496", turns up in a random ciphertext now and then)
    assert stored.phone
    assert NUMBER not in stored.phone
    assert NUMBER.replace(" ", "") not in stored.phone


async def test_a_number_that_is_no_number_is_refused_and_nothing_stored(gql, person):
    facilitator = await person(Role.FACILITATOR)
    applicant = await person()
    group = await make_group(facilitator)

    answer = await gql(APPLY, {"group": str(group.id), "phone": "call me"}, token=applicant.token)

    assert code(answer) == "BAD_USER_INPUT"
    assert await Application.all().count() == 0


async def test_the_applicant_takes_one_of_the_times_proposed(gql, person, mailbox):
    # Given times proposed by her facilitator
    facilitator, applicant, application = await applied(gql, person, phone=NUMBER)
    times = [hours_ahead(1), hours_ahead(3)]
    proposed = await gql(PROPOSE, {"id": application, "times": times}, token=facilitator.token)
    assert len(data(proposed, "proposeCallTimes")["proposedCallTimes"]) == 2
    notice = await PersonalMessage.filter(recipient_id=applicant.user.id).first()
    assert notice.subject.startswith("Times for your telephone chat")
    assert "Any of these is fine" in notice.body

    # When she takes a time never proposed, then one that was
    wrong = await gql(TAKE, {"id": application, "at": hours_ahead(2)}, token=applicant.token)
    taken = await gql(TAKE, {"id": application, "at": times[1]}, token=applicant.token)

    # Then the call is arranged for the one she took, and her facilitator is told
    assert code(wrong) == "BAD_USER_INPUT"
    arranged = data(taken, "acceptCallTime")
    assert arranged["status"] == "CALL_SCHEDULED"
    assert datetime.fromisoformat(arranged["callAt"]) == datetime.fromisoformat(times[1])
    assert not await ProposedCall.filter(application_id=int(application)).exists()
    told = await PersonalMessage.filter(recipient_id=facilitator.user.id).values_list(
        "subject", flat=True
    )
    assert any(subject.endswith("is arranged") for subject in told)
    # and both heard by e-mail, with the time only in a calendar invitation that says
    # nothing but "Telephone call"
    for someone in (applicant, facilitator):
        await mailbox.wait_for(someone.user.email)
        mails = await mailbox.quiet(0.2)
        for mail in mails:
            assert NUMBER not in mail.everything
            assert "Any of these" not in mail.everything
        (arranged,) = [
            mail
            for mail in mailbox.to(someone.user.email)
            if mail.message["Subject"] == "A telephone call with Haven is arranged"
        ]
        assert "SUMMARY:Telephone call\r\n" in invitation(arranged)


async def test_the_applicant_asks_for_other_times(gql, person):
    facilitator, applicant, application = await applied(gql, person)
    await gql(PROPOSE, {"id": application, "times": [hours_ahead(1)]}, token=facilitator.token)

    asked = await gql(
        OTHERS, {"id": application, "note": "Evenings after six"}, token=applicant.token
    )
    by_someone_else = await gql(
        OTHERS, {"id": application, "note": "Never"}, token=facilitator.token
    )

    assert data(asked, "askForOtherCallTimes") == {
        "proposedCallTimes": [],
        "suitableTimes": "Evenings after six",
    }
    assert code(by_someone_else) == "FORBIDDEN"
    note = await PersonalMessage.filter(recipient_id=facilitator.user.id).order_by("-id").first()
    assert "Evenings after six" in note.body


async def test_the_applicant_can_answer_the_services_notice_about_her_application(gql, person):
    # Given the notice that her call is arranged
    facilitator, applicant, application = await applied(gql, person)
    data(
        await gql(SCHEDULE, {"id": application, "at": hours_ahead(1)}, token=facilitator.token),
        "scheduleScreeningCall",
    )
    notice = await PersonalMessage.get(
        recipient_id=applicant.user.id, subject="Your telephone chat"
    )

    # When she answers it
    answer = await gql(
        REPLY, {"id": str(notice.id), "body": "Could it be an hour later?"}, token=applicant.token
    )

    # Then the answer reaches the facilitator of the group she applied to
    assert "errors" not in answer
    assert await PersonalMessage.filter(
        recipient_id=facilitator.user.id, sender_id=applicant.user.id, body__contains="hour later"
    ).exists()


async def test_the_number_is_erased_with_the_gp_details(gql, person):
    _, applicant, application = await applied(gql, person, phone=NUMBER)
    applicant.user.last_signed_in_at = datetime.now(UTC) - timedelta(days=3 * 365)
    await applicant.user.save()

    erased = await do_purge_expired()

    assert [entry.application_ids for entry in erased] == [[int(application)]]
    assert (await Application.get(id=int(application))).phone is None
