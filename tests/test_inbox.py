"""The personal inbox as a Relay connection: each person's own, page by page."""

from __future__ import annotations

from resolvers.inbox import notify
from tests.workflow import code, data

PAGE = """
query ($first: Int!, $after: String) {
  inbox(first: $first, after: $after) {
    edges { cursor node { subject sender { profileName } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_the_inbox_pages_newest_first(gql, person):
    member = await person()
    for n in range(5):
        await notify(member.user.id, f"Message {n}", "Body")

    first = data(await gql(PAGE, {"first": 2}, token=member.token), "inbox")
    second = data(
        await gql(PAGE, {"first": 3, "after": first["pageInfo"]["endCursor"]}, token=member.token),
        "inbox",
    )

    assert [e["node"]["subject"] for e in first["edges"]] == ["Message 4", "Message 3"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["subject"] for e in second["edges"]] == [
        "Message 2",
        "Message 1",
        "Message 0",
    ]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_each_person_reads_only_their_own_inbox(gql, person):
    member, other = await person(), await person()
    await notify(member.user.id, "For the member", "Private")

    theirs = data(await gql(PAGE, {"first": 10}, token=other.token), "inbox")
    anonymous = await gql(PAGE, {"first": 10})

    assert theirs["edges"] == []
    assert code(anonymous) == "UNAUTHENTICATED"


async def test_page_sizes_and_cursors_are_checked(gql, person):
    member = await person()

    too_many = await gql(PAGE, {"first": 101}, token=member.token)
    forged = await gql(PAGE, {"first": 1, "after": "bm90LWEtY3Vyc29y"}, token=member.token)

    assert code(too_many) == "BAD_USER_INPUT"
    assert code(forged) == "BAD_USER_INPUT"


PAGES = """
query ($after: String) {
  inbox(first: 2, after: $after) {
    edges { cursor node { subject } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_pages_say_where_they_stand_as_relay_clients_expect(gql, person):
    # Given three notices
    member = await person()
    for n in range(3):
        await notify(member.user.id, f"Notice {n}", "…")

    # When she reads the first page of two, then the next
    first = data(await gql(PAGES, token=member.token), "inbox")
    after = {"after": first["pageInfo"]["endCursor"]}
    second = data(await gql(PAGES, after, token=member.token), "inbox")

    # Then each page says whether others come before and after it, and where it starts
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert [e["node"]["subject"] for e in second["edges"]] == ["Notice 0"]
