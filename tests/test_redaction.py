"""Moderation keeps the evidence: a redacted session message is withdrawn from every reader
and stream at once, and its original is kept sealed for the audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.sealed import unseal_text
from models import AuditEntry, Role, SessionMessage
from tests.test_live_sessions import END, MESSAGES, POST, clients, live_session
from tests.test_transcripts import EXPORT
from tests.workflow import code, data

__all__ = ["clients"]

REDACT = """
mutation ($id: ID!, $reason: String!) {
  redactSessionMessage(messageId: $id, reason: $reason) { sequence body redacted }
}"""
TRANSCRIPT = """
query ($session: ID!) {
  transcript(sessionId: $session) { messages { edges { node { sequence body redacted } } } }
}"""


async def said(gql, scene, who, body: str) -> SessionMessage:
    result = await gql(POST, {"session": scene.session_id, "body": body}, token=who.token)
    sequence = data(result, "postSessionMessage")["sequence"]
    return await SessionMessage.get(session_id=scene.session.id, sequence=sequence)


async def test_a_redaction_reaches_every_stream_at_once(server, gql, person, clients):
    # Given two members following a live session in which Anna named her neighbour
    scene = await live_session(gql, person, names=["Anna", "Ben"])
    listeners = [await clients(server, m) for m in scene.members]
    streams = [
        await c.subscribe(MESSAGES, {"session": scene.session_id, "after": 0}) for c in listeners
    ]
    message = await said(gql, scene, scene.members[0], "My neighbour Mrs Patel at number 4")
    for listener, stream in zip(listeners, streams, strict=True):
        assert (await listener.data(stream, "sessionMessages"))["body"].startswith("My neigh")

    # When the facilitator redacts it
    redacted = await gql(
        REDACT,
        {"id": str(message.id), "reason": "Names a neighbour"},
        token=scene.facilitator.token,
    )

    # Then every stream receives the same message again, withdrawn
    assert data(redacted, "redactSessionMessage") == {"sequence": 1, "body": "", "redacted": True}
    for listener, stream in zip(listeners, streams, strict=True):
        again = await listener.data(stream, "sessionMessages")
        assert (again["sequence"], again["body"]) == (1, "")
    # and the original is kept only sealed, with the redaction in the audit log
    stored = await SessionMessage.get(id=message.id)
    assert stored.body == ""
    assert "Patel" not in (stored.sealed_body or "")
    keys = server.settings.gp_details_keys
    assert unseal_text(keys, stored.sealed_body or "") == "My neighbour Mrs Patel at number 4"
    entry = await AuditEntry.get(action="SESSION_MESSAGE_REDACTED")
    assert (entry.actor_id, entry.detail) == (scene.facilitator.user.id, "Names a neighbour")


async def test_a_redacted_message_is_withdrawn_from_the_transcript_and_the_export(gql, person):
    # Given an ended session whose first message the facilitator redacted
    scene = await live_session(gql, person, names=["Anna"])
    message = await said(gql, scene, scene.members[0], "I live at 12 Elm Road")
    await said(gql, scene, scene.members[0], "It helps to talk")
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)
    await gql(
        REDACT, {"id": str(message.id), "reason": "An address"}, token=scene.facilitator.token
    )
    manager = await person(Role.ONLINE_MANAGER)
    window = {
        "group": str(scene.group.id),
        "since": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "until": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }

    # When a member reads the transcript and the manager exports it
    read = await gql(TRANSCRIPT, {"session": scene.session_id}, token=scene.members[0].token)
    exported = data(await gql(EXPORT, window, token=manager.token), "researchExport")

    # Then the words are gone from both, and the rest survives
    nodes = [e["node"] for e in data(read, "transcript")["messages"]["edges"]]
    assert nodes == [
        {"sequence": 1, "body": "", "redacted": True},
        {"sequence": 2, "body": "It helps to talk", "redacted": False},
    ]
    assert [line["body"] for line in exported[0]["lines"]] == ["It helps to talk"]


async def test_only_the_groups_facilitator_redacts_and_a_refusal_changes_nothing(gql, person):
    # Given a message in a live session
    scene = await live_session(gql, person, names=["Anna", "Ben"])
    message = await said(gql, scene, scene.members[0], "Something Ben would rather hide")
    other = await live_session(gql, person, name="Other group")

    # When a member, another group's facilitator, or a blank reason try to redact it
    variables = {"id": str(message.id), "reason": "Please"}
    by_member = await gql(REDACT, variables, token=scene.members[1].token)
    by_other = await gql(REDACT, variables, token=other.facilitator.token)
    blank = await gql(REDACT, {**variables, "reason": " "}, token=scene.facilitator.token)
    untouched = await SessionMessage.get(id=message.id)
    twice = [
        await gql(REDACT, variables, token=scene.facilitator.token),
        await gql(REDACT, variables, token=scene.facilitator.token),
    ]

    # Then the first three are refused with nothing changed; a second redaction conflicts
    assert code(by_member) == "FORBIDDEN"
    assert code(by_other) == "FORBIDDEN"
    assert code(blank) == "BAD_USER_INPUT"
    assert (untouched.body, untouched.redacted_at) == ("Something Ben would rather hide", None)
    assert "errors" not in twice[0]
    assert code(twice[1]) == "CONFLICT"
    assert await AuditEntry.filter(action="SESSION_MESSAGE_REDACTED").count() == 1


async def test_a_client_that_was_away_learns_of_the_redaction_when_it_returns(
    server, gql, person, clients
):
    # Given a member who saw message 1, then went away while the facilitator redacted it
    scene = await live_session(gql, person, names=["Anna"])
    message = await said(gql, scene, scene.members[0], "My neighbour's name")
    await gql(REDACT, {"id": str(message.id), "reason": "A name"}, token=scene.facilitator.token)
    await said(gql, scene, scene.members[0], "Sorry, carry on")

    # When she comes back, catching up after the last sequence she saw
    listener = await clients(server, scene.members[0])
    stream = await listener.subscribe(MESSAGES, {"session": scene.session_id, "after": 1})

    # Then she is sent message 1 again, withdrawn, before what she missed
    first = await listener.data(stream, "sessionMessages")
    second = await listener.data(stream, "sessionMessages")
    assert (first["sequence"], first["body"]) == (1, "")
    assert (second["sequence"], second["body"]) == (2, "Sorry, carry on")
