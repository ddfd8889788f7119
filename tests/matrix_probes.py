"""The scene of the access matrix, and one probe for each row of ``tests/access_matrix.md``.

The scene is built once, through the API where the service has one, so that every fact
the access rules read (memberships started and ended, sessions held, posts written) came
about the way it does in production. ``PROBES`` maps each row of the table to a GraphQL
document, plus its variables as a function of the scene and the reader. A mutation's
input is refused by its resolver after the permission checks, so probing changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from auth.integrations import create_integration
from models import Role, SignInAttempt
from tests.conftest import GraphQLClient, People, Person, make_group
from tests.workflow import (
    EXTEND,
    LEAVE,
    REMOVE,
    WITHDRAW,
    apply,
    data,
    join_through_the_front_door,
    screen,
)

READERS = (
    "anonymous",
    "applicant",
    "other_member",
    "member",
    "later_joiner",
    "removed",
    "former",
    "other_facilitator",
    "facilitator",
    "manager",
    "specialist",
    "integration",
)
SIGNED_IN = tuple(r for r in READERS if r not in ("anonymous", "integration"))


@dataclass
class Scene:
    """The ids the probes need. Every id is a string, as GraphQL carries it."""

    tokens: dict[str, str | None]  # reader → bearer token (None: nobody signed in)
    users: dict[str, str]  # signed-in reader (and "bystander") → user id
    group: str  # G
    bystander_group: str  # K, run by a facilitator who is none of the readers
    application: str  # the applicant's open application to G, awaiting the GP
    withdrawn_application: str  # her earlier application to G, withdrawn
    memberships: dict[str, str]  # member of G or H → her membership
    ended_session: str
    live_session: str
    ended_message: str  # said by member in the ended session
    conversation: str  # a thread of G that goes on after later_joiner joined
    earlier_conversation: str  # a thread of G entirely from before later_joiner joined
    shared_conversation: str
    hidden_posts: dict[str, str]  # member, removed, former → a post of theirs, hidden
    deleted_post: str  # in G
    shared_deleted_post: str
    concern: str
    breach_report: str
    messages: dict[str, str]  # signed-in reader (and "bystander") → a message to them, read
    private_question: str  # applicant's, to the specialist group that specialist answers in
    public_question: str  # member's, to the same group
    blog: dict[str, str]  # member's blog: PRIVATE, GROUPS, PUBLIC → an entry


# --- Building the scene -------------------------------------------------------------------

ADD_SESSION = """
mutation ($group: ID!, $at: DateTime!) { addSession(groupId: $group, startsAt: $at) { id } }"""
START_SESSION = "mutation ($id: ID!) { startSession(sessionId: $id) { status } }"
END_SESSION = "mutation ($id: ID!) { endSession(sessionId: $id) { status } }"
SAY = """
mutation ($id: ID!, $body: String!) { postSessionMessage(sessionId: $id, body: $body) { id } }"""
START_THREAD = """
mutation ($group: ID, $title: String!, $body: String!) {
  startConversation(groupId: $group, title: $title, body: $body) { id }
}"""
REPLY = """
mutation ($id: ID!, $body: String!) { replyToConversation(conversationId: $id, body: $body) { id } }
"""
HIDE = 'mutation ($id: ID!) { hidePost(postId: $id, reason: "Off topic") { id } }'
DELETE = "mutation ($id: ID!) { deletePost(postId: $id) { id } }"
RAISE = """
mutation ($member: ID!, $group: ID!) {
  raiseSafeguardingConcern(memberId: $member, groupId: $group, severity: LOW,
                           summary: "Said they feel low.") { id }
}"""
SEND = """
mutation ($to: ID!) {
  sendPersonalMessage(toUserId: $to, subject: "Hello", body: "How are you?") { id }
}"""
REPORT = """
mutation ($group: ID!) {
  reportBreach(groupId: $group, description: "Someone talked about us outside.") { id }
}"""
MARK_READ = "mutation ($id: ID!) { markMessageRead(messageId: $id) { id } }"
SPECIALIST_GROUP = """
mutation ($specialist: ID!) {
  createSpecialistGroup(name: "Benefits and money", description: "Claims, grants, work",
                        specialistIds: [$specialist]) { id }
}"""
WRITE = """
mutation ($title: String!, $visibility: BlogVisibility!) {
  writeBlogPost(title: $title, body: "How I am this week", visibility: $visibility) { id }
}"""
ASK = """
mutation ($group: ID!, $visibility: Visibility!) {
  askSpecialists(groupId: $group, title: "Sick pay", body: "How long does it last?",
                 visibility: $visibility) { id }
}"""


async def build_scene(gql: GraphQLClient, person: People) -> Scene:
    """Group G, its people and its history, in the order the readers' descriptions need:
    the ended session and the earlier posts before the removal, the leaving and the later
    joining, and the live session last."""
    facilitator = await person(Role.FACILITATOR, name="Dr Grey")
    other_facilitator = await person(Role.FACILITATOR, name="Dr Hart")
    bystander = await person(Role.FACILITATOR, name="Dr Kemp")
    manager = await person(Role.ONLINE_MANAGER, name="Manager")
    specialist = await person(Role.SPECIALIST, name="Specialist")
    people: dict[str, Person] = {
        "facilitator": facilitator,
        "other_facilitator": other_facilitator,
        "manager": manager,
        "specialist": specialist,
    }
    for name in ("applicant", "other_member", "member", "later_joiner", "removed", "former"):
        people[name] = await person(name=name.replace("_", " ").title())
    group = await make_group(facilitator, name="Tuesday group")
    other_group = await make_group(other_facilitator, name="Thursday group", weekday=3)
    bystander_group = await make_group(bystander, name="Saturday group", weekday=5)

    async def call(document: str, variables: dict[str, Any], who: Person, name: str) -> Any:
        return data(await gql(document, variables, token=who.token), name)

    async def say(who: str, thread: str, body: str) -> str:
        """Post in a conversation; the post's id."""
        reply = await call(REPLY, {"id": thread, "body": body}, people[who], "replyToConversation")
        return reply["id"]

    async def speak(who: str, session: str, body: str) -> str:
        """Say something in a live session; the message's id."""
        said = await call(SAY, {"id": session, "body": body}, people[who], "postSessionMessage")
        return said["id"]

    # Given member, removed and former in G from the start (member's term already extended),
    # and other_member in H
    memberships: dict[str, str] = {}
    for name in ("member", "removed", "former"):
        joined = await join_through_the_front_door(gql, facilitator, people[name], group)
        memberships[name] = joined["membership"]["id"]
    joined = await join_through_the_front_door(
        gql, other_facilitator, people["other_member"], other_group
    )
    memberships["other_member"] = joined["membership"]["id"]
    await call(EXTEND, {"id": memberships["member"]}, people["member"], "extendMembership")

    # and the applicant: one application withdrawn, one open and awaiting the GP
    withdrawn = await apply(gql, people["applicant"], group)
    await call(WITHDRAW, {"id": withdrawn}, people["applicant"], "withdrawApplication")
    application = await apply(gql, people["applicant"], group)
    await screen(gql, facilitator, application)

    # and a session of G, held with all three speaking, then ended
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    ended = (
        await call(ADD_SESSION, {"group": str(group.id), "at": soon}, facilitator, "addSession")
    )["id"]
    await call(START_SESSION, {"id": ended}, facilitator, "startSession")
    said = [await speak(n, ended, f"{n} speaking") for n in ("member", "removed", "former")]
    await call(END_SESSION, {"id": ended}, facilitator, "endSession")

    # and G's threads: both with posts by all three, one of them going on later
    threads = {}
    for title in ("Earlier thread", "Going on"):
        threads[title] = (
            await call(
                START_THREAD,
                {"group": str(group.id), "title": title, "body": "How was your week?"},
                people["member"],
                "startConversation",
            )
        )["id"]
        for name in ("removed", "former"):
            await say(name, threads[title], f"{name} replying")
    hidden_posts = {}
    for name in ("member", "removed", "former"):
        hidden_posts[name] = await say(name, threads["Earlier thread"], "Something to hide")
        await call(HIDE, {"id": hidden_posts[name]}, facilitator, "hidePost")
    deleted_post = await say("member", threads["Earlier thread"], "Never mind")
    await call(DELETE, {"id": deleted_post}, people["member"], "deletePost")

    # and a thread in the shared area, with a deleted post
    shared = (
        await call(
            START_THREAD,
            {"group": None, "title": "For every group", "body": "Hello all"},
            people["member"],
            "startConversation",
        )
    )["id"]
    shared_deleted_post = await say("member", shared, "Wrong thread")
    await call(DELETE, {"id": shared_deleted_post}, people["member"], "deletePost")

    # and a safeguarding concern about member
    concern = (
        await call(
            RAISE,
            {"member": people["member"].id, "group": str(group.id)},
            facilitator,
            "raiseSafeguardingConcern",
        )
    )["id"]

    # and a breach report by member
    report = (await call(REPORT, {"group": str(group.id)}, people["member"], "reportBreach"))["id"]

    # and a personal message to each signed-in reader (and to the bystander), each read
    messages: dict[str, str] = {}
    recipients = {**{r: people[r] for r in SIGNED_IN}, "bystander": bystander}
    for name, recipient in recipients.items():
        sender = facilitator if name == "manager" else manager
        messages[name] = (await call(SEND, {"to": recipient.id}, sender, "sendPersonalMessage"))[
            "id"
        ]
        await call(MARK_READ, {"id": messages[name]}, recipient, "markMessageRead")

    # When removed is removed and former leaves, and only then later_joiner joins
    await call(
        REMOVE,
        {"id": memberships["removed"], "reason": "Shared what was said outside the group."},
        facilitator,
        "removeMember",
    )
    await call(LEAVE, {"id": memberships["former"]}, people["former"], "leaveGroup")
    joined = await join_through_the_front_door(gql, facilitator, people["later_joiner"], group)
    memberships["later_joiner"] = joined["membership"]["id"]
    await say("member", threads["Going on"], "Welcome, later joiner")

    # Then a second session of G goes live, and member speaks in it
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    live = (
        await call(ADD_SESSION, {"group": str(group.id), "at": later}, facilitator, "addSession")
    )["id"]
    await call(START_SESSION, {"id": live}, facilitator, "startSession")
    await speak("member", live, "Hello again")

    # And a specialist group that specialist answers in, asked privately and publicly
    specialists = (
        await call(
            SPECIALIST_GROUP, {"specialist": specialist.id}, manager, "createSpecialistGroup"
        )
    )["id"]
    questions = {
        who: (
            await call(
                ASK, {"group": specialists, "visibility": visibility}, people[who], "askSpecialists"
            )
        )["id"]
        for who, visibility in (("applicant", "PRIVATE"), ("member", "PUBLIC"))
    }

    # And member's blog: an entry for herself, one for her group, one for everyone
    blog = {
        visibility: (
            await call(
                WRITE,
                {"title": visibility, "visibility": visibility},
                people["member"],
                "writeBlogPost",
            )
        )["id"]
        for visibility in ("PRIVATE", "GROUPS", "PUBLIC")
    }

    _, integration_token = await create_integration("access matrix", ["events:read"])
    tokens: dict[str, str | None] = {r: people[r].token for r in SIGNED_IN}
    tokens.update(anonymous=None, integration=integration_token)
    return Scene(
        tokens=tokens,
        users={**{r: people[r].id for r in SIGNED_IN}, "bystander": bystander.id},
        group=str(group.id),
        bystander_group=str(bystander_group.id),
        application=application,
        withdrawn_application=withdrawn,
        memberships=memberships,
        ended_session=ended,
        live_session=live,
        ended_message=said[0],
        conversation=threads["Going on"],
        earlier_conversation=threads["Earlier thread"],
        shared_conversation=shared,
        hidden_posts=hidden_posts,
        deleted_post=deleted_post,
        shared_deleted_post=shared_deleted_post,
        concern=concern,
        breach_report=report,
        messages=messages,
        private_question=questions["applicant"],
        public_question=questions["member"],
        blog=blog,
    )


# --- The probes ---------------------------------------------------------------------------

Variables = Callable[[Scene, str], dict[str, Any]]


def no_variables(scene: Scene, reader: str) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Probe:
    """How one row is tried.

    ``resolver_refusal`` is for ``@public`` operations whose resolver refuses the probe with
    a guard's own code (``login``'s wrong password is ``UNAUTHENTICATED``). It is a fragment
    of the resolver's message, and such a refusal counts as getting past the checks.
    ``for_real`` is for a mutation with no input to refuse. It says why the probe runs for
    real, and such probes run last, outside the check that nothing changed. ``cleanup``
    undoes what a probe could not help leaving behind, like the sign-in attempts
    ``register`` and ``login`` count, so that the matrix never trips the limits.
    """

    document: str
    variables: Variables = no_variables
    resolver_refusal: str = ""
    for_real: str = ""
    cleanup: Callable[[], Awaitable[None]] | None = None


PROBE_EMAIL = "matrix-probe@example.org"
PAST = "2000-01-01T00:00:00+00:00"


async def forget_sign_in_attempts() -> None:
    await SignInAttempt.filter(email=PROBE_EMAIL).delete()


def own(mapping: dict[str, str], reader: str, default: str = "member") -> str:
    """The reader's own subject, or ``default``'s for a reader who has none."""
    return mapping.get(reader, mapping[default])


def group(scene: Scene, reader: str) -> dict[str, Any]:
    return {"group": scene.group}


def application(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": scene.application}


def ended(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": scene.ended_session}


def live(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": scene.live_session}


def thread(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": scene.conversation}


def shared_thread(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": scene.shared_conversation}


def own_hidden_post(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": own(scene.hidden_posts, reader)}


def own_message(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": own(scene.messages, reader)}


def bystanders_message(scene: Scene, reader: str) -> dict[str, Any]:
    return {"id": scene.messages["bystander"]}


def bystander(scene: Scene, reader: str) -> dict[str, Any]:
    return {"group": scene.bystander_group}


def research_span(scene: Scene, reader: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "group": scene.group,
        "since": (now - timedelta(days=1)).isoformat(),
        "until": (now + timedelta(days=1)).isoformat(),
    }


def in_group(selection: str) -> str:
    """A query of ``selection`` on the group named by ``$group``: public, so anyone gets there."""
    return f"query ($group: ID!) {{ group(id: $group) {{ {selection} }} }}"


CONVERSATION = "query ($id: ID!) { conversation(id: $id) { id } }"
CONVERSATION_POSTS = "subscription ($id: ID!) { conversationPosts(conversationId: $id) { id } }"
START_CONVERSATION = """
mutation ($group: ID) { startConversation(groupId: $group, title: "", body: "Hello") { id } }"""
REPLY_EMPTY = 'mutation ($id: ID!) { replyToConversation(conversationId: $id, body: "") { id } }'
HIDE_POST = "mutation ($id: ID!) { hidePost(postId: $id) { id } }"
REPLY_TO_MESSAGE = 'mutation ($id: ID!) { replyToMessage(messageId: $id, body: "") { id } }'

PROBES: dict[str, Probe] = {
    # Queries
    "Query.me": Probe("{ me { id } }"),
    "Query.centres": Probe("{ centres { id } }"),
    "Query.specialistGroups": Probe("{ specialistGroups { id specialists { profileName } } }"),
    "Query.specialistQuestion": Probe(
        "query ($id: ID!) { specialistQuestion(id: $id) { id body answers { body } } }",
        lambda scene, reader: {"id": scene.private_question},
    ),
    "Query.specialistQuestion [public]": Probe(
        "query ($id: ID!) { specialistQuestion(id: $id) { id body asker { profileName } } }",
        lambda scene, reader: {"id": scene.public_question},
    ),
    "Query.specialistQueue": Probe("{ specialistQueue { id } }"),
    "Query.myBlog": Probe("{ myBlog { id } }"),
    "Query.blogCommentReports": Probe("{ blogCommentReports { reports } }"),
    "Query.topicCategories": Probe("{ topicCategories { id } }"),
    "Query.whileYouWait": Probe("{ whileYouWait { message centres { id } } }"),
    "Query.topics": Probe("{ topics { edges { node { id } } } }"),
    "Query.topic": Probe('{ topic(id: "999999") { id } }'),
    "Query.postReports": Probe("{ postReports { reports } }"),
    "Query.blogPosts": Probe(
        "query ($author: ID!) { blogPosts(authorId: $author) { id comments { id } } }",
        lambda scene, reader: {"author": scene.users["member"]},
    ),
    "Query.notificationSettings": Probe("{ notificationSettings { emailNews } }"),
    "Query.exportMyData": Probe("{ exportMyData }"),
    "Query.users": Probe('{ users(search: "member") { id } }'),
    "Query.applications": Probe("{ applications(status: SUBMITTED) { id } }"),
    "Query.needs": Probe("{ needs { id } }"),
    "Query.groups": Probe("{ groups { id } }"),
    "Query.myGroups": Probe("{ myGroups { id } }"),
    "Query.group": Probe(in_group("id"), group),
    "Query.myApplications": Probe("{ myApplications { id } }"),
    "Query.application": Probe("query ($id: ID!) { application(id: $id) { id } }", application),
    "Query.applicationsToReview": Probe(
        "query ($group: ID!) { applicationsToReview(groupId: $group) { id } }", group
    ),
    "Query.applicationsToReview [mine]": Probe("{ applicationsToReview { id } }"),
    "Query.myMemberships": Probe("{ myMemberships { id } }"),
    "Query.session": Probe("query ($id: ID!) { session(id: $id) { id } }", ended),
    "Query.transcript": Probe(
        "query ($id: ID!) { transcript(sessionId: $id) { session { id } } }", ended
    ),
    "Query.myTranscripts": Probe("{ myTranscripts { groupId } }"),
    "Query.researchExport": Probe(
        "query ($group: ID!, $since: DateTime!, $until: DateTime!) {"
        " researchExport(groupId: $group, since: $since, until: $until) { week } }",
        research_span,
    ),
    "Query.conversations": Probe(
        "query ($group: ID!) { conversations(groupId: $group) { id } }", group
    ),
    "Query.conversations [shared]": Probe("{ conversations { id } }"),
    "Query.conversation": Probe(CONVERSATION, thread),
    "Query.conversation [before]": Probe(
        CONVERSATION, lambda scene, reader: {"id": scene.earlier_conversation}
    ),
    "Query.conversation [shared]": Probe(CONVERSATION, shared_thread),
    "Query.inbox": Probe("{ inbox { edges { cursor } } }"),
    "Query.safeguardingConcerns": Probe(
        "query ($group: ID!) { safeguardingConcerns(groupId: $group) { id } }", group
    ),
    "Query.safeguardingConcern": Probe(
        "query ($id: ID!) { safeguardingConcern(concernId: $id) { id } }",
        lambda scene, reader: {"id": scene.concern},
    ),
    "Query.breachReports": Probe("{ breachReports { id } }"),
    "Query.auditLog": Probe("{ auditLog { edges { cursor } } }"),
    # Mutations: each refused by its resolver after the permission checks
    "Mutation.register": Probe(
        "mutation ($input: RegisterInput!) { register(input: $input) { message } }",
        lambda scene, reader: {
            "input": {"email": PROBE_EMAIL, "password": "short", "profileName": "Matrix probe"}
        },
        cleanup=forget_sign_in_attempts,
    ),
    "Mutation.login": Probe(
        'mutation ($email: String!) { login(email: $email, password: "not it") { accessToken } }',
        lambda scene, reader: {"email": PROBE_EMAIL},
        resolver_refusal="do not match a profile",
        cleanup=forget_sign_in_attempts,
    ),
    "Mutation.refreshToken": Probe(
        'mutation { refreshToken(token: "not-a-refresh-token") { accessToken } }',
        resolver_refusal="refresh token is not valid",
    ),
    "Mutation.logout": Probe('mutation { logout(refreshToken: "not-a-refresh-token") }'),
    "Mutation.verifyEmail": Probe('mutation { verifyEmail(token: "not-a-token") { accessToken } }'),
    "Mutation.requestPasswordReset": Probe(
        'mutation { requestPasswordReset(email: "not an address") { message } }'
    ),
    "Mutation.resetPassword": Probe(
        'mutation { resetPassword(token: "not-a-token", newPassword: "short") { accessToken } }'
    ),
    "Mutation.changePassword": Probe(
        'mutation { changePassword(current: "not it", new: "short") { accessToken } }'
    ),
    "Mutation.changeEmail": Probe(
        'mutation { changeEmail(newEmail: "not an address", password: "not it") { message } }'
    ),
    "Mutation.confirmEmailChange": Probe(
        'mutation { confirmEmailChange(token: "not-a-token") { message } }'
    ),
    "Mutation.startPasswordReset": Probe(
        'mutation { startPasswordReset(userId: "999999") { message } }'
    ),
    "Mutation.closeProfile": Probe(
        "mutation { closeProfile }", for_real="closing a profile takes no input to refuse"
    ),
    "Mutation.createGroup": Probe(
        'mutation ($facilitator: ID!) { createGroup(input: {name: "No", need: '
        '"Living with cancer", facilitatorId: $facilitator, weekday: MONDAY, '
        'startTime: "19:00:00"}) { id } }',
        lambda scene, reader: {"facilitator": scene.users["facilitator"]},
    ),
    "Mutation.updateGroup": Probe(
        'mutation ($group: ID!) { updateGroup(id: $group, input: {name: "No"}) { id } }', group
    ),
    "Mutation.createNeed": Probe('mutation { createNeed(name: "No") { id } }'),
    "Mutation.applyToGroup": Probe(
        'mutation ($group: ID!) { applyToGroup(groupId: $group, supportSought: "") { id } }',
        group,
    ),
    "Mutation.withdrawApplication": Probe(
        "mutation ($id: ID!) { withdrawApplication(id: $id) { id } }",
        lambda scene, reader: {"id": scene.withdrawn_application},
    ),
    "Mutation.scheduleScreeningCall": Probe(
        "mutation ($id: ID!, $at: DateTime!) {"
        " scheduleScreeningCall(applicationId: $id, at: $at) { id } }",
        lambda scene, reader: {"id": scene.application, "at": PAST},
    ),
    "Mutation.proposeCallTimes": Probe(
        "mutation ($id: ID!, $at: DateTime!) {"
        " proposeCallTimes(applicationId: $id, times: [$at]) { id } }",
        lambda scene, reader: {"id": scene.application, "at": PAST},
    ),
    "Mutation.acceptCallTime": Probe(
        "mutation ($id: ID!, $at: DateTime!) {"
        " acceptCallTime(applicationId: $id, at: $at) { id } }",
        lambda scene, reader: {"id": scene.application, "at": PAST},
    ),
    "Mutation.askForOtherCallTimes": Probe(
        'mutation ($id: ID!) { askForOtherCallTimes(applicationId: $id, note: "") { id } }',
        application,
    ),
    "Mutation.recordScreeningCall": Probe(
        "mutation ($id: ID!) { recordScreeningCall(applicationId: $id, gpConsent: true) { id } }",
        application,
    ),
    "Mutation.recordGpOutcome": Probe(
        "mutation ($id: ID!) {"
        ' recordGpOutcome(applicationId: $id, suitable: false, note: "") { id } }',
        application,
    ),
    "Mutation.declineApplication": Probe(
        'mutation ($id: ID!) { declineApplication(applicationId: $id, reason: "") { id } }',
        application,
    ),
    "Mutation.acceptPlace": Probe(
        "mutation ($id: ID!) { acceptPlace(applicationId: $id) { id } }", application
    ),
    "Mutation.extendMembership": Probe(
        "mutation ($id: ID!) { extendMembership(membershipId: $id) { id } }",
        lambda scene, reader: {"id": scene.memberships["member"]},
    ),
    "Mutation.leaveGroup": Probe(
        "mutation ($id: ID!) { leaveGroup(membershipId: $id) { id } }",
        lambda scene, reader: {"id": scene.memberships["former"]},
    ),
    "Mutation.removeMember": Probe(
        'mutation ($id: ID!) { removeMember(membershipId: $id, reason: "") { id } }',
        lambda scene, reader: {"id": scene.memberships["member"]},
    ),
    "Mutation.addSession": Probe(
        "mutation ($group: ID!, $at: DateTime!) {"
        " addSession(groupId: $group, startsAt: $at) { id } }",
        lambda scene, reader: {"group": scene.group, "at": PAST},
    ),
    "Mutation.cancelSession": Probe(
        "mutation ($id: ID!) { cancelSession(sessionId: $id) { id } }", ended
    ),
    "Mutation.startSession": Probe(
        "mutation ($id: ID!) { startSession(sessionId: $id) { id } }", ended
    ),
    "Mutation.endSession": Probe(
        "mutation ($id: ID!) { endSession(sessionId: $id) { id } }", ended
    ),
    "Mutation.postSessionMessage": Probe(
        'mutation ($id: ID!) { postSessionMessage(sessionId: $id, body: "") { id } }', live
    ),
    "Mutation.redactSessionMessage": Probe(
        'mutation ($id: ID!) { redactSessionMessage(messageId: $id, reason: "") { id } }',
        lambda scene, reader: {"id": scene.ended_message},
    ),
    "Mutation.createSpecialistGroup": Probe(
        'mutation { createSpecialistGroup(name: "", description: "", specialistIds: []) { id } }'
    ),
    "Mutation.askSpecialists": Probe(
        'mutation { askSpecialists(groupId: "1", title: "", body: "") { id } }'
    ),
    "Mutation.answerQuestion": Probe(
        'mutation ($id: ID!) { answerQuestion(questionId: $id, body: "") { id } }',
        lambda scene, reader: {"id": scene.private_question},
    ),
    "Mutation.createTopicCategory": Probe(
        'mutation { createTopicCategory(name: "", description: "") { id } }'
    ),
    "Mutation.startTopic": Probe(
        'mutation { startTopic(categoryId: "999999", title: "", body: "") { id } }'
    ),
    "Mutation.replyToTopic": Probe('mutation { replyToTopic(topicId: "999999", body: "") { id } }'),
    "Mutation.editTopicPost": Probe(
        'mutation { editTopicPost(postId: "999999", body: "") { id } }'
    ),
    "Mutation.reportPost": Probe('mutation { reportPost(postId: "999999", reason: "") }'),
    "Mutation.hideTopicPost": Probe(
        'mutation { hideTopicPost(postId: "999999", reason: "") { id } }'
    ),
    "Mutation.lockTopic": Probe('mutation { lockTopic(topicId: "999999", reason: "") { id } }'),
    "Mutation.writeBlogPost": Probe('mutation { writeBlogPost(title: "", body: "") { id } }'),
    "Mutation.updateBlogPost": Probe(
        'mutation ($id: ID!) { updateBlogPost(id: $id, title: "") { id } }',
        lambda scene, reader: {"id": scene.blog["PRIVATE"]},
    ),
    "Mutation.deleteBlogPost": Probe(
        "mutation ($id: ID!) { deleteBlogPost(id: $id) }",
        lambda scene, reader: {"id": scene.blog["GROUPS"]},
        for_real="deleting an entry has no input to refuse",
    ),
    "Mutation.commentOnBlogPost": Probe(
        'mutation ($id: ID!) { commentOnBlogPost(postId: $id, body: "") { id } }',
        lambda scene, reader: {"id": scene.blog["PUBLIC"]},
    ),
    "Mutation.reportBlogComment": Probe(
        'mutation { reportBlogComment(commentId: "999999", reason: "") }'
    ),
    "Mutation.hideBlogComment": Probe(
        'mutation { hideBlogComment(commentId: "999999", reason: "") { id } }'
    ),
    "Mutation.addCentre": Probe(
        'mutation { addCentre(name: "", address: "", phone: "", openingHours: "") { id } }'
    ),
    "Mutation.updateCentre": Probe('mutation { updateCentre(id: "999999", name: "") { id } }'),
    "Mutation.updateNotificationSettings": Probe(
        "mutation { updateNotificationSettings(input: {}) { emailNews } }"
    ),
    "Mutation.setResearchConsent": Probe(
        "mutation { setResearchConsent(consent: true) { id } }",
        for_real="consent is set to what it already is: there is no input to refuse",
    ),
    "Mutation.startConversation": Probe(START_CONVERSATION, group),
    "Mutation.startConversation [shared]": Probe(
        START_CONVERSATION, lambda scene, reader: {"group": None}
    ),
    "Mutation.replyToConversation": Probe(REPLY_EMPTY, thread),
    "Mutation.replyToConversation [shared]": Probe(REPLY_EMPTY, shared_thread),
    "Mutation.editPost": Probe(
        'mutation ($id: ID!) { editPost(postId: $id, body: "Changed") { id } }', own_hidden_post
    ),
    "Mutation.deletePost": Probe(
        "mutation ($id: ID!) { deletePost(postId: $id) { id } }", own_hidden_post
    ),
    "Mutation.hidePost": Probe(HIDE_POST, lambda scene, reader: {"id": scene.deleted_post}),
    "Mutation.hidePost [shared]": Probe(
        HIDE_POST, lambda scene, reader: {"id": scene.shared_deleted_post}
    ),
    "Mutation.sendPersonalMessage": Probe(
        "mutation ($to: ID!) {"
        ' sendPersonalMessage(toUserId: $to, subject: "", body: "Hello") { id } }',
        lambda scene, reader: {"to": scene.users["manager"]},
    ),
    "Mutation.replyToMessage": Probe(REPLY_TO_MESSAGE, own_message),
    "Mutation.replyToMessage [other]": Probe(REPLY_TO_MESSAGE, bystanders_message),
    "Mutation.markMessageRead": Probe(MARK_READ, own_message),
    "Mutation.markMessageRead [other]": Probe(MARK_READ, bystanders_message),
    "Mutation.reportBreach": Probe(
        'mutation ($group: ID!) { reportBreach(groupId: $group, description: "") { id } }', group
    ),
    "Mutation.acknowledgeBreachReport": Probe(
        'mutation ($id: ID!) { acknowledgeBreachReport(reportId: $id, note: "") { id } }',
        lambda scene, reader: {"id": scene.breach_report},
    ),
    "Mutation.resolveBreachReport": Probe(
        'mutation ($id: ID!) { resolveBreachReport(reportId: $id, note: "") { id } }',
        lambda scene, reader: {"id": scene.breach_report},
    ),
    "Mutation.raiseSafeguardingConcern": Probe(
        "mutation ($member: ID!, $group: ID!) { raiseSafeguardingConcern(memberId: $member,"
        ' groupId: $group, severity: LOW, summary: "") { id } }',
        lambda scene, reader: {"member": scene.users["member"], "group": scene.group},
    ),
    "Mutation.updateSafeguardingConcern": Probe(
        "mutation ($id: ID!) { updateSafeguardingConcern(concernId: $id, update: {}) { id } }",
        lambda scene, reader: {"id": scene.concern},
    ),
    # Subscriptions
    "Subscription.sessionMessages": Probe(
        "subscription ($id: ID!) { sessionMessages(sessionId: $id) { sequence } }", live
    ),
    "Subscription.sessionPresence": Probe(
        "subscription ($id: ID!) { sessionPresence(sessionId: $id) { present { id } } }", live
    ),
    "Subscription.applicationUpdates": Probe("subscription { applicationUpdates { id } }"),
    "Subscription.conversationPosts": Probe(CONVERSATION_POSTS, thread),
    "Subscription.conversationPosts [before]": Probe(
        CONVERSATION_POSTS, lambda scene, reader: {"id": scene.earlier_conversation}
    ),
    "Subscription.conversationPosts [shared]": Probe(CONVERSATION_POSTS, shared_thread),
    "Subscription.inbox": Probe("subscription { inbox { id } }"),
    "Subscription.topicPosts": Probe('subscription { topicPosts(topicId: "999999") { id } }'),
    "Subscription.events": Probe("subscription { events { type } }"),
    # Guarded fields of other types
    "Application.gpDetails": Probe(
        "query ($id: ID!) { application(id: $id) { gpDetails { gpName } } }", application
    ),
    "Application.phone": Probe("query ($id: ID!) { application(id: $id) { phone } }", application),
    "Application.suitableTimes": Probe(
        "query ($id: ID!) { application(id: $id) { suitableTimes } }", application
    ),
    "Application.proposedCallTimes": Probe(
        "query ($id: ID!) { application(id: $id) { proposedCallTimes } }", application
    ),
    "BlogPost.toAsk": Probe(
        "query ($author: ID!) { blogPosts(authorId: $author) { toAsk } }",
        lambda scene, reader: {"author": scene.users["member"]},
    ),
    "Application.screeningNotes": Probe(
        "query ($id: ID!) { application(id: $id) { screeningNotes } }", application
    ),
    "Group.sessions": Probe(in_group("sessions { id }"), group),
    "Group.members": Probe(in_group("members { id }"), group),
    "User.email": Probe("{ me { email } }"),
    "User.email [other]": Probe(in_group("facilitator { email }"), bystander),
    "User.unreadCount": Probe("{ me { unreadCount } }"),
    "User.unreadCount [other]": Probe(in_group("facilitator { unreadCount }"), bystander),
    "User.researchConsent": Probe("{ me { researchConsent } }"),
    "User.researchConsent [other]": Probe(in_group("facilitator { researchConsent }"), bystander),
    "User.bpsRegistrationNumber": Probe("{ me { bpsRegistrationNumber } }"),
    "User.bpsRegistrationNumber [other]": Probe(
        in_group("facilitator { bpsRegistrationNumber }"), bystander
    ),
}
