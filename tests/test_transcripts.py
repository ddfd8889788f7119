"""Transcripts after the session: reader by reader; and the anonymised research export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import AuditEntry, Membership, Role, User
from resolvers.anonymise import week_of
from resolvers.retention import do_close_profile
from tests.conftest import join, make_group
from tests.test_live_sessions import END, POST, live_session
from tests.workflow import code, data

TRANSCRIPT = """
query ($session: ID!) {
  transcript(sessionId: $session) {
    session { status }
    messages { edges { node { sequence body author { profileName } } } }
  }
}"""
EXPORT = """
query ($group: ID!, $since: DateTime!, $until: DateTime!) {
  researchExport(groupId: $group, since: $since, until: $until) {
    week lines { speaker body }
  }
}"""


@pytest.fixture
async def ended(gql, person):
    scene = await live_session(gql, person, size=2)
    for member in scene.members:
        await gql(
            POST,
            {"session": scene.session_id, "body": f"I am {member.user.profile_name}"},
            token=member.token,
        )
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    return scene


async def test_the_facilitator_and_the_members_who_were_there_read_the_transcript(gql, ended):
    for reader in (ended.facilitator, *ended.members):
        result = await gql(TRANSCRIPT, {"session": ended.session_id}, token=reader.token)
        edges = data(result, "transcript")["messages"]["edges"]
        assert [e["node"]["sequence"] for e in edges] == [1, 2]
    reads = await AuditEntry.filter(action="TRANSCRIPT_READ").count()
    assert reads == 3


async def test_a_member_who_has_since_left_still_reads_it(gql, ended):
    await Membership.filter(id=ended.memberships[0].id).update(ended_at=datetime.now(UTC))

    result = await gql(TRANSCRIPT, {"session": ended.session_id}, token=ended.members[0].token)

    assert len(data(result, "transcript")["messages"]["edges"]) == 2


async def test_no_one_else_reads_it(gql, person, ended):
    later = await person(name="Joined later")
    await join(ended.group, later)
    other_group_member = await person()
    await join(await make_group(await person(Role.FACILITATOR), name="Other"), other_group_member)
    manager = await person(Role.ONLINE_MANAGER)

    for reader in (later, other_group_member, manager):
        result = await gql(TRANSCRIPT, {"session": ended.session_id}, token=reader.token)
        assert result["data"]["transcript"] is None
        assert code(result) == "FORBIDDEN"
    assert code(await gql(TRANSCRIPT, {"session": ended.session_id})) == "UNAUTHENTICATED"


async def test_a_live_session_has_no_transcript_yet(gql, person):
    scene = await live_session(gql, person)

    result = await gql(TRANSCRIPT, {"session": scene.session_id}, token=scene.facilitator.token)

    assert code(result) == "CONFLICT"


async def test_the_research_export_is_anonymised_and_leaves_out_those_who_opted_out(gql, person):
    scene = await live_session(gql, person, names=["Anna K", "Ben T", "Cat"])
    anna, ben, cat = scene.members
    await User.filter(id=cat.user.id).update(research_consent=False)
    lines = [
        (anna, "Hello, I'm Anna K, mail me at a@b.org"),
        (ben, "Hi Anna, my number is 07700 900123"),
        (ben, "My son Jack starts at Leeds General Infirmary on 3 March, aged 24"),
        (cat, "I would rather this stayed here."),
        (anna, "Thanks Ben"),
    ]
    for author, body in lines:
        await gql(POST, {"session": scene.session_id, "body": body}, token=author.token)
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    manager = await person(Role.ONLINE_MANAGER)
    window = {
        "group": str(scene.group.id),
        "since": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "until": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }

    exported = data(await gql(EXPORT, window, token=manager.token), "researchExport")
    refused = await gql(EXPORT, window, token=scene.facilitator.token)

    assert exported[0]["lines"] == [
        {"speaker": "Member A", "body": "Hello, I'm [person], mail me at [email]"},
        {"speaker": "Member B", "body": "Hi [person], my number is [phone]"},
        {
            "speaker": "Member B",
            "body": "My son [person] starts at [institution] on [date], aged [age]",
        },
        {"speaker": "Member A", "body": "Thanks [person]"},
    ]
    assert exported[0]["week"] == week_of(datetime.now(UTC)).isoformat()
    assert code(refused) == "FORBIDDEN"


async def test_the_export_still_redacts_the_name_of_a_member_who_closed_her_profile(gql, person):
    # Given Ben thanking Zed by name, and Zed closing her profile afterwards
    scene = await live_session(gql, person, names=["Ben Tolley", "Zed Quarrington"])
    ben, zed = scene.members
    await gql(
        POST, {"session": scene.session_id, "body": "so glad quarrington came"}, token=ben.token
    )
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    await do_close_profile(zed.user.id)
    window = {
        "group": str(scene.group.id),
        "since": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "until": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }

    # When the online manager exports the group's transcripts
    manager = await person(Role.ONLINE_MANAGER)
    exported = data(await gql(EXPORT, window, token=manager.token), "researchExport")

    # Then Zed's name, though freed for others, is still redacted
    assert exported[0]["lines"] == [{"speaker": "Member A", "body": "so glad [person] came"}]


async def test_opting_out_is_one_call(gql, person):
    member = await person()

    result = await gql("mutation { setResearchConsent(consent: false) { id } }", token=member.token)
    me = await gql("{ me { researchConsent } }", token=member.token)

    assert "errors" not in result
    assert data(me, "me") == {"researchConsent": False}
