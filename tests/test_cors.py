"""CORS: web clients on the configured origins call over HTTP; pages anywhere else do not."""

from __future__ import annotations

import pytest

from tests.conftest import PRODUCTION_ENV, TEST_ENV, another_server

ALLOWED = TEST_ENV["HAVEN_ALLOWED_ORIGINS"]
ELSEWHERE = "https://evil.example"
ME = {"query": "{ me { id } }"}


def preflight(origin: str, method: str = "POST", headers: str = "authorization, content-type"):
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_a_preflight_from_the_configured_origin_is_answered(http):
    answered = await http.options("/graphql", headers=preflight(ALLOWED))

    assert answered.status_code == 200
    assert answered.headers["access-control-allow-origin"] == ALLOWED
    methods = answered.headers["access-control-allow-methods"].split(", ")
    assert set(methods) == {"GET", "POST"}
    headers = answered.headers["access-control-allow-headers"].lower().split(", ")
    assert {"authorization", "content-type"} <= set(headers)
    assert int(answered.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in answered.headers


async def test_a_preflight_from_another_origin_is_refused(http):
    refused = await http.options("/graphql", headers=preflight(ELSEWHERE))

    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize(
    ("method", "headers"),
    [("DELETE", "content-type"), ("PUT", "content-type"), ("POST", "x-api-key")],
)
async def test_a_preflight_for_another_method_or_header_is_refused(http, method, headers):
    refused = await http.options("/graphql", headers=preflight(ALLOWED, method, headers))

    assert refused.status_code == 400


async def test_a_post_carries_the_origin_only_back_to_the_configured_one(http):
    from_app = await http.post("/graphql", json=ME, headers={"Origin": ALLOWED})
    from_elsewhere = await http.post("/graphql", json=ME, headers={"Origin": ELSEWHERE})

    assert from_app.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-origin" not in from_elsewhere.headers
    assert "origin" in from_elsewhere.headers["vary"].lower()


async def test_production_admits_post_only(settings):
    async with another_server(settings, **PRODUCTION_ENV) as client:
        post = await client.options("/graphql", headers=preflight(ALLOWED, "POST"))
        get = await client.options("/graphql", headers=preflight(ALLOWED, "GET"))

    assert post.status_code == 200
    assert post.headers["access-control-allow-methods"] == "POST"
    assert get.status_code == 400
