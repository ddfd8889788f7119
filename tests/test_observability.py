"""What an operator sees: request ids on every answer, one log line per operation, and
nothing personal in any line, read from a real ``haven serve`` process's own output."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import websockets

from models import GroupSession, Role
from observe import requests
from observe.logs import WithRequestId
from tests.conftest import PASSWORD, TEST_ENV, GraphQLClient, another_server, join, make_group
from tests.live import PROTOCOL, LiveClient
from tests.mailbox import free_port
from tests.test_scale_out import wait_ready
from tests.workflow import GP, code, data, screen

ME = "query WhoAmI { me { profileName } }"
LOGIN = """
mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken }
}"""
APPLY = """
mutation Apply($group: ID!, $support: String!, $phone: String) {
  applyToGroup(groupId: $group, supportSought: $support, phone: $phone) { id }
}"""
FOLLOW = """
subscription Follow($session: ID!) { sessionMessages(sessionId: $session) { body } }"""
SAY = """
mutation Say($session: ID!, $body: String!) {
  postSessionMessage(sessionId: $session, body: $body) { sequence }
}"""
WRITE = """
mutation Write($to: ID!, $body: String!) {
  sendPersonalMessage(toUserId: $to, subject: "A word", body: $body) { id }
}"""
RESET = "mutation Forgot($email: String!) { requestPasswordReset(email: $email) { message } }"


# --- Request ids --------------------------------------------------------------------------


async def test_every_answer_carries_a_request_id_of_its_own(http):
    first = await http.post("/graphql", json={"query": "{ needs { name } }"})
    second = await http.get("/healthz")
    claimed = await http.get("/healthz", headers={"X-Request-ID": "chosen-by-the-client"})

    ids = [r.headers["x-request-id"] for r in (first, second, claimed)]
    assert all(len(i) == 32 for i in ids)
    assert len(set(ids)) == 3
    # Only a trusted proxy may name the request: a client's own word is not taken
    assert claimed.headers["x-request-id"] != "chosen-by-the-client"


async def test_a_trusted_proxy_names_the_request(settings):
    async with another_server(settings, HAVEN_TRUSTED_PROXIES="127.0.0.1/32") as proxied:
        answer = await proxied.get("/healthz", headers={"X-Request-ID": "edge-4f2a"})
        unfit = await proxied.get("/healthz", headers={"X-Request-ID": "no spaces, please"})

    assert answer.headers["x-request-id"] == "edge-4f2a"
    assert unfit.headers["x-request-id"] != "no spaces, please"


# --- One line per operation --------------------------------------------------------------------


@pytest.fixture
def operation_log(caplog) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="haven.operations")
    caplog.handler.addFilter(WithRequestId())
    return caplog


async def test_one_line_per_operation_over_http_and_websocket(
    server, http, gql, person, operation_log
):
    # Given a member, signed in
    member = await person()

    # When she asks over HTTP, is refused something, and follows her inbox over a socket
    answer = await http.post(
        "/graphql",
        json={"query": ME, "operationName": "WhoAmI"},
        headers={"Authorization": f"Bearer {member.token}"},
    )
    refused = await gql("query Audit { auditLog { edges { node { id } } } }", token=member.token)
    live = await LiveClient.connect(server.ws_url, member.token)
    stream = await live.subscribe("subscription MyInbox { inbox { subject } }")
    assert await live.nothing_for(stream, 0.2)
    await live.close()
    await asyncio.sleep(0.2)  # the socket's end reaches the server

    # Then each operation has its line: name, type, duration, codes, who, request id
    records = operation_log.records
    lines = {r.operation: r for r in records if r.name == "haven.operations"}
    assert code(refused) == "FORBIDDEN"
    asked = lines["WhoAmI"]
    assert asked.operation_type == "query"
    assert asked.codes == []
    assert asked.viewer == f"user:{member.id}"
    assert asked.request_id == answer.headers["x-request-id"]
    assert asked.duration_ms >= 0
    assert lines["Audit"].codes == ["FORBIDDEN"]
    assert lines["MyInbox"].operation_type == "subscription"
    assert lines["MyInbox"].viewer == f"user:{member.id}"
    assert lines["MyInbox"].request_id is not None


# --- Nothing personal in any line ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def haven_serve(settings, log: Path, **environ: str) -> AsyncIterator[str]:
    """``haven serve`` in a process of its own on the tests' database, its output in ``log``."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROADCAST_URL")},
        **TEST_ENV,
        "DATABASE_URL": settings.database_url,
        "BROADCAST_URL": settings.broadcast_url,
        "MAIL_DIR": str(log.parent / "mail"),
        **environ,
    }
    haven = str(Path(sys.executable).parent / "haven")
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            haven, "serve", "--port", str(port), env=env, stdout=output, stderr=output
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url)
        yield url
    finally:
        process.terminate()
        await process.wait()


async def test_no_log_line_holds_anything_personal(settings, person, tmp_path):
    # Given a member, an applicant and a facilitator with a group, a live session
    facilitator = await person(Role.FACILITATOR, name="Dr Imogen Pryce")
    member = await person(name="Rosalind Quayle")
    applicant = await person(name="Tobias Wren")
    group = await make_group(facilitator, name="Thursday circle")
    await join(group, member)
    session = await GroupSession.create(
        group=group, starts_at=datetime.now(UTC) + timedelta(minutes=5), one_off=True
    )
    secrets = {
        member.user.email,
        applicant.user.email,
        facilitator.user.email,
        PASSWORD,
        "Rosalind Quayle",
        "Tobias Wren",
        "My husband does not know yet",
        "I am frightened of the scan",
        "Only you know this",
        "0113 496 0777",
        *GP.values(),
        member.token,
    }

    # When the whole of a week goes through a server that writes JSON lines
    log = tmp_path / "haven.log"
    async with (
        haven_serve(settings, log, LOG_FORMAT="json") as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        gql = GraphQLClient(http)
        signed_in = await gql(LOGIN, {"email": member.user.email, "password": PASSWORD})
        await gql(LOGIN, {"email": applicant.user.email, "password": "a wrong guess"})
        secrets.add(data(signed_in, "login")["accessToken"])
        applied = await gql(
            APPLY,
            {
                "group": str(group.id),
                "support": "My husband does not know yet",
                "phone": "0113 496 0777",
            },
            token=applicant.token,
        )
        await screen(gql, facilitator, data(applied, "applyToGroup")["id"])
        await gql(
            "mutation Start($s: ID!) { startSession(sessionId: $s) { status } }",
            {"s": str(session.id)},
            token=facilitator.token,
        )
        live = await LiveClient.connect(url.replace("http", "ws") + "/graphql", member.token)
        stream = await live.subscribe(FOLLOW, {"session": str(session.id)})
        said = await gql(
            SAY, {"session": str(session.id), "body": "I am frightened of the scan"}, member.token
        )
        assert data(said, "postSessionMessage")["sequence"] == 1
        assert await live.data(stream, "sessionMessages") == {"body": "I am frightened of the scan"}
        await live.close()
        await gql(WRITE, {"to": facilitator.id, "body": "Only you know this"}, member.token)
        await gql(RESET, {"email": member.user.email})
        await gql(SAY, {"session": "not-an-id", "body": "Only you know this"}, member.token)

    # Then every line is JSON, each operation has one, and none holds a secret
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    operations = [line for line in lines if line["logger"] == "haven.operations"]
    assert {"SignIn", "Apply", "Start", "Follow", "Say", "Write", "Forgot"} <= {
        line["operation"] for line in operations
    }
    assert all(line["request_id"] for line in operations)
    for secret in secrets:
        assert secret not in text, f"{secret!r} is in the log"


async def test_a_socket_is_told_its_request_id_in_the_handshake(server):
    async with websockets.connect(server.ws_url, subprotocols=[PROTOCOL]) as socket:
        answered = socket.response.headers.get("x-request-id")

    assert answered is not None
    assert len(answered) == 32


def test_a_forked_worker_names_its_requests_apart_from_its_parent():
    # Given a process that has named requests, then forks (a server that preloads)
    parent = requests.new_id()
    read, write = os.pipe()

    # When the child names one
    child_pid = os.fork()
    if child_pid == 0:
        os.write(write, requests.new_id().encode())
        os._exit(0)
    os.waitpid(child_pid, 0)
    child = os.read(read, 64).decode()

    # Then its ids cannot be the parent's: another prefix, counted afresh
    assert len(child) == len(parent) == 32
    assert child[:16] != parent[:16]
    assert child[16:] == f"{1:016x}"
