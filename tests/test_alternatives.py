"""Someone waiting for a place is shown what else there is."""

from __future__ import annotations

from models import Centre, PersonalMessage, Role, SpecialistGroup, TopicCategory
from tests.conftest import join, make_group
from tests.workflow import apply, data, found_suitable, screen

WHILE = """
{ whileYouWait { message topicCategories { name } specialistGroups { name } centres { name } } }
"""


async def test_the_notice_that_puts_her_on_the_list_names_the_other_ways_in(gql, person):
    # Given a full group
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, capacity=1)
    await join(group, await person())
    applicant = await person()

    # When an applicant found suitable is put on its waiting list
    application = await apply(gql, applicant, group)
    await screen(gql, facilitator, application)
    await found_suitable(gql, facilitator, application)

    # Then her notice says what else there is while she waits
    notice = await PersonalMessage.get(
        recipient_id=applicant.user.id, subject__startswith="You are on the waiting list"
    )
    for way in ("Conversations", "Specialist groups", "personal blog", "centres"):
        assert way in notice.body


async def test_anyone_sees_the_other_ways_in_at_once(gql):
    await TopicCategory.create(name="After treatment")
    await SpecialistGroup.create(name="Nutrition")
    await Centre.create(
        name="Leeds centre", address="1 Park Row", phone="0113 496 0500", opening_hours="9-5"
    )

    shown = data(await gql(WHILE), "whileYouWait")

    assert shown["topicCategories"] == [{"name": "After treatment"}]
    assert shown["specialistGroups"] == [{"name": "Nutrition"}]
    assert shown["centres"] == [{"name": "Leeds centre"}]
    assert "Specialist groups" in shown["message"]
