"""Webhook signatures: how a receiver knows a delivery came from Haven, unaltered, now.

Each delivery carries ``Haven-Signature: t=<unix seconds>,v1=<hex>``, where ``v1`` is
HMAC-SHA256 under the webhook's secret of ``"<t>.<body>"``. A receiver recomputes it
over the raw body, compares in constant time, and refuses a ``t`` more than
``REPLAY_WINDOW_SECONDS`` away from its own clock, so a captured delivery cannot be
played again later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Haven-Signature"
REPLAY_WINDOW_SECONDS = 300
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float) -> bool:
    """Whether ``header`` signs ``body`` under ``secret`` within the replay window."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    given = parts.get("t", "")
    # ASCII digits, as many as a time has: int() reads "²" and fails on thousands of digits
    if not (given.isascii() and given.isdigit()) or len(given) > 12 or "v1" not in parts:
        return False
    timestamp = int(given)
    if abs(now - timestamp) > REPLAY_WINDOW_SECONDS:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), f"t={timestamp},v1={parts['v1']}".encode())
