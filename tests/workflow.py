"""The application journey as clients drive it, step by step, for the tests to compose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

GP = {
    "practiceName": "Riverside Surgery",
    "gpName": "Dr Jane Moss",
    "address": "1 High Street, Leeds LS1 4AB",
    "phone": "0113 496 0000",
}

APPLICATION = "id status waitingListPosition membership { id endsAt extended }"

APPLY = f"""
mutation ($group: ID!, $support: String!) {{
  applyToGroup(groupId: $group, supportSought: $support) {{ {APPLICATION} }}
}}"""
SCHEDULE = f"""
mutation ($id: ID!, $at: DateTime!) {{
  scheduleScreeningCall(applicationId: $id, at: $at) {{ {APPLICATION} }}
}}"""
RECORD_CALL = f"""
mutation ($id: ID!, $consent: Boolean!, $gp: GPDetailsInput, $notes: String!) {{
  recordScreeningCall(applicationId: $id, gpConsent: $consent, gpDetails: $gp, notes: $notes) {{
    {APPLICATION}
  }}
}}"""
GP_OUTCOME = f"""
mutation ($id: ID!, $suitable: Boolean!, $note: String!) {{
  recordGpOutcome(applicationId: $id, suitable: $suitable, note: $note) {{ {APPLICATION} }}
}}"""
ACCEPT = f"mutation ($id: ID!) {{ acceptPlace(applicationId: $id) {{ {APPLICATION} }} }}"
WITHDRAW = f"mutation ($id: ID!) {{ withdrawApplication(id: $id) {{ {APPLICATION} }} }}"
DECLINE = f"""
mutation ($id: ID!, $reason: String!) {{
  declineApplication(applicationId: $id, reason: $reason) {{ {APPLICATION} }}
}}"""
LEAVE = "mutation ($id: ID!) { leaveGroup(membershipId: $id) { id endedAt endReason } }"
EXTEND = "mutation ($id: ID!) { extendMembership(membershipId: $id) { id endsAt extended } }"
REMOVE = """
mutation ($id: ID!, $reason: String!) {
  removeMember(membershipId: $id, reason: $reason) { id endedAt endReason }
}"""
MY_APPLICATIONS = f"{{ myApplications {{ {APPLICATION} group {{ name }} }} }}"
INBOX = "{ inbox(first: 50) { edges { node { subject body } } } }"


def code(result: dict[str, Any]) -> str:
    return result["errors"][0]["extensions"]["code"]


def data(result: dict[str, Any], field: str) -> Any:
    assert "errors" not in result, result["errors"]
    return result["data"][field]


def soon() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).isoformat()


async def apply(gql, member, group) -> str:
    result = await gql(
        APPLY, {"group": str(group.id), "support": "Someone to talk to"}, token=member.token
    )
    return data(result, "applyToGroup")["id"]


async def screen(gql, facilitator, application_id: str) -> dict[str, Any]:
    """From submitted to awaiting the GP: call scheduled and held, consent given."""
    data(
        await gql(SCHEDULE, {"id": application_id, "at": soon()}, token=facilitator.token),
        "scheduleScreeningCall",
    )
    result = await gql(
        RECORD_CALL,
        {"id": application_id, "consent": True, "gp": GP, "notes": "Keen to join."},
        token=facilitator.token,
    )
    return data(result, "recordScreeningCall")


async def found_suitable(gql, facilitator, application_id: str) -> dict[str, Any]:
    result = await gql(
        GP_OUTCOME,
        {"id": application_id, "suitable": True, "note": "GP agrees."},
        token=facilitator.token,
    )
    return data(result, "recordGpOutcome")


async def accept(gql, member, application_id: str) -> dict[str, Any]:
    return data(await gql(ACCEPT, {"id": application_id}, token=member.token), "acceptPlace")


async def join_through_the_front_door(gql, facilitator, member, group) -> dict[str, Any]:
    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)
    await found_suitable(gql, facilitator, application_id)
    return await accept(gql, member, application_id)


async def inbox_subjects(gql, person) -> list[str]:
    edges = data(await gql(INBOX, token=person.token), "inbox")["edges"]
    return [edge["node"]["subject"] for edge in edges]


NOTICES = "{ inbox(first: 20) { edges { node { subject body urgent link { type id } } } } }"


async def notices(gql, person) -> list[dict[str, Any]]:
    """The person's inbox, newest first, with what a notice links to."""
    return [e["node"] for e in data(await gql(NOTICES, token=person.token), "inbox")["edges"]]
