"""Where a request comes from: the peer, or the client behind the proxies the operator trusts.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far
as it was appended by proxies named in ``HAVEN_TRUSTED_PROXIES``. Read from the right, each
trusted hop vouches for the entry to its left; the first entry no trusted proxy wrote
about itself is the client. Anything further left is the client's own words: a client that
rotates it must still count as one address, or a per-address limit limits nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from settings import Network

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then who it forwarded.

    ``forwarded_for`` holds every ``X-Forwarded-For`` header value, in the order received.
    A malformed entry ends the walk at the peer: what lies beyond it was written by
    someone no trusted proxy vouched for.
    """
    if peer is None:
        return UNKNOWN
    peer_address = parse_address(peer)
    if peer_address is None or not is_trusted(peer_address, trusted):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            return peer
        if not is_trusted(address, trusted):
            return str(address)
    return peer  # every hop a trusted proxy: no client named, so count the peer


def is_trusted(address: IPAddress, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it: ``203.0.113.7``, ``203.0.113.7:4711``, ``[2001:db8::1]``,
    ``[2001:db8::1]:4711`` or ``2001:db8::1``; ``None`` for anything else."""
    text = text.strip()
    if text.startswith("["):
        text, _, _ = text[1:].partition("]")
    elif text.count(":") == 1:
        text, _, _ = text.partition(":")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
