"""Bad input gets a clear answer and changes nothing: never an internal error."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from models import (
    Application,
    ApplicationStatus,
    Conversation,
    Group,
    GroupSession,
    Post,
    Registration,
    Role,
    User,
)
from tests.conftest import PASSWORD, join, make_group
from tests.workflow import GP, RECORD_CALL, SCHEDULE, apply, code

GROUP = "query ($id: ID!) { group(id: $id) { id name } }"
WITHDRAW = "mutation ($id: ID!) { withdrawApplication(id: $id) { id status } }"
REGISTER = """
mutation ($input: RegisterInput!) { register(input: $input) { message } }
"""
LOGIN = """
mutation ($email: String!, $password: String!) { login(email: $email, password: $password) {
  accessToken } }
"""
START = """
mutation ($group: ID, $title: String!, $body: String!) {
  startConversation(groupId: $group, title: $title, body: $body) { id title }
}"""
INBOX_AFTER = "query ($after: String) { inbox(first: 5, after: $after) { edges { cursor } } }"
ADD_SESSION = """
mutation ($group: ID!, $at: DateTime!) { addSession(groupId: $group, startsAt: $at) { id } }
"""
EXPORT = """
query ($group: ID!, $since: DateTime!, $until: DateTime!) {
  researchExport(groupId: $group, since: $since, until: $until) { week }
}"""
# Arabic-Indic one and three, which Python's int() would read as 1 and 3
# and more digits than Python's int() reads
NOT_IDS = ["²", "\u0661", "\u0663", "-1", "0", "1.0", " 1", "2147483648", "9" * 30, "9" * 5000, ""]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\ud800"]


async def send(http: httpx.AsyncClient, query: str, variables: dict) -> dict:
    """Post as JSON spelled in ASCII, so a lone surrogate travels as its escape."""
    body = json.dumps({"query": query, "variables": variables})
    response = await http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("bad", NOT_IDS)
async def test_an_id_that_is_not_one_is_bad_input(gql, bad):
    result = await gql(GROUP, {"id": bad})

    assert code(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["message"] == "That is not a valid id."


async def test_a_mutation_on_an_id_that_is_not_one_changes_nothing(gql, person):
    facilitator, member = await person(Role.FACILITATOR), await person()
    group = await make_group(facilitator)
    application_id = await apply(gql, member, group)

    for bad in ("\u0661", "4294967297"):
        result = await gql(WITHDRAW, {"id": bad}, token=member.token)
        assert code(result) == "BAD_USER_INPUT"

    application = await Application.get(id=application_id)
    assert application.status == ApplicationStatus.SUBMITTED


async def test_a_cursor_with_a_huge_number_is_bad_input(gql, person):
    member = await person()
    cursor = base64.urlsafe_b64encode(b"haven:" + b"9" * 40).decode()

    result = await gql(INBOX_AFTER, {"after": cursor}, token=member.token)

    assert code(result) == "BAD_USER_INPUT"


@pytest.mark.parametrize("bad", CONTROL)
async def test_control_characters_in_registration_are_refused_and_nothing_stored(http, bad):
    for field in ("email", "password", "profileName"):
        fields = {"email": "new@example.org", "password": PASSWORD, "profileName": "New Person"}
        fields[field] = fields[field][:3] + bad + fields[field][3:]

        result = await send(http, REGISTER, {"input": fields})

        assert code(result) == "BAD_USER_INPUT", field
    assert await User.all().count() == 0
    assert await Registration.all().count() == 0


@pytest.mark.parametrize("bad", CONTROL)
async def test_control_characters_in_a_sign_in_are_refused(http, person, bad):
    member = await person()

    result = await send(http, LOGIN, {"email": member.user.email + bad, "password": PASSWORD})

    assert code(result) == "BAD_USER_INPUT"
    assert result["data"] is None


async def test_control_characters_in_a_post_are_refused_in_variables_and_literals(gql, person):
    member = await person()
    facilitator = await person(Role.FACILITATOR)
    await join(await make_group(facilitator), member)

    in_variable = await gql(
        START, {"title": "Hello", "body": "Before\x00after"}, token=member.token
    )
    in_literal = await gql(
        'mutation { startConversation(title: "Hi", body: "a\\u0000b") { id } }',
        token=member.token,
    )

    assert code(in_variable) == "BAD_USER_INPUT"
    assert code(in_literal) == "BAD_USER_INPUT"
    assert await Conversation.all().count() == 0
    assert await Post.all().count() == 0


async def test_tabs_and_new_lines_are_still_text(gql, person):
    member = await person()
    facilitator = await person(Role.FACILITATOR)
    await join(await make_group(facilitator), member)

    result = await gql(START, {"title": "Lists", "body": "One\n\tTwo\r\nThree"}, token=member.token)

    assert "errors" not in result, result
    assert (await Post.get()).body == "One\n\tTwo\r\nThree"


@pytest.mark.parametrize("year", ["9999", "0001", "1899", "2101"])
async def test_dates_outside_the_years_people_mean_are_refused(gql, person, year):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    sessions_before = await GroupSession.filter(group=group).count()

    added = await gql(
        ADD_SESSION,
        {"group": str(group.id), "at": f"{year}-06-01T18:00:00+00:00"},
        token=facilitator.token,
    )

    assert code(added) == "BAD_USER_INPUT"
    assert "Use a year from 1900 to 2100." in added["errors"][0]["message"]
    assert await GroupSession.filter(group=group).count() == sessions_before


async def test_a_research_export_over_all_time_is_refused_not_failed(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(await person(Role.FACILITATOR))

    result = await gql(
        EXPORT,
        {
            "group": str(group.id),
            "since": "0001-01-01T00:00:00+00:00",
            "until": "9999-12-31T23:59:59+00:00",
        },
        token=manager.token,
    )

    assert {e["extensions"]["code"] for e in result["errors"]} == {"BAD_USER_INPUT"}


async def test_a_subscription_sent_over_http_is_refused(gql, person):
    member = await person()

    result = await gql("subscription { inbox { id } }", token=member.token)

    assert code(result) == "BAD_USER_INPUT"
    assert "WebSocket" in result["errors"][0]["message"]


async def test_a_value_that_cannot_be_coerced_is_not_echoed_back(gql, person):
    # Given a facilitator who pastes GP details where a boolean belongs
    facilitator, member = await person(Role.FACILITATOR), await person()
    group = await make_group(facilitator)
    application_id = await apply(gql, member, group)

    result = await gql(
        RECORD_CALL,
        {
            "id": application_id,
            "consent": "Dr Jane Moss, Riverside Surgery",
            "gp": {**GP, "phone": 1134960000},
            "notes": "",
        },
        token=facilitator.token,
    )

    text = str(result["errors"])
    assert {e["extensions"]["code"] for e in result["errors"]} == {"BAD_USER_INPUT"}
    assert "Jane Moss" not in text
    assert "Riverside" not in text
    assert "1134960000" not in text
    assert "$consent" in text  # still says which variable was wrong
    application = await Application.get(id=application_id)
    assert application.status == ApplicationStatus.SUBMITTED


async def test_an_unknown_enum_value_is_not_echoed_back(gql, person):
    facilitator = await person(Role.FACILITATOR)

    result = await gql(
        "query ($s: ApplicationStatus) { applicationsToReview(groupId: 1, status: $s) { id } }",
        {"s": "Mrs Smith 07700 900123"},
        token=facilitator.token,
    )

    assert code(result) == "BAD_USER_INPUT"
    assert "07700" not in str(result["errors"])


async def test_ten_unknown_directives_are_answered_with_one_error(gql):
    result = await gql("query { __typename" + " @aa" * 10 + " }")

    assert len(result["errors"]) == 1
    assert code(result) == "GRAPHQL_VALIDATION_FAILED"


async def test_many_mistakes_in_one_document_are_answered_with_one_error(gql):
    result = await gql("{ " + " ".join(f"nope{n}" for n in range(50)) + " }")

    assert len(result["errors"]) == 1


async def test_a_malformed_document_is_answered_with_one_error(http: httpx.AsyncClient):
    response = await http.post("/graphql", json={"query": "{ group(id: " * 40})

    assert response.status_code == 200
    assert len(response.json()["errors"]) == 1


async def test_a_sign_in_with_an_overlong_address_is_refused_like_any_wrong_one(gql):
    result = await gql(LOGIN, {"email": "x" * 300 + "@example.org", "password": PASSWORD})

    assert code(result) == "UNAUTHENTICATED"


async def test_a_time_without_its_offset_is_read_as_london_time(gql, person):
    # Given a facilitator arranging a call for 10:00 on a summer's day, as she would type it
    facilitator = await person(Role.FACILITATOR)
    applicant = await person()
    application = await apply(gql, applicant, await make_group(facilitator))

    # When she gives the time without a UTC offset
    result = await gql(
        SCHEDULE, {"id": application, "at": "2030-07-01T10:00"}, token=facilitator.token
    )

    # Then it is 10:00 in London, which is 09:00 UTC in summer
    assert "errors" not in result
    stored = await Application.get(id=int(application))
    assert stored.call_at.isoformat() == "2030-07-01T09:00:00+00:00"


async def test_a_group_start_time_with_an_offset_is_refused_not_dropped(gql, person):
    manager = await person(Role.ONLINE_MANAGER)
    group = await make_group(await person(Role.FACILITATOR))

    result = await gql(
        "mutation ($id: ID!, $input: UpdateGroupInput!) {"
        " updateGroup(id: $id, input: $input) { startTime } }",
        {"id": str(group.id), "input": {"startTime": "23:30:00+05:00"}},
        token=manager.token,
    )

    assert code(result) == "BAD_USER_INPUT"
    assert "London" in result["errors"][0]["message"]
    assert (await Group.get(id=group.id)).start_minute == 19 * 60
