"""Public Conversations: read by anyone, written by people signed in, moderated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from errors import Conflict
from models import AuditEntry, PersonalMessage, Role, TopicPost
from resolvers.topics import do_edit
from subscriptions import channels
from tests.conftest import join, make_group
from tests.live import LiveClient, listening
from tests.workflow import code, data

CATEGORY = """
mutation ($name: String!) { createTopicCategory(name: $name, description: "All sorts") { id } }"""
START = """
mutation ($category: ID!, $title: String!, $body: String!) {
  startTopic(categoryId: $category, title: $title, body: $body) { id }
}"""
REPLY = "mutation ($id: ID!, $body: String!) { replyToTopic(topicId: $id, body: $body) { id } }"
EVERYTHING = """
query ($id: ID!) {
  topic(id: $id) {
    id title startedAt lastPostAt locked notice
    author { profileName } category { id name description }
    posts { edges { cursor node { id body hidden postedAt editedAt author { profileName } } }
            pageInfo { hasNextPage endCursor } }
  }
}"""
SEARCH = """
query ($words: String!, $after: String) {
  topics(search: $words, first: 1, after: $after) {
    edges { node { title } } pageInfo { hasNextPage endCursor }
  }
}"""
REPORT = 'mutation ($id: ID!) { reportPost(postId: $id, reason: "Selling something") }'
REPORTS = "{ postReports { reports post { id } } }"
HIDE = 'mutation ($id: ID!) { hideTopicPost(postId: $id, reason: "Advertising.") { id } }'
LOCK = 'mutation ($id: ID!) { lockTopic(topicId: $id, reason: "Going in circles") { id } }'


async def category(gql, person) -> str:
    manager = await person(Role.ONLINE_MANAGER)
    return data(
        await gql(CATEGORY, {"name": "Living with it"}, token=manager.token), "createTopicCategory"
    )["id"]


async def start(gql, who, category_id: str, title: str, body: str) -> str:
    started = await gql(
        START, {"category": category_id, "title": title, "body": body}, token=who.token
    )
    return data(started, "startTopic")["id"]


async def test_anyone_reads_a_topic_and_its_author_is_a_profile_name_only(gql, person):
    # Given a member of a closed group who starts a topic, and one who replies
    facilitator = await person(Role.FACILITATOR)
    ann, bea = await person(name="Ann"), await person(name="Bea")
    await join(await make_group(facilitator, name="Tuesday Lymphoma group"), ann)
    topic = await start(gql, ann, await category(gql, person), "Tiredness", "How do you cope?")
    data(
        await gql(REPLY, {"id": topic, "body": "Short walks help me."}, token=bea.token),
        "replyToTopic",
    )

    # When someone not signed in reads everything a topic leads to
    read = await gql(EVERYTHING, {"id": topic})
    author_fields = await gql('{ __type(name: "Author") { fields { name } } }')

    # Then it is all there, and nothing of the closed groups is
    shown = data(read, "topic")
    assert [edge["node"]["body"] for edge in shown["posts"]["edges"]] == [
        "How do you cope?",
        "Short walks help me.",
    ]
    assert shown["author"] == {"profileName": "Ann"}
    assert "private conversations" in shown["notice"]
    assert "Tuesday" not in str(read)
    assert ann.user.email not in str(read)
    assert [f["name"] for f in data(author_fields, "__type")["fields"]] == ["profileName"]


async def test_a_search_finds_topics_by_their_words_best_first_a_page_at_a_time(gql, person):
    # Given three topics, one of which speaks of fatigue twice
    ann = await person()
    category_id = await category(gql, person)
    await start(gql, ann, category_id, "Fatigue after chemo", "The fatigue is the worst.")
    await start(gql, ann, category_id, "Eating well", "Some days the fatigue stops me cooking.")
    await start(gql, ann, category_id, "Work", "Going back part time.")

    # When someone searches, a page at a time
    first = data(await gql(SEARCH, {"words": "fatigue"}), "topics")
    second = data(
        await gql(SEARCH, {"words": "fatigue", "after": first["pageInfo"]["endCursor"]}), "topics"
    )
    nothing = data(await gql(SEARCH, {"words": "holiday"}), "topics")
    odd = data(await gql(SEARCH, {"words": '"fatigue*(:'}), "topics")

    # Then both matches come, the best first, and nothing else
    assert first["edges"][0]["node"]["title"] == "Fatigue after chemo"
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["edges"][0]["node"]["title"] == "Eating well"
    assert second["pageInfo"]["hasNextPage"] is False
    assert nothing["edges"] == []
    assert odd["edges"][0]["node"]["title"] == "Fatigue after chemo"  # what is typed is words


async def test_a_post_is_changed_by_its_author_within_half_an_hour(gql, person):
    ann, bea = await person(), await person()
    topic = await start(gql, ann, await category(gql, person), "Hair", "It grew back curly")
    post = await TopicPost.get(topic_id=int(topic))

    edited = await do_edit(
        ann.user.id, post.id, "It grew back curly!", post.posted_at + timedelta(minutes=29)
    )
    with pytest.raises(Conflict):
        await do_edit(ann.user.id, post.id, "Too late", post.posted_at + timedelta(minutes=31))
    by_bea = await gql(
        'mutation ($id: ID!) { editTopicPost(postId: $id, body: "Mine now") { id } }',
        {"id": str(post.id)},
        token=bea.token,
    )

    assert edited.body == "It grew back curly!"
    assert code(by_bea) == "NOT_FOUND"
    assert (await TopicPost.get(id=post.id)).body == "It grew back curly!"


async def test_moderators_see_reports_hide_posts_and_lock_topics(gql, person):
    # Given a topic whose reply two people report
    ann, spammer, bea, cal = await person(), await person(), await person(), await person()
    facilitator = await person(Role.FACILITATOR)
    topic = await start(gql, ann, await category(gql, person), "Wigs", "Where did you get yours?")
    reply = data(
        await gql(REPLY, {"id": topic, "body": "Buy cheap wigs at my shop"}, token=spammer.token),
        "replyToTopic",
    )["id"]
    for reporter in (bea, cal):
        assert data(await gql(REPORT, {"id": reply}, token=reporter.token), "reportPost") is True
    again = await gql(REPORT, {"id": reply}, token=bea.token)

    # When a member and a facilitator look at the reports, and the facilitator hides it
    by_member = await gql(REPORTS, token=ann.token)
    queue = data(await gql(REPORTS, token=facilitator.token), "postReports")
    data(await gql(HIDE, {"id": reply}, token=facilitator.token), "hideTopicPost")
    data(await gql(LOCK, {"id": topic}, token=facilitator.token), "lockTopic")

    # Then only moderators saw the queue; the post is gone from every reader; no more replies
    assert code(again) == "CONFLICT"
    assert code(by_member) == "FORBIDDEN"
    assert queue == [{"reports": 2, "post": {"id": reply}}]
    shown = data(await gql(EVERYTHING, {"id": topic}), "topic")
    assert [e["node"]["body"] for e in shown["posts"]["edges"]] == ["Where did you get yours?"]
    assert shown["locked"] is True
    assert data(await gql(REPORTS, token=facilitator.token), "postReports") == []
    assert data(await gql(SEARCH, {"words": "cheap wigs"}), "topics")["edges"] == []
    locked = await gql(REPLY, {"id": topic, "body": "One more"}, token=bea.token)
    assert code(locked) == "CONFLICT"
    assert await AuditEntry.filter(action="TOPIC_POST_HIDDEN").count() == 1


async def test_three_posts_hidden_in_a_week_pause_posting_for_a_day(gql, person):
    spammer = await person()
    facilitator = await person(Role.FACILITATOR)
    category_id = await category(gql, person)
    for n in range(3):
        topic = await start(gql, spammer, category_id, f"Offer {n}", "Cheap wigs")
        post = await TopicPost.get(topic_id=int(topic))
        data(await gql(HIDE, {"id": str(post.id)}, token=facilitator.token), "hideTopicPost")

    paused = await gql(
        START, {"category": category_id, "title": "Again", "body": "Cheap"}, token=spammer.token
    )

    assert code(paused) == "FORBIDDEN"
    told = await PersonalMessage.filter(recipient_id=spammer.user.id).values_list(
        "subject", flat=True
    )
    assert told == ["Your posting in the Conversations is paused for a day"]


async def test_posting_faster_than_a_person_writes_is_slowed(gql, person):
    ann = await person()
    topic = await start(gql, ann, await category(gql, person), "Hello", "Hello all")

    answers = [
        await gql(REPLY, {"id": topic, "body": f"Reply {n}"}, token=ann.token) for n in range(5)
    ]

    assert [("errors" in a) for a in answers] == [False, False, False, False, True]
    assert code(answers[-1]) == "RATE_LIMITED"


async def test_anyone_follows_a_topic_live(server, gql, person):
    ann = await person()
    topic = await start(gql, ann, await category(gql, person), "Scan day", "Anyone else today?")
    follower = await LiveClient.connect(server.ws_url, None)
    try:
        stream = await follower.subscribe(
            "subscription ($id: ID!) { topicPosts(topicId: $id) { body author { profileName } } }",
            {"id": topic},
        )
        await listening(channels.topic_posts(int(topic)))
        data(await gql(REPLY, {"id": topic, "body": "Me, at ten"}, token=ann.token), "replyToTopic")

        heard = await follower.data(stream, "topicPosts")

        assert heard["body"] == "Me, at ten"
    finally:
        await follower.close()


TYPE = """
query ($name: String!) {
  __type(name: $name) {
    fields { name type { name kind ofType { name kind ofType { name kind ofType { name } } } } }
  }
}"""
PUBLIC_TYPES = {
    "Topic",
    "TopicConnection",
    "TopicEdge",
    "TopicPost",
    "TopicPostConnection",
    "TopicPostEdge",
    "TopicCategory",
    "PageInfo",
    "Author",
    "SpecialistQuestion",
    "SpecialistAnswer",
    "SpecialistGroup",
    "BlogPost",
    "BlogComment",
    "Visibility",
    "BlogVisibility",
}


def named(type_ref: dict) -> str:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref["name"]


@pytest.mark.parametrize("start", ["Topic", "SpecialistQuestion", "BlogPost"])
async def test_nothing_but_public_things_is_reachable_from_a_public_object(gql, start):
    # When every type reachable from a public object is walked
    seen, waiting = set(), [start]
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        found = data(await gql(TYPE, {"name": name}), "__type")
        for field in found["fields"] or []:
            waiting.append(named(field["type"]))

    # Then it reaches public types and scalars only: no group, application or person
    scalars = {"ID", "String", "Boolean", "Int", "DateTime"}
    assert seen - scalars <= PUBLIC_TYPES
