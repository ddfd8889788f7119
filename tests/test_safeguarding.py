"""Safeguarding concerns: who raises and sees them, the notices that reach a person at once,
and the audit of every look and change."""

from __future__ import annotations

import pytest

from models import AuditEntry, PersonalMessage, Role, SafeguardingConcern
from subscriptions import channels
from tests.conftest import join, make_group
from tests.live import LiveClient, listening
from tests.workflow import code, data, notices

SUMMARY = "Said they had stopped eating."
ACTION = "Talked after the session."
RAISE = """
mutation ($member: ID!, $group: ID!, $severity: Severity! = HIGH) {
  raiseSafeguardingConcern(memberId: $member, groupId: $group, severity: $severity,
    summary: "Said they had stopped eating.", actionTaken: "Talked after the session.",
    discussedWithMember: true) { id status severity member { profileName } }
}"""
LIST = "query ($group: ID!) { safeguardingConcerns(groupId: $group) { summary status } }"
OPEN_LINK = "query ($id: ID!) { safeguardingConcern(concernId: $id) { id summary } }"
UPDATE = """
mutation ($id: ID!, $update: ConcernUpdate!) {
  updateSafeguardingConcern(concernId: $id, update: $update) { status professionalContacted }
}"""
LIVE_NOTICES = "subscription { inbox { subject body urgent link { type id } } }"


@pytest.fixture
async def group_of_two(person):
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
    group = await make_group(facilitator)
    anna, bea = await person(name="Anna"), await person(name="Bea")
    await join(group, anna)
    await join(group, bea)
    managers = [await person(Role.ONLINE_MANAGER), await person(Role.ONLINE_MANAGER)]
    other_facilitator = await person(Role.FACILITATOR)
    await make_group(other_facilitator, name="Other group")
    return facilitator, group, anna, bea, managers, other_facilitator


async def raise_concern(gql, raiser, member, group, severity="HIGH") -> dict:
    variables = {"member": member.id, "group": str(group.id), "severity": severity}
    return data(await gql(RAISE, variables, token=raiser.token), "raiseSafeguardingConcern")


def says_nothing_of_the_concern(notice: dict) -> bool:
    words = notice["subject"] + " " + notice["body"]
    return not any(secret in words for secret in (SUMMARY, ACTION, "stopped eating", "Anna"))


async def test_every_online_manager_is_told_of_a_concern_at_once(server, gql, group_of_two):
    facilitator, group, anna, _, managers, _ = group_of_two
    live = await LiveClient.connect(server.ws_url, managers[0].token)
    stream = await live.subscribe(LIVE_NOTICES)
    await listening(channels.inbox(managers[0].user.id))

    concern = await raise_concern(gql, facilitator, anna, group)

    pushed = await live.data(stream, "inbox")
    link = {"type": "SafeguardingConcern", "id": concern["id"]}
    assert pushed["link"] == link
    assert pushed["urgent"] is False
    assert says_nothing_of_the_concern(pushed)
    for manager in managers:
        [notice] = await notices(gql, manager)
        assert notice["link"] == link
        assert says_nothing_of_the_concern(notice)
    assert await notices(gql, facilitator) == []  # who raised it knows already
    assert await notices(gql, anna) == []
    await live.close()


async def test_an_immediate_risk_is_an_urgent_notice(gql, group_of_two):
    facilitator, group, anna, _, managers, _ = group_of_two

    await raise_concern(gql, facilitator, anna, group, severity="IMMEDIATE")

    for manager in managers:
        [notice] = await notices(gql, manager)
        assert notice["urgent"] is True
        assert "urgent" in notice["subject"].lower()
        assert says_nothing_of_the_concern(notice)


async def test_the_link_opens_the_concern_for_those_who_may_see_it(gql, group_of_two):
    facilitator, group, anna, bea, managers, other_facilitator = group_of_two
    await raise_concern(gql, facilitator, anna, group)
    [notice] = await notices(gql, managers[0])

    opened = await gql(OPEN_LINK, {"id": notice["link"]["id"]}, token=managers[0].token)
    refused = [
        await gql(OPEN_LINK, {"id": notice["link"]["id"]}, token=p.token)
        for p in (other_facilitator, bea)
    ]

    assert data(opened, "safeguardingConcern")["summary"] == SUMMARY
    assert [code(r) for r in refused] == ["FORBIDDEN", "FORBIDDEN"]
    viewed = await AuditEntry.filter(action="CONCERN_VIEWED").values_list("actor_id", flat=True)
    assert viewed == [managers[0].user.id]


async def test_the_online_manager_raises_and_updates_a_concern(gql, group_of_two):
    facilitator, group, anna, _, managers, _ = group_of_two

    concern = await raise_concern(gql, managers[0], anna, group)
    updated = data(
        await gql(
            UPDATE, {"id": concern["id"], "update": {"status": "ACTION_TAKEN"}}, managers[0].token
        ),
        "updateSafeguardingConcern",
    )

    assert concern["status"] == "OPEN"
    assert updated["status"] == "ACTION_TAKEN"
    assert await notices(gql, managers[0]) == []
    for told in (managers[1], facilitator):
        [notice] = await notices(gql, told)
        assert notice["link"] == {"type": "SafeguardingConcern", "id": concern["id"]}
    raised = await AuditEntry.get(action="CONCERN_RAISED")
    assert raised.actor_id == managers[0].user.id


async def test_a_concern_moves_on_and_each_change_is_audited(gql, group_of_two):
    facilitator, group, anna, *_ = group_of_two
    concern = await raise_concern(gql, facilitator, anna, group)
    steps = [
        {"status": "ACTION_TAKEN", "actionTaken": "Called her GP, who will see her tomorrow."},
        {"status": "CLOSED", "professionalContacted": True},
    ]

    seen = [
        data(
            await gql(UPDATE, {"id": concern["id"], "update": step}, token=facilitator.token),
            "updateSafeguardingConcern",
        )
        for step in steps
    ]

    assert seen == [
        {"status": "ACTION_TAKEN", "professionalContacted": False},
        {"status": "CLOSED", "professionalContacted": True},
    ]
    details = await AuditEntry.filter(action="CONCERN_UPDATED").order_by("id")
    assert "status OPEN -> ACTION_TAKEN" in details[0].detail
    assert "action_taken" in details[0].detail
    assert "status ACTION_TAKEN -> CLOSED" in details[1].detail
    for entry in await AuditEntry.all():
        assert "GP" not in entry.detail
        assert SUMMARY not in entry.detail
    assert (await SafeguardingConcern.get(id=concern["id"])).status.value == "CLOSED"


async def test_concerns_are_seen_by_the_groups_facilitator_and_the_manager_only(gql, group_of_two):
    facilitator, group, anna, bea, managers, other_facilitator = group_of_two
    await raise_concern(gql, facilitator, anna, group)

    for reader in (facilitator, managers[0]):
        seen = data(
            await gql(LIST, {"group": str(group.id)}, token=reader.token), "safeguardingConcerns"
        )
        assert seen == [{"summary": SUMMARY, "status": "OPEN"}]
    for reader in (anna, bea, other_facilitator):
        result = await gql(LIST, {"group": str(group.id)}, token=reader.token)
        assert code(result) == "FORBIDDEN"
    assert await AuditEntry.filter(action="CONCERNS_VIEWED").count() == 2


async def test_nobody_else_raises_or_changes_a_concern(gql, group_of_two):
    facilitator, group, anna, bea, _, other_facilitator = group_of_two
    concern = await raise_concern(gql, facilitator, anna, group)
    messages, entries = await PersonalMessage.all().count(), await AuditEntry.all().count()
    closing = {"id": concern["id"], "update": {"status": "CLOSED"}}

    for actor in (bea, other_facilitator):
        raising = await gql(RAISE, {"member": anna.id, "group": str(group.id)}, token=actor.token)
        assert code(raising) == "FORBIDDEN"
        assert code(await gql(UPDATE, closing, token=actor.token)) == "FORBIDDEN"

    assert await SafeguardingConcern.all().count() == 1
    assert (await SafeguardingConcern.get(id=concern["id"])).status.value == "OPEN"
    assert await PersonalMessage.all().count() == messages
    assert await AuditEntry.all().count() == entries
