"""Who is asking: the viewer behind an HTTP request or a WebSocket connection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from auth.tokens import read_access_token
from errors import Unauthenticated
from models import STAFF_ROLES, Role
from settings import Settings


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as their access token describes them, or nobody.

    ``problem`` keeps why a presented token was refused, so that a guarded field can
    say "your sign-in has expired" rather than a bare "sign in".
    """

    user_id: int | None = None
    role: Role | None = None
    expires_at: datetime | None = None
    problem: Unauthenticated | None = None
    integration_id: int | None = None
    scopes: frozenset[str] = frozenset()
    sign_in: str | None = None  # the sign-in behind the token, if it names one

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_integration(self) -> bool:
        return self.integration_id is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


ANONYMOUS = Viewer()


def viewer_from_token(settings: Settings, token: str | None) -> Viewer:
    if not token:
        return ANONYMOUS
    try:
        claims = read_access_token(settings, token)
    except Unauthenticated as problem:
        return Viewer(problem=problem)
    return Viewer(
        user_id=claims.user_id,
        role=claims.role,
        expires_at=claims.expires_at,
        sign_in=claims.sign_in,
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if that is what it holds."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def token_from_connection_params(params: Mapping[str, object] | None) -> str | None:
    """WebSocket clients send ``{"authorization": "Bearer …"}`` or ``{"token": "…"}``."""
    if not params:
        return None
    for key in ("authorization", "Authorization"):
        value = params.get(key)
        if isinstance(value, str):
            return bearer_token(value)
    token = params.get("token")
    return token if isinstance(token, str) else None
