"""Specialist groups: asked by anyone signed in, answered within two working days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import PersonalMessage, Role, SpecialistGroup, SpecialistQuestion
from resolvers.specialists import answer_by, do_tell_overdue
from tests.workflow import code, data

LONDON = ZoneInfo("Europe/London")
CREATE = """
mutation ($specialists: [ID!]!) {
  createSpecialistGroup(name: "Benefits and money", description: "Claims, grants, work",
                        specialistIds: $specialists) { id specialists { profileName } }
}"""
ASK = """
mutation ($group: ID!, $visibility: Visibility!) {
  askSpecialists(groupId: $group, title: "Sick pay", body: "How long does statutory sick pay last?",
                 visibility: $visibility) { id answerBy overdue }
}"""
READ = """
query ($id: ID!) {
  specialistQuestion(id: $id) {
    title body visibility asker { profileName } answers { body specialist { profileName } }
  }
}"""
ANSWER = """
mutation ($id: ID!) { answerQuestion(questionId: $id, body: "Up to 28 weeks.") { id } }"""
QUEUE = "{ specialistQueue { title } }"


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (london(2026, 12, 4, 15, 0), london(2026, 12, 8, 15, 0)),  # a Friday: by Tuesday
        (london(2026, 12, 5, 10, 0), london(2026, 12, 8, 10, 0)),  # a Saturday: by Tuesday
        (london(2026, 12, 23, 9, 0), london(2026, 12, 29, 9, 0)),  # Christmas and Boxing Day
        (london(2027, 3, 25, 10, 0), london(2027, 3, 31, 10, 0)),  # Easter, clocks changing
    ],
)
def test_an_answer_is_due_two_working_days_on(asked, due):
    assert answer_by(asked) == due.astimezone(UTC)


async def specialist_group(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    specialist = await person(Role.SPECIALIST, name="Pat Adviser")
    created = await gql(CREATE, {"specialists": [specialist.id]}, token=manager.token)
    return manager, specialist, data(created, "createSpecialistGroup")


async def test_a_private_question_is_read_by_its_asker_and_the_specialists_only(gql, person):
    # Given a specialist group, and a member who asks it privately
    manager, specialist, group = await specialist_group(gql, person)
    asker, neighbour = await person(name="Asker"), await person()
    asked = await gql(ASK, {"group": group["id"], "visibility": "PRIVATE"}, token=asker.token)
    question = data(asked, "askSpecialists")

    # When the specialist looks at her queue and answers
    queue = data(await gql(QUEUE, token=specialist.token), "specialistQueue")
    answered = await gql(ANSWER, {"id": question["id"]}, token=specialist.token)

    # Then the asker reads the answer and is told of it; nobody else may read it
    assert queue == [{"title": "Sick pay"}]
    assert "errors" not in answered
    read = data(await gql(READ, {"id": question["id"]}, token=asker.token), "specialistQuestion")
    assert read["answers"] == [
        {"body": "Up to 28 weeks.", "specialist": {"profileName": "Pat Adviser"}}
    ]
    told = await PersonalMessage.filter(recipient_id=asker.user.id).values_list(
        "subject", flat=True
    )
    assert "Your question to Benefits and money has an answer" in told
    assert code(await gql(READ, {"id": question["id"]}, token=neighbour.token)) == "FORBIDDEN"
    assert code(await gql(READ, {"id": question["id"]}, token=manager.token)) == "FORBIDDEN"
    assert code(await gql(READ, {"id": question["id"]})) == "UNAUTHENTICATED"
    assert data(await gql(QUEUE, token=specialist.token), "specialistQueue") == []


async def test_a_public_question_is_read_by_anyone_with_its_askers_name_only(gql, person):
    _, _, group = await specialist_group(gql, person)
    asker = await person(name="Asker")
    asked = await gql(ASK, {"group": group["id"], "visibility": "PUBLIC"}, token=asker.token)
    question = data(asked, "askSpecialists")

    read = data(await gql(READ, {"id": question["id"]}), "specialistQuestion")
    sneaky = await gql(
        "query ($id: ID!) { specialistQuestion(id: $id) { asker { email } } }",
        {"id": question["id"]},
    )

    assert read["asker"] == {"profileName": "Asker"}
    assert read["visibility"] == "PUBLIC"
    assert "errors" in sneaky  # an author has a profile name and nothing else


async def test_only_the_groups_specialists_answer_and_nothing_else_changes(gql, person):
    _, _, group = await specialist_group(gql, person)
    stranger = await person(Role.SPECIALIST)
    asker = await person()
    asked = await gql(ASK, {"group": group["id"], "visibility": "PUBLIC"}, token=asker.token)
    question = data(asked, "askSpecialists")

    refused = [
        await gql(ANSWER, {"id": question["id"]}, token=who.token) for who in (stranger, asker)
    ]

    assert [code(answer) for answer in refused] == ["FORBIDDEN", "FORBIDDEN"]
    assert (await SpecialistQuestion.get(id=int(question["id"]))).answered_at is None


async def test_a_group_is_made_of_specialists_only(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    facilitator = await person(Role.FACILITATOR)

    refused = await gql(CREATE, {"specialists": [facilitator.id]}, token=manager.token)

    assert code(refused) == "BAD_USER_INPUT"
    assert await SpecialistGroup.all().count() == 0


async def test_an_unanswered_question_is_told_of_once_however_many_processes_look(gql, person):
    # Given a question whose two working days have passed
    manager, specialist, group = await specialist_group(gql, person)
    asker = await person()
    asked = await gql(ASK, {"group": group["id"], "visibility": "PRIVATE"}, token=asker.token)
    question = await SpecialistQuestion.get(id=int(data(asked, "askSpecialists")["id"]))
    due = question.answer_by

    # When two processes look before it is due, then at once after
    early = await do_tell_overdue(due - timedelta(minutes=1))
    late = await asyncio.gather(do_tell_overdue(due), do_tell_overdue(due))
    again = await do_tell_overdue(due + timedelta(days=1))

    # Then the specialist and the online manager were told once
    assert (early, sum(late), again) == (0, 1, 0)
    for someone in (specialist, manager):
        overdue = await PersonalMessage.filter(
            recipient_id=someone.user.id, subject__endswith="is overdue"
        ).count()
        assert overdue == 1
