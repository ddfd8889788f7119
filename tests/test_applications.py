"""Applications step by step: who may move them, in what order, and what each refusal leaves."""

from __future__ import annotations

import pytest

from models import Application, ApplicationStatus, ApplicationStep, Membership, Role
from tests.conftest import join, make_group
from tests.workflow import (
    APPLY,
    DECLINE,
    GP,
    GP_OUTCOME,
    RECORD_CALL,
    SCHEDULE,
    WITHDRAW,
    accept,
    apply,
    code,
    data,
    found_suitable,
    inbox_subjects,
    screen,
    soon,
)

HISTORY = """
query ($id: ID!) {
  application(id: $id) { status history { status note actor { profileName } } }
}"""


async def snapshot(application_id) -> tuple:
    application = await Application.get(id=application_id)
    steps = await ApplicationStep.filter(application_id=application_id).count()
    return application.status, application.gp_details, application.call_at, steps


@pytest.fixture
async def scene(person):
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
    group = await make_group(facilitator)
    member = await person(name="Anna")
    return facilitator, group, member


async def test_applying_is_recorded_and_acknowledged(gql, scene):
    facilitator, group, member = scene

    application_id = await apply(gql, member, group)

    history = data(await gql(HISTORY, {"id": application_id}, token=member.token), "application")
    assert history == {
        "status": "SUBMITTED",
        "history": [{"status": "SUBMITTED", "note": "", "actor": {"profileName": "Anna"}}],
    }
    assert f"We have your application to {group.name}" in await inbox_subjects(gql, member)
    assert f"A new application to {group.name}" in await inbox_subjects(gql, facilitator)


async def test_one_open_application_per_group(gql, scene):
    _, group, member = scene
    await apply(gql, member, group)

    again = await gql(APPLY, {"group": str(group.id), "support": "Again"}, token=member.token)

    assert code(again) == "CONFLICT"
    assert await Application.filter(applicant_id=member.user.id).count() == 1


async def test_a_withdrawn_application_can_be_made_again(gql, scene):
    _, group, member = scene
    first = await apply(gql, member, group)
    data(await gql(WITHDRAW, {"id": first}, token=member.token), "withdrawApplication")

    second = await apply(gql, member, group)

    assert second != first


async def test_a_group_not_taking_applications_refuses_them(gql, person):
    group = await make_group(await person(Role.FACILITATOR), open_for_applications=False)
    member = await person()

    result = await gql(APPLY, {"group": str(group.id), "support": "Help"}, token=member.token)

    assert code(result) == "CONFLICT"
    assert await Application.all().count() == 0


async def test_staff_cannot_apply(gql, scene, person):
    _, group, _ = scene
    facilitator = await person(Role.FACILITATOR)

    result = await gql(APPLY, {"group": str(group.id), "support": "Help"}, token=facilitator.token)

    assert code(result) == "FORBIDDEN"
    assert await Application.all().count() == 0


async def test_an_empty_request_is_refused(gql, scene):
    _, group, member = scene

    result = await gql(APPLY, {"group": str(group.id), "support": "   "}, token=member.token)

    assert code(result) == "BAD_USER_INPUT"
    assert await Application.all().count() == 0


async def test_the_facilitator_sees_the_history_of_each_step(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)

    history = data(
        await gql(HISTORY, {"id": application_id}, token=facilitator.token), "application"
    )["history"]

    assert [(s["status"], s["actor"]["profileName"]) for s in history] == [
        ("SUBMITTED", "Anna"),
        ("CALL_SCHEDULED", "Dr Ellis"),
        ("AWAITING_GP", "Dr Ellis"),
    ]
    assert "Your telephone chat" in await inbox_subjects(gql, member)


async def test_an_offer_made_at_once_records_who_found_the_applicant_suitable(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)
    await found_suitable(gql, facilitator, application_id)

    history = data(await gql(HISTORY, {"id": application_id}, token=member.token), "application")

    assert history["history"][-1] == {
        "status": "PLACE_OFFERED",
        "note": "GP agrees.",
        "actor": {"profileName": "Dr Ellis"},
    }


async def test_no_consent_to_contact_the_gp_means_no_place(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    await gql(SCHEDULE, {"id": application_id, "at": soon()}, token=facilitator.token)

    result = await gql(
        RECORD_CALL,
        {"id": application_id, "consent": False, "gp": None, "notes": ""},
        token=facilitator.token,
    )

    assert data(result, "recordScreeningCall")["status"] == "DECLINED"
    assert (await Application.get(id=application_id)).gp_details is None


async def test_consent_without_gp_details_is_refused(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    await gql(SCHEDULE, {"id": application_id, "at": soon()}, token=facilitator.token)
    before = await snapshot(application_id)

    result = await gql(
        RECORD_CALL,
        {"id": application_id, "consent": True, "gp": None, "notes": ""},
        token=facilitator.token,
    )

    assert code(result) == "BAD_USER_INPUT"
    assert await snapshot(application_id) == before


async def test_a_call_in_the_past_is_refused(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    before = await snapshot(application_id)

    result = await gql(
        SCHEDULE, {"id": application_id, "at": "2020-01-01T10:00:00+00:00"}, token=facilitator.token
    )

    assert code(result) == "BAD_USER_INPUT"
    assert await snapshot(application_id) == before


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        (RECORD_CALL, {"consent": True, "gp": GP, "notes": ""}),
        (GP_OUTCOME, {"suitable": True, "note": ""}),
    ],
    ids=["call-before-scheduling", "gp-before-call"],
)
async def test_a_step_out_of_order_is_a_conflict_and_changes_nothing(
    gql, scene, mutation, variables
):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    before = await snapshot(application_id)

    result = await gql(mutation, {"id": application_id, **variables}, token=facilitator.token)

    assert code(result) == "CONFLICT"
    assert await snapshot(application_id) == before


async def test_accepting_before_an_offer_is_a_conflict(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)
    before = await snapshot(application_id)

    result = await gql(
        "mutation ($id: ID!) { acceptPlace(applicationId: $id) { status } }",
        {"id": application_id},
        token=member.token,
    )

    assert code(result) == "CONFLICT"
    assert await snapshot(application_id) == before
    assert await Membership.all().count() == 0


async def test_only_the_groups_facilitator_or_the_manager_moves_an_application_on(
    gql, scene, person
):
    _, group, member = scene
    application_id = await apply(gql, member, group)
    other_facilitator = await person(Role.FACILITATOR)
    await make_group(other_facilitator, name="Their own group")
    manager = await person(Role.ONLINE_MANAGER)
    before = await snapshot(application_id)

    for reader, expected in (
        (member, "FORBIDDEN"),
        (other_facilitator, "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ):
        result = await gql(
            SCHEDULE, {"id": application_id, "at": soon()}, token=reader.token if reader else None
        )
        assert code(result) == expected
    assert await snapshot(application_id) == before

    by_manager = await gql(SCHEDULE, {"id": application_id, "at": soon()}, token=manager.token)
    assert data(by_manager, "scheduleScreeningCall")["status"] == "CALL_SCHEDULED"


async def test_an_application_is_seen_by_its_applicant_and_the_groups_staff_only(
    gql, scene, person
):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    manager = await person(Role.ONLINE_MANAGER)
    other_member = await person()
    other_facilitator = await person(Role.FACILITATOR)
    query = "query ($id: ID!) { application(id: $id) { status supportSought } }"

    for reader in (member, facilitator, manager):
        result = await gql(query, {"id": application_id}, token=reader.token)
        assert data(result, "application")["supportSought"] == "Someone to talk to"
    for reader in (other_member, other_facilitator):
        result = await gql(query, {"id": application_id}, token=reader.token)
        assert result["data"]["application"] is None
        assert code(result) == "FORBIDDEN"
    # Someone else's application and one that does not exist answer the same,
    # but to the online manager, who may read any, a missing one is missing.
    missing = await gql(query, {"id": "99999"}, token=member.token)
    assert code(missing) == "FORBIDDEN"
    assert missing["errors"][0]["message"] == result["errors"][0]["message"]
    missing = await gql(query, {"id": "99999"}, token=manager.token)
    assert code(missing) == "NOT_FOUND"


async def test_applications_to_review_for_the_groups_staff(gql, scene, person):
    facilitator, group, member = scene
    await apply(gql, member, group)
    await apply(gql, await person(), group)
    other_facilitator = await person(Role.FACILITATOR)
    query = """
    query ($group: ID!) {
      applicationsToReview(groupId: $group, status: SUBMITTED) { applicant { profileName } }
    }"""

    mine = await gql(query, {"group": str(group.id)}, token=facilitator.token)
    theirs = await gql(query, {"group": str(group.id)}, token=other_facilitator.token)
    members = await gql(query, {"group": str(group.id)}, token=member.token)

    assert len(data(mine, "applicationsToReview")) == 2
    assert code(theirs) == "FORBIDDEN"
    assert code(members) == "FORBIDDEN"


async def test_a_declined_offer_passes_the_place_on(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, capacity=1)
    first, second = await person(), await person()
    offered = await apply(gql, first, group)
    await screen(gql, facilitator, offered)
    await found_suitable(gql, facilitator, offered)
    waiting = await apply(gql, second, group)
    await screen(gql, facilitator, waiting)
    await found_suitable(gql, facilitator, waiting)

    declined = await gql(
        DECLINE, {"id": offered, "reason": "Not the right group now."}, token=facilitator.token
    )

    assert data(declined, "declineApplication")["status"] == "DECLINED"
    assert (await Application.get(id=waiting)).status == ApplicationStatus.PLACE_OFFERED
    assert (await accept(gql, second, waiting))["status"] == "JOINED"


async def test_a_member_of_the_group_cannot_apply_again(gql, scene):
    _, group, member = scene
    await join(group, member)

    result = await gql(APPLY, {"group": str(group.id), "support": "More"}, token=member.token)

    assert code(result) == "CONFLICT"


async def test_declining_needs_a_reason(gql, scene):
    facilitator, group, member = scene
    application_id = await apply(gql, member, group)
    before = await snapshot(application_id)

    result = await gql(DECLINE, {"id": application_id, "reason": " "}, token=facilitator.token)

    assert code(result) == "BAD_USER_INPUT"
    assert await snapshot(application_id) == before
