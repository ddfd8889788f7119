"""Nothing answers "who has an account" or "what exists" to a reader who is not admitted.

Each refusal here is compared with the answer for something that exists but is not
the reader's: the two must be the same, word for word.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import (
    BreachReport,
    Conversation,
    GroupSession,
    Membership,
    PersonalMessage,
    Post,
    Role,
    SafeguardingConcern,
    Severity,
)
from resolvers.inbox import notify
from resolvers.retention import do_close_profile
from tests.conftest import join, make_group
from tests.workflow import apply

MISSING = "987654"
BY_ID = {
    "application": "query ($id: ID!) { application(id: $id) { id } }",
    "session": "query ($id: ID!) { session(id: $id) { id } }",
    "transcript": "query ($id: ID!) { transcript(sessionId: $id) { session { id } } }",
    "conversation": "query ($id: ID!) { conversation(id: $id) { id } }",
    "concern": "query ($id: ID!) { safeguardingConcern(concernId: $id) { id } }",
    "withdraw": "mutation ($id: ID!) { withdrawApplication(id: $id) { id } }",
    "leave": "mutation ($id: ID!) { leaveGroup(membershipId: $id) { id } }",
    "read": "mutation ($id: ID!) { markMessageRead(messageId: $id) { id } }",
    "reply": 'mutation ($id: ID!) { replyToConversation(conversationId: $id, body: "Hi") { id } }',
    "edit": 'mutation ($id: ID!) { editPost(postId: $id, body: "Changed") { id } }',
}
SEND = """
mutation ($to: ID!) { sendPersonalMessage(toUserId: $to, subject: "Hello", body: "Hi") { id } }
"""
REPORT = """
mutation ($group: ID!, $about: ID) {
  reportBreach(groupId: $group, description: "Someone talked about me outside.",
               aboutMemberId: $about) { id }
}"""


def refusal(result: dict) -> tuple[str, str]:
    error = result["errors"][0]
    return error["extensions"]["code"], error["message"]


@pytest.fixture
async def a_group_with_everything(gql, person):
    """A group with one of every kind of object, none of them the stranger's."""
    facilitator = await person(Role.FACILITATOR)
    member = await person()
    group = await make_group(facilitator)
    membership = await join(group, member)
    application_id = await apply(gql, await person(), group)
    session = await GroupSession.create(group=group, starts_at=datetime.now(UTC))
    conversation = await Conversation.create(group=group, started_by=member.user, title="Week one")
    post = await Post.create(conversation=conversation, author=member.user, body="Hello all")
    concern = await SafeguardingConcern.create(
        group=group,
        member=member.user,
        raised_by=facilitator.user,
        severity=Severity.HIGH,
        summary="Worried",
    )
    message = await notify(member.user.id, "Welcome", "Your group meets on Tuesdays.")
    return {
        "application": application_id,
        "session": session.id,
        "transcript": session.id,
        "conversation": conversation.id,
        "concern": concern.id,
        "withdraw": application_id,
        "leave": membership.id,
        "read": message.id,
        "reply": conversation.id,
        "edit": post.id,
    }


@pytest.mark.parametrize("operation", sorted(BY_ID))
async def test_a_missing_object_answers_as_one_that_is_not_yours(
    gql, person, a_group_with_everything, operation
):
    for stranger in (await person(), await person(Role.FACILITATOR)):
        theirs = await gql(
            BY_ID[operation], {"id": str(a_group_with_everything[operation])}, stranger.token
        )
        missing = await gql(BY_ID[operation], {"id": MISSING}, stranger.token)

        assert refusal(theirs)[0] == "FORBIDDEN"
        assert refusal(missing) == refusal(theirs)


async def test_the_online_manager_learns_that_a_missing_application_is_missing(gql, person):
    manager = await person(Role.ONLINE_MANAGER)

    result = await gql(BY_ID["application"], {"id": MISSING}, manager.token)

    assert refusal(result)[0] == "NOT_FOUND"


async def test_a_member_learns_nothing_of_profiles_from_the_inbox(gql, person):
    # Given a member, another member, a closed profile and an id nobody has
    member, other = await person(), await person()
    closed = await person()
    await do_close_profile(closed.user.id)

    answers = [
        refusal(await gql(SEND, {"to": to}, member.token)) for to in (other.id, closed.id, MISSING)
    ]

    # Then every answer is the same refusal, and nothing was sent
    assert answers[0][0] == "FORBIDDEN"
    assert answers.count(answers[0]) == 3
    assert await PersonalMessage.filter(sender_id=member.user.id).count() == 0


async def test_a_closed_facilitator_answers_as_any_other_member_would(gql, person):
    facilitator, member = await person(Role.FACILITATOR), await person()
    await join(await make_group(facilitator), member)
    stranger = await person()
    await do_close_profile(facilitator.user.id)

    to_closed = await gql(SEND, {"to": facilitator.id}, member.token)
    to_member = await gql(SEND, {"to": stranger.id}, member.token)

    assert refusal(to_closed) == refusal(to_member)


async def test_a_breach_report_cannot_tell_who_was_ever_a_member(gql, person):
    # Given Ann in a group now; Bea, who left before Ann joined; Cal, never in it
    facilitator, ann, bea, cal = (
        await person(Role.FACILITATOR),
        await person(),
        await person(),
        await person(),
    )
    group = await make_group(facilitator)
    long_ago = datetime.now(UTC) - timedelta(weeks=30)
    await Membership.create(
        group=group,
        user=bea.user,
        starts_at=long_ago,
        ends_at=long_ago + timedelta(weeks=12),
    )
    await join(group, ann)

    # When Ann names each of them, or an id nobody has, in a report
    answers = [
        refusal(await gql(REPORT, {"group": str(group.id), "about": about}, ann.token))
        for about in (bea.id, cal.id, MISSING)
    ]

    # Then the answers cannot be told apart, and no report was made
    assert answers[0][0] == "BAD_USER_INPUT"
    assert answers.count(answers[0]) == 3
    assert await BreachReport.all().count() == 0


async def test_a_breach_report_may_name_someone_met_in_the_group_who_has_since_left_haven(
    gql, person
):
    facilitator, ann, dee = await person(Role.FACILITATOR), await person(), await person()
    group = await make_group(facilitator)
    await join(group, ann)
    await join(group, dee)
    await do_close_profile(dee.user.id)

    result = await gql(REPORT, {"group": str(group.id), "about": dee.id}, ann.token)

    assert "errors" not in result, result
    assert (await BreachReport.get()).about_id == dee.user.id
