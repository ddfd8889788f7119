"""X-Forwarded-For names the client only when a proxy the operator trusts wrote it."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import httpx
import pytest

from auth.addresses import client_address
from models import SignInAttempt
from tests.conftest import another_server

LOGIN = """
mutation ($email: String!) { login(email: $email, password: "not the password") { accessToken } }
"""
PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ff::/48"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        pytest.param("203.0.113.7", [], "203.0.113.7", id="direct"),
        pytest.param("203.0.113.7", ["198.51.100.1"], "203.0.113.7", id="untrusted-peer-says"),
        pytest.param("10.0.0.2", [], "10.0.0.2", id="proxy-forwards-nothing"),
        pytest.param("10.0.0.2", ["203.0.113.7"], "203.0.113.7", id="through-a-proxy"),
        pytest.param(
            "10.0.0.2", ["198.51.100.1, 203.0.113.7"], "203.0.113.7", id="client-made-up-more"
        ),
        pytest.param(
            "10.0.0.2", ["203.0.113.7, 10.9.9.9"], "203.0.113.7", id="through-two-proxies"
        ),
        pytest.param(
            "10.0.0.2", ["198.51.100.1", "203.0.113.7"], "203.0.113.7", id="several-headers"
        ),
        pytest.param("10.0.0.2", ["10.1.1.1, 10.2.2.2"], "10.0.0.2", id="only-proxies"),
        pytest.param("10.0.0.2", ["198.51.100.1, garbage"], "10.0.0.2", id="malformed-nearest"),
        pytest.param("10.0.0.2", ["garbage, 203.0.113.7"], "203.0.113.7", id="malformed-beyond"),
        pytest.param("10.0.0.2", ["203.0.113.7:4711"], "203.0.113.7", id="with-a-port"),
        pytest.param("10.0.0.2", ["[2001:db8::7]:4711"], "2001:db8::7", id="ipv6-with-a-port"),
        pytest.param("2001:db8:ff::2", ["2001:db8::7"], "2001:db8::7", id="ipv6-proxy"),
        pytest.param("::ffff:10.0.0.2", ["203.0.113.7"], "203.0.113.7", id="ipv4-mapped-peer"),
        pytest.param(None, ["203.0.113.7"], "unknown", id="no-peer"),
    ],
)
def test_the_client_is_the_first_address_no_trusted_proxy_wrote(peer, forwarded_for, client):
    assert client_address(peer, forwarded_for, PROXIES) == client


def test_with_no_trusted_proxies_the_peer_is_the_client():
    assert client_address("127.0.0.1", ["203.0.113.7"], ()) == "127.0.0.1"


async def fail_sign_ins(http: httpx.AsyncClient, forwarded_for: list[str]) -> list[str]:
    """Fail one sign-in per ``X-Forwarded-For`` value; return the addresses Haven recorded."""
    for n, value in enumerate(forwarded_for):
        response = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"email": f"guess{n}@example.org"}},
            headers={"X-Forwarded-For": value},
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return await SignInAttempt.all().order_by("id").values_list("address", flat=True)


async def test_a_client_on_loopback_cannot_pick_its_address(http):
    rotating = ["203.0.113.1", "203.0.113.2", "198.51.100.3, 203.0.113.4"]

    recorded = await fail_sign_ins(http, rotating)

    assert recorded == ["127.0.0.1"] * len(rotating)


@pytest.fixture
async def behind_a_proxy(settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second server, trusting the loopback proxy, on the session's database and hub."""
    async with another_server(settings, HAVEN_TRUSTED_PROXIES="127.0.0.1") as client:
        yield client


async def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(behind_a_proxy):
    recorded = await fail_sign_ins(
        behind_a_proxy, ["203.0.113.1", "198.51.100.9, 203.0.113.2", "203.0.113.3, 127.0.0.1"]
    )

    assert recorded == ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
