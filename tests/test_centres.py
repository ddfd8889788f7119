"""Centres: anyone reads where to call in; only the online manager keeps the list."""

from __future__ import annotations

from models import Centre, Role
from tests.workflow import code, data

ADD = """
mutation ($name: String!, $phone: String!) {
  addCentre(name: $name, address: "1 Park Row, Leeds LS1 5HD", phone: $phone,
            openingHours: "Monday to Friday, 9:30 to 17:00") { id name phone }
}"""
UPDATE = """
mutation ($id: ID!, $hours: String) { updateCentre(id: $id, openingHours: $hours) {
  name openingHours } }"""
CENTRES = "{ centres { name address phone openingHours } }"


async def test_the_manager_lists_a_centre_and_anyone_reads_it(gql, person):
    # Given the online manager
    manager = await person(Role.ONLINE_MANAGER)

    # When she lists a centre and changes its hours
    added = data(
        await gql(ADD, {"name": "Leeds centre", "phone": "0113 496 0500"}, token=manager.token),
        "addCentre",
    )
    changed = await gql(
        UPDATE, {"id": added["id"], "hours": "Every day, 10:00 to 16:00"}, token=manager.token
    )

    # Then someone not signed in reads it, as changed
    assert data(changed, "updateCentre")["openingHours"] == "Every day, 10:00 to 16:00"
    assert data(await gql(CENTRES), "centres") == [
        {
            "name": "Leeds centre",
            "address": "1 Park Row, Leeds LS1 5HD",
            "phone": "0113 496 0500",
            "openingHours": "Every day, 10:00 to 16:00",
        }
    ]


async def test_nobody_else_keeps_the_list_and_bad_details_change_nothing(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR)
    centre = {"name": "Leeds centre", "phone": "0113 496 0500"}

    refused = await gql(ADD, centre, token=facilitator.token)
    anonymous = await gql(ADD, centre)
    bad_phone = await gql(ADD, {**centre, "phone": "ring us"}, token=manager.token)
    data(await gql(ADD, centre, token=manager.token), "addCentre")
    twice = await gql(ADD, centre, token=manager.token)

    assert code(refused) == "FORBIDDEN"
    assert code(anonymous) == "UNAUTHENTICATED"
    assert code(bad_phone) == "BAD_USER_INPUT"
    assert code(twice) == "CONFLICT"
    assert await Centre.all().count() == 1
