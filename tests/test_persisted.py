"""Documents sent by their hash (Apollo's persisted queries), and the apps' own documents
as the only ones others may run (trusted documents)."""

from __future__ import annotations

import hashlib
import json

from auth.integrations import create_integration
from models import Role
from tests.conftest import another_server
from tests.live import LiveClient
from tests.workflow import code, data

NEEDS = "query Needs { needs { name } }"
NEEDS_HASH = hashlib.sha256(NEEDS.encode()).hexdigest()


def by_hash(sha: str, query: str | None = None) -> dict:
    body: dict = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    if query is not None:
        body["query"] = query
    return body


async def test_a_query_is_sent_by_its_hash_once_the_server_has_it(http):
    # When a client sends only the hash of a query this process has not seen
    unknown = (await http.post("/graphql", json=by_hash(NEEDS_HASH))).json()
    # Then it is asked for the text; sent with it, the query runs and is kept
    given = (await http.post("/graphql", json=by_hash(NEEDS_HASH, NEEDS))).json()
    again = (await http.post("/graphql", json=by_hash(NEEDS_HASH))).json()
    wrong = (await http.post("/graphql", json=by_hash("0" * 64, NEEDS))).json()

    assert code(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert isinstance(data(given, "needs"), list)
    assert again == given
    assert code(wrong) == "BAD_USER_INPUT"


async def test_only_the_apps_documents_run_for_anyone_but_staff(settings, tmp_path, person):
    # Given a production-like server that knows the documents the apps ship
    shipped = tmp_path / "documents.json"
    shipped.write_text(json.dumps({NEEDS_HASH: NEEDS}))
    member, facilitator = await person(), await person(Role.FACILITATOR)
    other = "query Other { needs { description } }"

    async with another_server(settings, HAVEN_TRUSTED_DOCUMENTS=str(shipped)) as app:

        async def run(query: str, token: str | None = None) -> dict:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return (await app.post("/graphql", json={"query": query}, headers=headers)).json()

        # When a member runs a shipped document, then another; and a facilitator the other
        shipped_one = await run(NEEDS, member.token)
        refused = await run(other, member.token)
        anonymous = await run(other)
        staff = await run(other, facilitator.token)
        signing_in = await run(
            'mutation SignIn { login(email: "x@example.org", password: "not it") { accessToken } }'
        )
        # And a member subscribes over a socket with a document not shipped
        url = str(app.base_url).replace("http", "ws").rstrip("/") + "/graphql"
        live = await LiveClient.connect(url, member.token)
        stream = await live.subscribe("subscription { inbox { subject } }")
        socket_refusal = await live.refusal(stream)
        await live.close()
        # And an integration follows its events, as its own client writes them
        _, token = await create_integration("warehouse", ["events:read"])
        system = await LiveClient.connect(url, token)
        events = await system.subscribe("subscription { events { id } }")
        system_heard_nothing_refused = await system.nothing_for(events, 0.5)
        await system.close()

    # Then only what the apps ship runs for her, staff keep their GraphiQL
    assert isinstance(data(shipped_one, "needs"), list)
    assert code(refused) == "FORBIDDEN"
    assert code(anonymous) == "FORBIDDEN"
    assert isinstance(data(staff, "needs"), list)
    assert socket_refusal == "FORBIDDEN"
    assert code(signing_in) == "UNAUTHENTICATED"  # asked, and answered: not forbidden
    assert system_heard_nothing_refused
