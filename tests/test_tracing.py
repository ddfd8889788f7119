"""Tracing: spans for requests, operations, SQL and Redis, and nothing personal in any."""

from __future__ import annotations

import json

import httpx
import pytest

opentelemetry = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")

from app import create_app, serving  # noqa: E402
from models import Role  # noqa: E402
from observe.tracing import stop_tracing  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402
from tests.workflow import data  # noqa: E402

LOGIN = """
mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken }
}"""
WRITE = """
mutation Write($to: ID!) {
  sendPersonalMessage(toUserId: $to, subject: "Hello", body: "My scan came back clear") { id }
}"""


async def test_spans_cover_a_request_without_anything_personal(server, person):
    # Given a second Haven that makes spans into memory, beside the tests' own
    exporter = opentelemetry.InMemorySpanExporter()
    app = create_app(server.settings, span_exporter=exporter)
    member, manager = await person(name="Harriet Vane"), await person(Role.ONLINE_MANAGER)

    # When a member signs in, and writes a message with the text written in the document
    try:
        async with serving(app, lifespan=False) as url, httpx.AsyncClient(base_url=url) as http:
            signed_in = await http.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"email": member.user.email, "password": PASSWORD},
                },
            )
            token = data(signed_in.json(), "login")["accessToken"]
            wrote = await http.post(
                "/graphql?utm=someone@example.org",
                json={"query": WRITE, "variables": {"to": manager.id}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert data(wrote.json(), "sendPersonalMessage")["id"]
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
