"""A person's own data, all of it, in one document: and no one else's."""

from __future__ import annotations

import json

from models import AuditEntry, Role
from tests.conftest import make_group
from tests.test_live_sessions import POST, live_session
from tests.workflow import GP, code, data, screen

EXPORT = "{ exportMyData }"
APPLY = """
mutation ($group: ID!, $phone: String) {
  applyToGroup(groupId: $group, supportSought: "Someone who understands", phone: $phone) { id }
}"""
WRITE = """
mutation ($to: ID!, $body: String!) {
  sendPersonalMessage(toUserId: $to, subject: "Hello", body: $body) { id }
}"""


async def test_a_member_gets_everything_haven_holds_about_her(gql, person):
    # Given a member who applied with her number and GP, speaks in a session and is
    # written to; and another member who speaks there too
    scene = await live_session(gql, person, size=2)
    her, other = scene.members
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, name="Another group")
    applied = await gql(APPLY, {"group": str(group.id), "phone": "0113 496 0999"}, token=her.token)
    await screen(gql, facilitator, data(applied, "applyToGroup")["id"])
    await gql(POST, {"session": scene.session_id, "body": "I slept badly"}, token=her.token)
    await gql(POST, {"session": scene.session_id, "body": "Someone else's words"}, other.token)
    await gql(WRITE, {"to": her.id, "body": "Thinking of you"}, token=scene.facilitator.token)

    # When she asks for her data
    exported = data(await gql(EXPORT, token=her.token), "exportMyData")

    # Then it holds hers, opened, and nothing of anyone else's or of her secrets
    text = json.dumps(exported)
    assert exported["profile"]["email"] == her.user.email
    assert exported["applications"][0]["phone"] == "0113 496 0999"
    assert exported["applications"][0]["gp_details"]["practice_name"] == GP["practiceName"]
    assert [m["body"] for m in exported["sessionMessages"]] == ["I slept badly"]
    assert "Thinking of you" in [m["body"] for m in exported["messagesReceived"]]
    assert len(exported["memberships"]) == 1
    assert {s["status"] for s in exported["applicationHistory"]} >= {"SUBMITTED", "AWAITING_GP"}
    assert "Someone else's words" not in text
    assert "password_hash" not in text
    assert "Keen to join" not in text  # the facilitator's screening notes: on request only
    assert await AuditEntry.filter(action="DATA_EXPORTED", actor_id=her.user.id).exists()


async def test_no_one_exports_without_signing_in(gql):
    refused = await gql(EXPORT)

    assert refused["data"]["exportMyData"] is None
    assert code(refused) == "UNAUTHENTICATED"


USERS = """
query ($search: String, $after: ID) {
  users(search: $search, first: 2, after: $after) { id profileName email }
}"""


async def test_the_online_manager_finds_people_a_page_at_a_time(gql, person):
    # Given three people whose names hold "Ward", and one who does not
    manager = await person(Role.ONLINE_MANAGER)
    for name in ("Ann Ward", "Bea Wardle", "Cy Steward", "Di Jones"):
        await person(name=name)

    # When the manager searches, a page of two at a time
    first = data(await gql(USERS, {"search": "ward"}, token=manager.token), "users")
    after = {"search": "ward", "after": first[-1]["id"]}
    second = data(await gql(USERS, after, token=manager.token), "users")
    refused = await gql(USERS, {"search": "ward"}, token=(await person()).token)

    # Then she gets them in order, with their addresses, and a member is refused
    assert [u["profileName"] for u in first] == ["Ann Ward", "Bea Wardle"]
    assert [u["profileName"] for u in second] == ["Cy Steward"]
    assert first[0]["email"].endswith("@example.org")
    assert code(refused) == "FORBIDDEN"
    assert refused["data"]["users"] is None
