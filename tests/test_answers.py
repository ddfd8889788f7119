"""Kept answers: given again only to the same reader, and never after what made them wrong.

Each test serves its own Haven (on the session's database and hub) so that it can see
how many answers were given from what was kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tortoise import connections

from app import create_app, serving
from models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    Group,
    GroupSession,
    Membership,
    PersonalMessage,
    Role,
    User,
)
from models.versions import UNVERSIONED_TABLES, read_version, versioned_tables
from resolvers.horizon import next_change_after
from resolvers.retention import do_close_profile
from resolvers.sessions import ensure_upcoming
from schema.answers import LONGEST, AnswerStore, Kept
from settings import Settings
from tests.conftest import GraphQLClient, join, make_group
from tests.test_live_sessions import END, POST, live_session
from tests.workflow import code, data

GROUP = "query ($id: ID!) { group(id: $id) { name members { profileName } } }"
ME = "{ me { profileName } }"
TRANSCRIPT = (
    "query ($s: ID!) { transcript(sessionId: $s) { messages { edges { node { body } } } } }"
)
SEND = """mutation ($to: ID!) {
  sendPersonalMessage(toUserId: $to, subject: "Hello", body: "A word") { id } }"""


@dataclass
class Haven:
    gql: GraphQLClient
    answers: AnswerStore


@pytest.fixture
async def haven(settings: Settings) -> AsyncIterator[Haven]:
    app = create_app(settings)
    async with (
        serving(app, lifespan=False) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as http,
    ):
        yield Haven(GraphQLClient(http), app.state.answers)


@pytest.fixture
async def circle(person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    ann, bea = await person(name="Ann"), await person(name="Bea")
    joined = await join(group, ann)
    await join(group, bea)
    await ensure_upcoming([group])  # as making a group through the API does
    return group, facilitator, ann, bea, joined


def names(result: dict) -> list[str]:
    return sorted(m["profileName"] for m in data(result, "group")["members"])


async def test_the_same_question_from_the_same_reader_is_answered_from_what_was_kept(haven, circle):
    group, _, ann, _, _ = circle
    first = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    again = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    assert again == first
    assert haven.answers.given == 1


async def test_each_reader_gets_an_answer_computed_for_them(haven, circle, person):
    _, _, ann, bea, _ = circle
    stranger = await person(name="Cat")
    await haven.gql(ME, token=ann.token)

    answers = [await haven.gql(ME, token=reader.token) for reader in (ann, bea, stranger)]
    anonymous = await haven.gql(ME)

    assert [data(a, "me")["profileName"] for a in answers] == ["Ann", "Bea", "Cat"]
    assert code(anonymous) == "UNAUTHENTICATED"
    assert haven.answers.given == 1  # Ann's second question only


async def test_a_kept_answer_is_not_given_to_a_refused_token(haven, circle, settings):
    group, _, ann, _, _ = circle
    await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    refused = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token[:-2] + "xx")

    assert code(refused) == "UNAUTHENTICATED"
    assert haven.answers.given == 0


async def test_a_write_through_the_api_changes_the_next_answer(haven, circle, person):
    group, _, ann, _, _ = circle
    manager = await person(Role.ONLINE_MANAGER)
    await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    renamed = await haven.gql(
        'mutation ($id: ID!) { updateGroup(id: $id, input: {name: "Thursday group"}) { name } }',
        {"id": str(group.id)},
        token=manager.token,
    )
    after = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    assert data(renamed, "updateGroup")["name"] == "Thursday group"
    assert data(after, "group")["name"] == "Thursday group"
    assert haven.answers.given == 0


async def test_a_write_made_outside_the_api_changes_the_next_answer(haven, circle):
    group, _, ann, bea, _ = circle
    before = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    await User.filter(id=bea.user.id).update(profile_name="Beatrice", name_key="beatrice")
    after = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    assert names(before) == ["Ann", "Bea"]
    assert names(after) == ["Ann", "Beatrice"]


async def test_a_member_removed_is_refused_at_her_very_next_request(haven, circle):
    group, facilitator, ann, _, joined = circle
    await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)
    await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    removed = await haven.gql(
        'mutation ($m: ID!) { removeMember(membershipId: $m, reason: "Broke the rules") { id } }',
        {"m": str(joined.id)},
        token=facilitator.token,
    )
    refused = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    assert data(removed, "removeMember")["id"] == str(joined.id)
    assert code(refused) == "FORBIDDEN"


async def test_a_closed_profile_is_refused_at_its_very_next_request(haven, circle):
    _, _, ann, _, _ = circle
    await haven.gql(ME, token=ann.token)
    await haven.gql(ME, token=ann.token)

    await do_close_profile(ann.user.id)
    refused = await haven.gql(ME, token=ann.token)

    assert code(refused) == "UNAUTHENTICATED"


async def test_an_answer_kept_by_one_process_is_not_given_after_a_write_through_another(
    haven, circle, settings, person
):
    group, _, ann, _, _ = circle
    manager = await person(Role.ONLINE_MANAGER)
    await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)
    other = create_app(settings)
    async with (
        serving(other, lifespan=False) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as http,
    ):
        await GraphQLClient(http)(
            'mutation ($id: ID!) { updateGroup(id: $id, input: {name: "Renamed"}) { name } }',
            {"id": str(group.id)},
            token=manager.token,
        )

    after = await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    assert data(after, "group")["name"] == "Renamed"


async def test_a_mutation_runs_every_time(haven, circle):
    _, facilitator, ann, _, _ = circle

    for _ in range(2):
        data(await haven.gql(SEND, {"to": facilitator.id}, token=ann.token), "sendPersonalMessage")

    assert await PersonalMessage.filter(recipient_id=facilitator.user.id).count() == 2
    assert haven.answers.given == 0


async def test_a_query_that_writes_runs_every_time(haven, gql, person):
    scene = await live_session(gql, person, size=1)
    await gql(
        POST, {"session": scene.session_id, "body": "Hello all"}, token=scene.members[0].token
    )
    await gql(END, {"id": scene.session_id}, token=scene.facilitator.token)

    for _ in range(3):
        data(
            await haven.gql(TRANSCRIPT, {"s": scene.session_id}, token=scene.members[0].token),
            "transcript",
        )

    assert await AuditEntry.filter(action="TRANSCRIPT_READ").count() == 3
    assert haven.answers.given == 0


async def test_an_answer_with_an_error_is_not_kept(haven, circle, person):
    group, _, _, _, _ = circle
    stranger = await person()

    for _ in range(2):
        assert (
            code(await haven.gql(GROUP, {"id": str(group.id)}, token=stranger.token)) == "FORBIDDEN"
        )

    assert haven.answers.given == 0


# --- Time passing -------------------------------------------------------------------------


async def test_a_kept_answer_lapses_when_its_time_comes():
    answers = AnswerStore()
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    key = ((1, "MEMBER"), b"{}")
    answers.keep(key, Kept(7, now + timedelta(minutes=1), [], b"{}"))

    assert answers.lookup(key, 7, now + timedelta(seconds=59)) is not None
    assert answers.lookup(key, 7, now + timedelta(minutes=1)) is None
    assert answers.lookup(key, 7, now) is None  # dropped once lapsed


async def test_a_kept_answer_is_not_given_at_another_version():
    answers = AnswerStore()
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    key = ((1, "MEMBER"), b"{}")
    answers.keep(key, Kept(7, now + timedelta(minutes=1), [], b"{}"))

    assert answers.lookup(key, 8, now) is None


async def test_the_next_change_in_time_is_the_first_membership_start_or_end(circle, person):
    group, _, _, _, joined = circle
    now = datetime.now(UTC)
    await GroupSession.filter(group_id=group.id).delete()
    await Group.filter(id=group.id).update(weekday=now.weekday(), start_minute=0)
    soon = now + timedelta(hours=2)
    await Membership.filter(id=joined.id).update(ends_at=soon)

    assert await next_change_after(now) == soon

    later = await person()
    starts = now + timedelta(minutes=30)
    await Membership.create(group=group, user=later.user, starts_at=starts, ends_at=soon)
    assert await next_change_after(now) == starts


async def test_the_next_change_in_time_includes_an_offer_lapsing(circle, person):
    group, _, _, _, _ = circle
    now = datetime.now(UTC)
    await Group.filter(id=group.id).update(weekday=(now.weekday() + 3) % 7)
    await Membership.all().update(ends_at=now + timedelta(weeks=5))
    applicant = await person()
    lapses = now + timedelta(minutes=10)
    await Application.create(
        applicant=applicant.user,
        group=group,
        support_sought="Someone to talk to",
        status=ApplicationStatus.PLACE_OFFERED,
        offer_expires_at=lapses,
    )

    assert await next_change_after(now) == lapses


async def test_nothing_is_kept_longer_than_the_longest_time(haven, circle):
    group, _, ann, _, _ = circle
    await haven.gql(GROUP, {"id": str(group.id)}, token=ann.token)

    [kept] = haven.answers.kept.values()

    assert kept.until <= datetime.now(UTC) + LONGEST


# --- The version ------------------------------------------------------------------------


async def test_the_version_moves_with_a_commit_and_only_then(circle):
    group, _, _, _, _ = circle
    before = await read_version()

    assert await read_version() == before
    await Group.filter(id=group.id).update(name="Another name")

    assert await read_version() != before


async def test_every_table_but_the_unread_ones_moves_the_version(settings, circle):
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite counts every commit itself (PRAGMA data_version)")
    client = connections.get("default")
    _, rows = await client.execute_query(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE '%_moves_version'"
    )
    triggered = {row["relname"] for row in rows}
    tables = await versioned_tables(client)

    assert set(tables) == triggered
    assert "users" in triggered
    assert not triggered & UNVERSIONED_TABLES
    for table in ("users", "groups", "memberships"):
        before = await read_version()
        await client.execute_script(
            f'UPDATE "{table}" SET id = id WHERE id = (SELECT min(id) FROM "{table}")'
        )
        assert await read_version() == before + 1, table
