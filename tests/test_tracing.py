"""Tracing: spans for requests, operations, SQL and Redis, and nothing personal in any."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

opentelemetry = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")

from app import create_app, serving  # noqa: E402
from models import Role  # noqa: E402
from observe.tracing import stop_tracing  # noqa: E402
from tests.conftest import PASSWORD, TEST_ENV  # noqa: E402
from tests.mailbox import free_port  # noqa: E402
from tests.test_scale_out import wait_ready  # noqa: E402
from tests.workflow import data  # noqa: E402

LOGIN = """
mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken }
}"""
WRITE = """
mutation Write($to: ID!) {
  sendPersonalMessage(toUserId: $to, subject: "Hello", body: "My scan came back clear") { id }
}"""


async def sign_in_and_write(http: httpx.AsyncClient, member, manager, query: str = "") -> str:
    """The member signs in with her password and writes to the manager; her token."""
    signed_in = await http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"email": member.user.email, "password": PASSWORD}},
    )
    token = data(signed_in.json(), "login")["accessToken"]
    wrote = await http.post(
        f"/graphql{query}",
        json={"query": WRITE, "variables": {"to": manager.id}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert data(wrote.json(), "sendPersonalMessage")["id"]
    return token


async def test_spans_cover_a_request_without_anything_personal(server, person):
    # Given a second Haven that makes spans into memory, beside the tests' own
    exporter = opentelemetry.InMemorySpanExporter()
    app = create_app(server.settings, span_exporter=exporter)
    member, manager = await person(name="Harriet Vane"), await person(Role.ONLINE_MANAGER)

    # When a member signs in, and writes a message with the text written in the document
    try:
        async with serving(app, lifespan=False) as url, httpx.AsyncClient(base_url=url) as http:
            token = await sign_in_and_write(http, member, manager, "?utm=someone@example.org")
            # An operation named with free text, and one whose error names a value
            await http.post(
                "/graphql",
                json={"query": "query Q { me { id } }", "operationName": "Harriet's secret"},
            )
            await http.post(
                "/graphql",
                json={"query": 'query Missing { groups(need: "Harriet-need") { id } }'},
            )
        app.state.traced.force_flush()
        spans = exporter.get_finished_spans()
    finally:
        stop_tracing(app.state.traced)

    # Then there are spans for the requests, the operations and the SQL they ran
    names = [span.name for span in spans]
    assert any(name.startswith("GraphQL Query: SignIn") for name in names)
    assert any(name.startswith("GraphQL Query: Write") for name in names)
    systems = {span.attributes.get("db.system") for span in spans}
    if server.settings.database_url.startswith("postgres"):
        assert "postgresql" in systems, names
    if server.settings.broadcast_url.startswith("redis"):
        assert "redis" in systems, names
    # And not one attribute of any span holds a value of hers or a secret
    seen = [
        {
            "name": span.name,
            **dict(span.attributes or {}),
            "events": [dict(e.attributes or {}) for e in span.events],
        }
        for span in spans
    ]
    text = json.dumps(seen, default=str)
    for secret in (
        member.user.email,
        PASSWORD,
        "My scan came back clear",
        token,
        "someone@",
        "Harriet",
    ):
        assert secret not in text


async def test_haven_serve_sends_its_spans_to_the_collector_it_is_named(server, person, tmp_path):
    # Given an OpenTelemetry collector (OTLP over HTTP) on this machine
    received: list[bytes] = []

    async def traces(request: Request) -> Response:
        received.append(await request.body())
        return Response(b"", media_type="application/x-protobuf")

    collector = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
    member, manager = await person(name="Harriet Vane"), await person(Role.ONLINE_MANAGER)
    async with serving(collector, lifespan=False) as collector_url:
        # And `haven serve` told of it only by OTEL_EXPORTER_OTLP_ENDPOINT
        port = free_port()
        environ = {
            **os.environ,
            **TEST_ENV,
            "DATABASE_URL": server.settings.database_url,
            "BROADCAST_URL": server.settings.broadcast_url,
            "MAIL_DIR": str(tmp_path / "mail"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # milliseconds between exports
        }
        haven = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "haven"),
            "serve",
            "--port",
            str(port),
            env=environ,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(url)

            # When a member signs in and writes a message
            async with httpx.AsyncClient(base_url=url) as http:
                token = await sign_in_and_write(http, member, manager)

            # Then the collector receives the spans of both operations
            names: set[str] = set()
            for _ in range(100):
                names = {span.name for span in exported_spans(received)}
                if "GraphQL Query: Write" in names:
                    break
                await asyncio.sleep(0.1)
        finally:
            haven.terminate()
            await haven.wait()

    assert {"GraphQL Query: SignIn", "GraphQL Query: Write"} <= names
    # And nothing they carry holds a value of hers or a secret
    sent = b"".join(received)
    for secret in (member.user.email, PASSWORD, "My scan came back clear", token, "Harriet"):
        assert secret.encode() not in sent


def exported_spans(bodies: list[bytes]) -> list[Any]:
    """The spans in OTLP export requests, as the collector decodes them."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    return [
        span
        for body in bodies
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
