"""GP details: sealed at rest, read by three kinds of reader only, every staff read audited."""

from __future__ import annotations

import base64

import pytest
from tortoise import connections

from auth.gp_details import GPDetails, reseal, seal, unseal
from auth.sealed import seal_text, unseal_text
from models import Application, AuditEntry, Role
from resolvers.resealing import do_reseal
from tests.conftest import join, make_group
from tests.workflow import GP, apply, code, data, screen

READ = """
query ($id: ID!) {
  application(id: $id) { gpDetails { practiceName gpName address phone } }
}"""
REVIEW = """
query ($group: ID!) { applicationsToReview(groupId: $group) { gpDetails { gpName } } }"""


@pytest.fixture
async def screened(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person()
    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)
    return facilitator, group, member, application_id


async def test_the_database_holds_no_plain_text(screened):
    *_, application_id = screened

    rows = await connections.get("default").execute_query_dict(
        f"SELECT * FROM applications WHERE id = {int(application_id)}"
    )

    stored = " ".join(str(value) for value in rows[0].values())
    for value in GP.values():
        assert value not in stored
    assert "Riverside" not in stored


async def test_the_applicant_the_facilitator_and_the_manager_read_them(gql, person, screened):
    facilitator, _, member, application_id = screened
    manager = await person(Role.ONLINE_MANAGER)

    for reader in (member, facilitator, manager):
        result = await gql(READ, {"id": application_id}, token=reader.token)
        assert data(result, "application")["gpDetails"] == GP


async def test_another_member_and_another_facilitator_are_refused(gql, person, screened):
    _, group, _, application_id = screened
    fellow_member = await person()
    await join(group, fellow_member)
    other_facilitator = await person(Role.FACILITATOR)
    await make_group(other_facilitator, name="Another group")

    for reader in (fellow_member, other_facilitator):
        result = await gql(READ, {"id": application_id}, token=reader.token)
        assert result["data"]["application"] is None
        assert code(result) == "FORBIDDEN"
    assert await AuditEntry.filter(action="GP_DETAILS_READ").count() == 0


async def test_every_staff_read_is_audited_and_the_applicants_own_is_not(gql, person, screened):
    facilitator, group, member, application_id = screened
    manager = await person(Role.ONLINE_MANAGER)

    await gql(READ, {"id": application_id}, token=member.token)
    await gql(READ, {"id": application_id}, token=facilitator.token)
    await gql(REVIEW, {"group": str(group.id)}, token=facilitator.token)
    await gql(READ, {"id": application_id}, token=manager.token)

    log = data(
        await gql(
            "{ auditLog(first: 10) { edges { node { action subjectId actor { id } } } } }",
            token=manager.token,
        ),
        "auditLog",
    )
    reads = [e["node"] for e in log["edges"] if e["node"]["action"] == "GP_DETAILS_READ"]
    assert [r["actor"]["id"] for r in reads] == [manager.id, facilitator.id, facilitator.id]
    assert {r["subjectId"] for r in reads} == {application_id}


async def test_the_audit_log_is_for_the_online_manager_alone(gql, person, screened):
    facilitator, _, member, _ = screened
    query = "{ auditLog { edges { node { action } } } }"

    for reader in (member, facilitator):
        result = await gql(query, token=reader.token)
        assert result["data"]["auditLog"] is None
        assert code(result) == "FORBIDDEN"


async def test_keys_rotate_without_losing_what_was_sealed():
    old = base64.urlsafe_b64encode(b"o" * 32).decode()
    new = base64.urlsafe_b64encode(b"n" * 32).decode()
    details = GPDetails("Practice", "Dr Who", "Somewhere", "0000")
    sealed_with_old = seal((old,), details)

    assert unseal((new, old), sealed_with_old) == details
    resealed = reseal((new, old), sealed_with_old)
    assert unseal((new,), resealed) == details
    with pytest.raises(RuntimeError):
        unseal((new,), sealed_with_old)


async def test_resealing_moves_every_stored_value_to_the_newest_key(screened, settings):
    # Given GP details and a telephone number sealed under today's key, and a new key
    *_, application_id = screened
    old = settings.gp_details_keys
    new = base64.urlsafe_b64encode(b"n" * 32).decode()
    await Application.filter(id=application_id).update(phone=seal_text(old, "0113 496 0000"))

    # When they are resealed with the new key in front
    first = await do_reseal((new, *old))
    again = await do_reseal((new, *old))

    # Then both open with the new key alone, and a second run finds nothing to do
    stored = await Application.get(id=application_id)
    assert unseal((new,), stored.gp_details).gp_name == "Dr Jane Moss"
    assert unseal_text((new,), stored.phone) == "0113 496 0000"
    assert {c.what: (c.resealed, c.current) for c in first}["GP details"] == (1, 0)
    assert {c.what: (c.resealed, c.current) for c in first}["telephone numbers"] == (1, 0)
    assert all(c.resealed == 0 and c.unreadable == 0 for c in again)
    assert sum(c.current for c in again) == 2


async def test_resealing_leaves_what_no_listed_key_opens(screened, settings):
    # Given details sealed under a key that is then left out of the list
    *_, application_id = screened
    before = (await Application.get(id=application_id)).gp_details
    new = base64.urlsafe_b64encode(b"n" * 32).decode()

    # When resealing with the new key only
    report = await do_reseal((new,))

    # Then the row is counted as unreadable and left untouched
    assert {c.what: c.unreadable for c in report}["GP details"] == 1
    assert (await Application.get(id=application_id)).gp_details == before


async def test_entries_in_the_audit_log_cannot_be_changed_or_deleted(screened):
    entry = await AuditEntry.first()
    entry.detail = "nothing happened"

    with pytest.raises(PermissionError):
        await entry.save()
    with pytest.raises(PermissionError):
        await entry.delete()
