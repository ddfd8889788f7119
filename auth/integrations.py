"""Tokens for other systems: opaque, stored hashed, scoped, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from auth.identity import Viewer
from models import Integration
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction

PREFIX = "hvn_int_"
SCOPES = frozenset({"events:read"})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_integration_token(token: str) -> bool:
    return token.startswith(PREFIX)


async def create_integration(name: str, scopes: list[str]) -> tuple[Integration, str]:
    """Register a system and return it with its token, which is shown this once."""
    unknown = set(scopes) - SCOPES
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    token = PREFIX + secrets.token_urlsafe(32)
    integration = await Integration.create(
        name=name, token_hash=_digest(token), scopes=" ".join(sorted(set(scopes)))
    )
    return integration, token


async def viewer_for_integration(token: str) -> Viewer | None:
    integration = await Integration.filter(token_hash=_digest(token), revoked_at=None).first()
    if integration is None:
        return None
    return Viewer(integration_id=integration.id, scopes=integration.scope_set)


async def integration_is_active(integration_id: int) -> bool:
    return await Integration.filter(id=integration_id, revoked_at=None).exists()


async def revoke_integration(
    *, integration_id: int | None = None, name: str | None = None
) -> Integration | None:
    """Revoke the integration with this id or name; ``None`` when there is none.

    Its token is refused from the commit on, and the open streams of every process hear
    of it on the events channel and end at once, not at their next event. Revoking again
    keeps the first date and tells the streams again.
    """
    if (integration_id is None) == (name is None):
        raise ValueError("name the integration by its id or by its name")
    found = Integration.filter(id=integration_id) if name is None else Integration.filter(name=name)
    async with transaction():
        integration = await found.select_for_update().first()
        if integration is None:
            return None
        if integration.revoked_at is None:
            integration.revoked_at = datetime.now(UTC)
            await integration.save(update_fields=["revoked_at"])
        after_commit(channels.events(), {"revoked_integration_id": integration.id})
    return integration
