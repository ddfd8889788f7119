"""Breach reports as cases: reported, listed, acknowledged, resolved, and escalated once when
left waiting, whatever the number of server processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from jobs.beat import keep_beating
from models import AuditEntry, BreachReport, PersonalMessage, Role
from resolvers.breaches import do_escalate_overdue_reports
from subscriptions import channels
from tests.conftest import join, make_group
from tests.live import LiveClient, listening
from tests.workflow import code, data, notices

WHAT_HAPPENED = "Bea told her friends about my diagnosis."
REPORT = """
mutation ($group: ID!, $about: ID) {
  reportBreach(groupId: $group, description: "Bea told her friends about my diagnosis.",
               aboutMemberId: $about) { id receivedAt }
}"""
CASE = """id status description createdAt group { id name } reporter { profileName }
  about { profileName } acknowledgedAt acknowledgedBy { profileName } acknowledgement
  resolvedAt resolvedBy { profileName } resolution escalatedAt"""
LIST = f"query ($status: BreachStatus) {{ breachReports(status: $status) {{ {CASE} }} }}"
ACKNOWLEDGE = f"""
mutation ($id: ID!, $note: String!) {{
  acknowledgeBreachReport(reportId: $id, note: $note) {{ {CASE} }}
}}"""
RESOLVE = f"""
mutation ($id: ID!, $note: String!) {{
  resolveBreachReport(reportId: $id, note: $note) {{ {CASE} }}
}}"""


@pytest.fixture
async def case(person):
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
    group = await make_group(facilitator)
    anna, bea = await person(name="Anna"), await person(name="Bea")
    await join(group, anna)
    await join(group, bea)
    managers = [await person(Role.ONLINE_MANAGER, name=f"Manager {n}") for n in (1, 2)]
    return facilitator, group, anna, bea, managers


async def report(gql, reporter, group, about=None) -> str:
    variables = {"group": str(group.id), "about": about.id if about else None}
    return data(await gql(REPORT, variables, token=reporter.token), "reportBreach")["id"]


async def snapshot() -> tuple:
    """What a refused step must leave as it was."""
    reports = await BreachReport.all().order_by("id").values()
    return reports, await PersonalMessage.all().count(), await AuditEntry.all().count()


async def test_a_breach_report_reaches_every_online_manager(gql, case):
    facilitator, group, anna, bea, managers = case

    report_id = await report(gql, anna, group, about=bea)

    for manager in managers:
        [notice] = await notices(gql, manager)
        assert notice["body"] == WHAT_HAPPENED
        assert notice["link"] == {"type": "BreachReport", "id": report_id}
    assert await notices(gql, facilitator) == []
    assert [n["subject"] for n in await notices(gql, anna)] == ["We have your report"]
    assert await AuditEntry.filter(action="BREACH_REPORTED").count() == 1


async def test_only_a_member_of_the_group_reports_a_breach_in_it(gql, person, case):
    facilitator, group, _, bea, _ = case
    outsider = await person()

    for reporter in (outsider, facilitator):
        result = await gql(REPORT, {"group": str(group.id), "about": bea.id}, token=reporter.token)
        assert code(result) == "FORBIDDEN"
    assert await BreachReport.all().count() == 0


async def test_a_report_can_only_name_a_member_of_the_group(gql, person, case):
    _, group, anna, *_ = case
    stranger = await person()

    result = await gql(REPORT, {"group": str(group.id), "about": stranger.id}, token=anna.token)

    assert code(result) == "BAD_USER_INPUT"
    assert await BreachReport.all().count() == 0


async def test_the_manager_lists_reports_newest_first_and_by_status(gql, case):
    facilitator, group, anna, bea, managers = case
    first = await report(gql, anna, group, about=bea)
    second = await report(gql, bea, group)
    data(
        await gql(ACKNOWLEDGE, {"id": first, "note": "On it."}, managers[0].token),
        "acknowledgeBreachReport",
    )

    everything = data(await gql(LIST, token=managers[0].token), "breachReports")
    still_open = data(await gql(LIST, {"status": "OPEN"}, managers[1].token), "breachReports")
    refused = [await gql(LIST, token=p.token) for p in (facilitator, anna)]

    assert [r["id"] for r in everything] == [second, first]
    newest, oldest = everything
    assert newest["about"] is None
    assert (newest["status"], newest["reporter"]) == ("OPEN", {"profileName": "Bea"})
    assert oldest["group"] == {"id": str(group.id), "name": "Tuesday group"}
    assert oldest["about"] == {"profileName": "Bea"}
    assert oldest["description"] == WHAT_HAPPENED
    assert (oldest["status"], oldest["acknowledgedBy"]) == (
        "ACKNOWLEDGED",
        {"profileName": "Manager 1"},
    )
    assert [r["id"] for r in still_open] == [second]
    assert [code(r) for r in refused] == ["FORBIDDEN", "FORBIDDEN"]


async def test_a_report_is_acknowledged_then_resolved_and_the_reporter_told(gql, case):
    _, group, anna, bea, managers = case
    report_id = await report(gql, anna, group, about=bea)

    acknowledged = data(
        await gql(ACKNOWLEDGE, {"id": report_id, "note": "I will talk to Bea."}, managers[0].token),
        "acknowledgeBreachReport",
    )
    resolved = data(
        await gql(RESOLVE, {"id": report_id, "note": "Bea has apologised."}, managers[1].token),
        "resolveBreachReport",
    )

    assert acknowledged["status"] == "ACKNOWLEDGED"
    assert acknowledged["acknowledgement"] == "I will talk to Bea."
    assert acknowledged["acknowledgedAt"] is not None
    assert resolved["status"] == "RESOLVED"
    assert resolved["acknowledgedBy"] == {"profileName": "Manager 1"}
    assert (resolved["resolvedBy"], resolved["resolution"]) == (
        {"profileName": "Manager 2"},
        "Bea has apologised.",
    )
    told = [n["body"] for n in await notices(gql, anna)]
    assert told[:2] == ["Bea has apologised.", "I will talk to Bea."]
    entries = await AuditEntry.filter(subject_type="BreachReport").order_by("id")
    assert [e.action for e in entries] == [
        "BREACH_REPORTED",
        "BREACH_ACKNOWLEDGED",
        "BREACH_RESOLVED",
    ]
    assert all(WHAT_HAPPENED not in e.detail and "Bea" not in e.detail for e in entries)


async def test_resolving_an_open_report_acknowledges_it_too(gql, case):
    _, group, anna, _, managers = case
    report_id = await report(gql, anna, group)

    resolved = data(
        await gql(RESOLVE, {"id": report_id, "note": "Sorted out."}, managers[0].token),
        "resolveBreachReport",
    )

    assert resolved["status"] == "RESOLVED"
    assert resolved["acknowledgedBy"] == resolved["resolvedBy"] == {"profileName": "Manager 1"}
    assert resolved["acknowledgedAt"] == resolved["resolvedAt"]
    entry = await AuditEntry.get(action="BREACH_RESOLVED")
    assert entry.detail == "status OPEN -> RESOLVED"


async def test_steps_out_of_order_are_conflicts_and_change_nothing(gql, case):
    _, group, anna, _, managers = case
    acknowledged, resolved = await report(gql, anna, group), await report(gql, anna, group)
    await gql(ACKNOWLEDGE, {"id": acknowledged, "note": "Looking."}, managers[0].token)
    await gql(RESOLVE, {"id": resolved, "note": "Done."}, managers[0].token)
    before = await snapshot()

    refusals = [
        await gql(ACKNOWLEDGE, {"id": acknowledged, "note": "Again."}, managers[1].token),
        await gql(ACKNOWLEDGE, {"id": resolved, "note": "Late."}, managers[1].token),
        await gql(RESOLVE, {"id": resolved, "note": "Twice."}, managers[1].token),
    ]

    assert [code(r) for r in refusals] == ["CONFLICT"] * 3
    assert await snapshot() == before


async def test_bad_steps_are_refused_and_change_nothing(gql, case):
    facilitator, group, anna, bea, managers = case
    report_id = await report(gql, anna, group)
    before = await snapshot()

    empty = await gql(ACKNOWLEDGE, {"id": report_id, "note": "   "}, managers[0].token)
    unknown = await gql(RESOLVE, {"id": "999999", "note": "Done."}, managers[0].token)
    not_staff = [
        await gql(step, {"id": report_id, "note": "Mine now."}, token=p.token)
        for step in (ACKNOWLEDGE, RESOLVE)
        for p in (facilitator, anna, bea)
    ]

    assert code(empty) == "BAD_USER_INPUT"
    assert code(unknown) == "NOT_FOUND"
    assert [code(r) for r in not_staff] == ["FORBIDDEN"] * 6
    assert await snapshot() == before


async def test_a_report_left_waiting_48_hours_is_escalated_once(server, gql, case):
    _, group, anna, _, managers = case
    report_id = await report(gql, anna, group)
    arrived = (await BreachReport.get(id=report_id)).created_at
    live = await LiveClient.connect(server.ws_url, managers[0].token)
    stream = await live.subscribe("subscription { inbox { subject body urgent link { type id } } }")
    await listening(channels.inbox(managers[0].user.id))

    early = await do_escalate_overdue_reports(arrived + timedelta(hours=47))
    assert early == 0
    assert await live.nothing_for(stream, 0.3)
    late = await do_escalate_overdue_reports(arrived + timedelta(hours=49))
    again = await do_escalate_overdue_reports(arrived + timedelta(hours=50))
    racing = await asyncio.gather(
        *(do_escalate_overdue_reports(arrived + timedelta(hours=51)) for _ in range(5))
    )

    assert (late, again, sum(racing)) == (1, 0, 0)
    pushed = await live.data(stream, "inbox")
    assert pushed["urgent"] is True
    assert pushed["link"] == {"type": "BreachReport", "id": report_id}
    assert WHAT_HAPPENED not in pushed["subject"] + pushed["body"]
    for manager in managers:
        urgent = [n for n in await notices(gql, manager) if n["urgent"]]
        assert [n["link"]["id"] for n in urgent] == [report_id]
    [listed] = data(await gql(LIST, token=managers[0].token), "breachReports")
    assert listed["escalatedAt"] is not None
    assert listed["status"] == "OPEN"
    assert await AuditEntry.filter(action="BREACH_ESCALATED").count() == 1
    await live.close()


async def test_servers_racing_to_escalate_send_one_notice_each(gql, case):
    _, group, anna, bea, managers = case
    reports = [await report(gql, anna, group), await report(gql, bea, group)]
    arrived = max(r.created_at for r in await BreachReport.all())

    escalated = await asyncio.gather(
        *(do_escalate_overdue_reports(arrived + timedelta(hours=49)) for _ in range(6))
    )

    assert sum(escalated) == 2
    for manager in managers:
        urgent = [n["link"]["id"] for n in await notices(gql, manager) if n["urgent"]]
        assert sorted(urgent) == sorted(reports)


async def test_an_acknowledged_report_is_never_escalated(gql, case):
    _, group, anna, _, managers = case
    report_id = await report(gql, anna, group)
    arrived = (await BreachReport.get(id=report_id)).created_at
    await gql(ACKNOWLEDGE, {"id": report_id, "note": "Looking into it."}, managers[0].token)
    before = await snapshot()

    escalated = await do_escalate_overdue_reports(arrived + timedelta(days=30))

    assert escalated == 0
    assert await snapshot() == before


async def test_the_server_escalates_on_its_own_beat(gql, case):
    _, group, anna, _, managers = case
    report_id = await report(gql, anna, group)
    arrived = (await BreachReport.get(id=report_id)).created_at
    await BreachReport.filter(id=report_id).update(created_at=arrived - timedelta(hours=49))

    beat = asyncio.create_task(keep_beating(every_seconds=0.05))
    try:
        for _ in range(100):
            if (await BreachReport.get(id=report_id)).escalated_at is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        beat.cancel()

    assert (await BreachReport.get(id=report_id)).escalated_at is not None
    newest = (await notices(gql, managers[1]))[0]
    assert (newest["urgent"], newest["link"]) == (True, {"type": "BreachReport", "id": report_id})
