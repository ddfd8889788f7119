"""Breach reports and safeguarding concerns: who sees them, and the audit of every look."""

from __future__ import annotations

import pytest

from models import AuditEntry, BreachReport, PersonalMessage, Role, SafeguardingConcern
from tests.conftest import join, make_group
from tests.workflow import code, data

REPORT = """
mutation ($group: ID!, $about: ID) {
  reportBreach(groupId: $group, description: "Bea told her friends about my diagnosis.",
               aboutMemberId: $about) { id }
}"""
RAISE = """
mutation ($member: ID!, $group: ID!) {
  raiseSafeguardingConcern(memberId: $member, groupId: $group, severity: HIGH,
    summary: "Said they had stopped eating.", actionTaken: "Talked after the session.",
    discussedWithMember: true) { id status severity member { profileName } }
}"""
LIST = "query ($group: ID!) { safeguardingConcerns(groupId: $group) { summary status } }"
UPDATE = """
mutation ($id: ID!) {
  updateSafeguardingConcern(concernId: $id, update: {status: CLOSED, professionalContacted: true})
  { status professionalContacted }
}"""


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


async def test_a_breach_report_reaches_every_online_manager(gql, group_of_two):
    facilitator, group, anna, bea, managers, _ = group_of_two

    result = await gql(REPORT, {"group": str(group.id), "about": bea.id}, token=anna.token)

    assert "errors" not in result
    for manager in managers:
        reports = await PersonalMessage.filter(recipient_id=manager.user.id, kind="BREACH_REPORT")
        assert [r.body for r in reports] == ["Bea told her friends about my diagnosis."]
    assert not await PersonalMessage.filter(
        recipient_id=facilitator.user.id, kind="BREACH_REPORT"
    ).exists()
    assert await PersonalMessage.filter(
        recipient_id=anna.user.id, subject="We have your report"
    ).exists()
    assert await AuditEntry.filter(action="BREACH_REPORTED").count() == 1


async def test_only_a_member_of_the_group_reports_a_breach_in_it(gql, person, group_of_two):
    facilitator, group, _, bea, _, _ = group_of_two
    outsider = await person()

    for reporter in (outsider, facilitator):
        result = await gql(REPORT, {"group": str(group.id), "about": bea.id}, token=reporter.token)
        assert code(result) == "FORBIDDEN"
    assert await BreachReport.all().count() == 0


async def test_a_report_can_only_name_a_member_of_the_group(gql, person, group_of_two):
    _, group, anna, *_ = group_of_two
    stranger = await person()

    result = await gql(REPORT, {"group": str(group.id), "about": stranger.id}, token=anna.token)

    assert code(result) == "BAD_USER_INPUT"
    assert await BreachReport.all().count() == 0


async def test_the_groups_facilitator_raises_and_updates_a_concern(gql, group_of_two):
    facilitator, group, anna, *_ = group_of_two

    raised = data(
        await gql(RAISE, {"member": anna.id, "group": str(group.id)}, token=facilitator.token),
        "raiseSafeguardingConcern",
    )
    updated = data(
        await gql(UPDATE, {"id": raised["id"]}, token=facilitator.token),
        "updateSafeguardingConcern",
    )

    assert raised["status"] == "OPEN"
    assert raised["member"] == {"profileName": "Anna"}
    assert updated == {"status": "CLOSED", "professionalContacted": True}
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"CONCERN_RAISED", "CONCERN_UPDATED"} <= actions


async def test_concerns_are_seen_by_the_groups_facilitator_and_the_manager_only(gql, group_of_two):
    facilitator, group, anna, bea, managers, other_facilitator = group_of_two
    await gql(RAISE, {"member": anna.id, "group": str(group.id)}, token=facilitator.token)

    for reader in (facilitator, managers[0]):
        seen = data(
            await gql(LIST, {"group": str(group.id)}, token=reader.token), "safeguardingConcerns"
        )
        assert seen == [{"summary": "Said they had stopped eating.", "status": "OPEN"}]
    for reader in (anna, bea, other_facilitator):
        result = await gql(LIST, {"group": str(group.id)}, token=reader.token)
        assert code(result) == "FORBIDDEN"
    assert await AuditEntry.filter(action="CONCERNS_VIEWED").count() == 2


async def test_nobody_else_raises_or_changes_a_concern(gql, group_of_two):
    facilitator, group, anna, bea, _, other_facilitator = group_of_two
    raised = data(
        await gql(RAISE, {"member": anna.id, "group": str(group.id)}, token=facilitator.token),
        "raiseSafeguardingConcern",
    )

    for actor in (bea, other_facilitator):
        assert (
            code(await gql(RAISE, {"member": anna.id, "group": str(group.id)}, token=actor.token))
            == "FORBIDDEN"
        )
        assert code(await gql(UPDATE, {"id": raised["id"]}, token=actor.token)) == "FORBIDDEN"
    assert await SafeguardingConcern.all().count() == 1
    assert (await SafeguardingConcern.get(id=raised["id"])).status.value == "OPEN"
