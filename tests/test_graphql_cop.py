"""graphql-cop's checks, asked of a production server over the wire.

graphql-cop is the security auditor the review ran; each test here sends the request
one of its checks sends and asserts the answer it would count as safe. Only its LOW
finding stays on purpose: GraphiQL is served, for the facilitators.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import PRODUCTION_ENV, another_server


@pytest.fixture
async def production(settings):
    async with another_server(settings, **PRODUCTION_ENV) as client:
        yield client


async def post(client: httpx.AsyncClient, query: str) -> dict:
    return (await client.post("/graphql", json={"query": query})).json()


async def test_alias_overloading_is_refused(production):
    aliases = " ".join(f"alias{n}: __typename" for n in range(101))

    answer = await post(production, "query cop { " + aliases + " }")

    assert not answer.get("data")


async def test_array_batching_is_refused(production):
    batch = [{"query": "query cop { __typename }"}] * 10

    response = await production.post("/graphql", json=batch)

    assert response.status_code == 400
    assert "__typename" not in response.text


async def test_directive_overloading_gets_one_error(production):
    answer = await post(production, "query cop { __typename" + " @aa" * 10 + " }")

    assert len(answer["errors"]) == 1


async def test_no_field_suggestions(production):
    answer = await post(production, "query cop { __schema { directive } }")

    assert "Did you mean" not in json.dumps(answer)


async def test_no_queries_over_get(production):
    response = await production.get("/graphql", params={"query": "query cop { __typename }"})

    assert response.status_code >= 400
    assert "__typename" not in response.text


async def test_no_mutations_over_get(production):
    query = 'mutation cop { logout(refreshToken: "x") }'

    response = await production.get("/graphql", params={"query": query})

    assert response.status_code >= 400


async def test_no_url_encoded_posts(production):
    response = await production.post("/graphql", data={"query": "query cop { __typename }"})

    assert response.status_code >= 400


@pytest.mark.parametrize(
    "query",
    [
        "query cop { __schema { types { name fields { name } } } }",
        "query cop { __schema { types { fields { type { fields { type { fields { type {"
        " fields { type { name } } } } } } } } } } }",
    ],
)
async def test_no_introspection_for_anonymous_clients(production, query):
    answer = await post(production, query)

    assert not answer.get("data")


async def test_no_tracing_and_no_exceptions_in_errors(production):
    answers = [
        await post(production, "query cop { __typename }"),
        await post(production, "qwerty cop { abc }"),
    ]

    for answer in answers:
        extensions = [error.get("extensions", {}) for error in answer.get("errors", [])]
        assert "tracing" not in json.dumps(answer.get("extensions", {}))
        assert all("exception" not in e and "tracing" not in e for e in extensions)


async def test_graphiql_stays_for_the_facilitators(production):
    response = await production.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
