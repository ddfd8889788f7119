"""Abuse limits and the shape of errors: what a hostile or careless client runs into."""

from __future__ import annotations

import json

import httpx
import pytest
import strawberry
from strawberry.tools import merge_types

import schema as schema_module
from app import create_app
from auth.identity import ANONYMOUS
from auth.permissions import public
from auth.tokens import issue_access_token
from models import Role
from schema import MAX_ALIASES, MAX_DEPTH, build_schema
from schema.context import Context
from schema.errors import HavenSchema
from schema.extensions import MAX_DIRECTIVES
from settings import load_settings
from tests.conftest import PRODUCTION_ENV, TEST_ENV

INTROSPECTION = "{ __schema { queryType { name } } }"


def code(result: dict) -> str:
    return result["errors"][0]["extensions"]["code"]


@strawberry.type
class Node:
    @strawberry.field
    def child(self) -> Node:
        return Node()


@strawberry.type
class Recursive:
    @strawberry.field(extensions=public())
    def node(self) -> Node:
        return Node()


async def test_deep_queries_are_refused(settings, monkeypatch):
    # Haven's own types nest only a few levels today, so go through a recursive one.
    monkeypatch.setattr(
        schema_module, "Query", merge_types("Query", (schema_module.Query, Recursive))
    )
    schema = build_schema(settings)
    context = Context(None, settings, ANONYMOUS)

    def nested(levels: int) -> str:
        return "{ node " + "{ child " * levels + "{ __typename }" + " }" * levels + " }"

    shallow = await schema.execute(nested(MAX_DEPTH - 2), context_value=context)
    deep = await schema.execute(nested(MAX_DEPTH + 1), context_value=context)

    assert shallow.errors is None
    assert "exceeds maximum operation depth" in deep.errors[0].message


async def test_too_many_aliases_are_refused(gql):
    query = "{ " + " ".join(f"a{i}: needs {{ id }}" for i in range(MAX_ALIASES + 1)) + " }"

    result = await gql(query)

    assert "aliases" in result["errors"][0]["message"].lower()
    assert "data" not in result or result["data"] is None


async def test_too_many_directives_are_refused(gql):
    fields = " ".join(f"f{i}: id @include(if: true)" for i in range(MAX_DIRECTIVES + 1))
    query = "{ needs { " + fields + " } }"

    result = await gql(query)

    assert f"at most {MAX_DIRECTIVES} directives" in result["errors"][0]["message"]


async def test_too_many_tokens_are_refused(gql):
    query = "{ " + "needs { id } " * 700 + "}"

    result = await gql(query)

    assert "token" in result["errors"][0]["message"].lower()


async def test_a_body_over_64_kib_is_refused(http):
    body = json.dumps({"query": "{ needs { id } }", "padding": "x" * 70_000})

    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_a_streamed_body_over_64_kib_is_refused(http):
    async def chunks():
        yield b'{"query": "{ needs { id } }", "padding": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_batched_operations_are_refused(http):
    response = await http.post("/graphql", json=[{"query": "{ needs { id } }"}] * 2)

    assert response.status_code == 400


async def test_mutations_are_refused_over_get(http):
    response = await http.get("/graphql", params={"query": "mutation { logout }"})

    assert response.status_code in (400, 405)


async def test_bad_syntax_is_a_validation_error(gql):
    result = await gql("{ needs { ")

    assert code(result) == "GRAPHQL_VALIDATION_FAILED"


async def test_a_malformed_id_is_bad_user_input(gql):
    result = await gql('{ group(id: "1 OR 1=1") { name } }')

    assert code(result) == "BAD_USER_INPUT"


async def test_unexpected_errors_are_masked():
    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> str:
            raise RuntimeError('relation "users" column password_hash: SELECT * FROM users')

    schema = HavenSchema(query=Query)

    result = await schema.execute("{ broken }")

    assert [e.formatted for e in result.errors] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["broken"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]


@pytest.fixture
async def production(settings):
    prod = load_settings(
        {
            **TEST_ENV,
            **PRODUCTION_ENV,
            "DATABASE_URL": settings.database_url,
        }
    )
    transport = httpx.ASGITransport(app=create_app(prod))
    async with httpx.AsyncClient(transport=transport, base_url="http://haven") as client:
        yield client, prod


async def post(client, query, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return (await client.post("/graphql", json={"query": query}, headers=headers)).json()


async def test_production_answers_introspection_for_staff_only(production, person):
    client, prod = production
    member = await person()
    facilitator = await person(Role.FACILITATOR)

    anonymous = await post(client, INTROSPECTION)
    as_member = await post(client, INTROSPECTION, issue_access_token(prod, member.user))
    as_staff = await post(client, INTROSPECTION, issue_access_token(prod, facilitator.user))

    assert "introspection" in anonymous["errors"][0]["message"].lower()
    assert "introspection" in as_member["errors"][0]["message"].lower()
    assert as_staff == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_production_suggests_no_field_names_to_anonymous_clients(production, gql):
    client, _ = production

    in_production = await post(client, "{ grups { name } }")
    in_development = await gql("{ grups { name } }")

    assert "Did you mean" not in in_production["errors"][0]["message"]
    assert "Did you mean" in in_development["errors"][0]["message"]


async def test_production_suggests_no_enum_values_in_variables(production):
    client, _ = production
    query = 'mutation ($input: UpdateGroupInput!) { updateGroup(id: "1", input: $input) { id } }'
    variables = {"input": {"weekday": "MONDAYY"}}

    response = await client.post("/graphql", json={"query": query, "variables": variables})

    message = response.json()["errors"][0]["message"]
    assert "MONDAYY" in message
    assert "Did you mean" not in message


async def test_production_takes_operations_only_as_json_posts(production):
    client, _ = production

    get = await client.get("/graphql", params={"query": "{ needs { id } }"})
    form = await client.post("/graphql", data={"query": "{ needs { id } }"})
    json_post = await client.post("/graphql", json={"query": "{ needs { id } }"})

    assert get.status_code in (400, 405)
    assert form.status_code in (400, 415)
    assert json_post.json() == {"data": {"needs": []}}
