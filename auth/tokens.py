"""Access tokens (short-lived JWTs) and refresh tokens (opaque, stored hashed, rotated).

Access tokens follow RFC 8725: one fixed algorithm, every claim we rely on required,
issuer and audience checked, a few seconds of leeway for clocks, a secret of at
least 32 bytes (enforced in settings), and no lifetime longer than the one we issue.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from tortoise.transactions import in_transaction

from errors import Unauthenticated
from models import RefreshToken, Role, User
from settings import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role"]
LEEWAY_SECONDS = 5
VERIFIED_TOKENS = 4096  # sign-ins remembered at once; each entry is a few hundred bytes
EXPIRED = "Your sign-in has expired; refresh it or sign in again."


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    role: Role
    expires_at: datetime
    sign_in: str | None = None  # the refresh-token family the token was issued under


def issue_access_token(
    settings: Settings, user: User, now: datetime | None = None, sign_in: uuid.UUID | None = None
) -> str:
    """A short-lived token; ``sign_in`` names the sign-in (refresh-token family) behind it,
    which a WebSocket opened with it lives by (``sign_in_is_live``)."""
    now = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user.id),
        "role": user.role.value,
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_seconds),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    if sign_in is not None:
        claims["sid"] = str(sign_in)
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def read_access_token(settings: Settings, token: str, now: datetime | None = None) -> AccessClaims:
    """Verify ``token`` and return what it says, or raise ``Unauthenticated``.

    A token's signature and claims are checked once and remembered until it expires:
    the same token arrives with every request of a sign-in, and verifying it again
    each time is a good share of a small request's work. Expiry is checked each time.
    """
    claims = _verified(settings, token)
    if (now or datetime.now(UTC)) > claims.expires_at + timedelta(seconds=LEEWAY_SECONDS):
        raise Unauthenticated(EXPIRED)
    return claims


@functools.lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(settings: Settings, token: str) -> AccessClaims:
    """The claims of a correctly signed token; a refusal raises, and is not remembered."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
        # Correctly signed is not enough: a token minted elsewhere with the secret to last a
        # month would serve whoever stole it for that month. None may outlive ours.
        lifetime = int(claims["exp"]) - int(claims["iat"])
        if lifetime > settings.access_token_seconds + LEEWAY_SECONDS:
            raise jwt.InvalidTokenError("lives longer than an access token may")
        return AccessClaims(
            user_id=int(claims["sub"]),
            role=Role(claims["role"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            sign_in=str(claims["sid"]) if "sid" in claims else None,
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthenticated(EXPIRED) from error
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthenticated("That access token is not valid.") from error


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_refresh_token(
    settings: Settings, user: User, family: uuid.UUID | None = None
) -> tuple[str, uuid.UUID]:
    """Store the hash of a new refresh token for ``user``; return the token itself and
    the sign-in (family) it belongs to."""
    token = secrets.token_urlsafe(32)
    family = family or uuid.uuid4()
    await RefreshToken.create(
        user=user,
        family=family,
        token_hash=_digest(token),
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_seconds),
    )
    return token, family


async def rotate_refresh_token(
    settings: Settings, token: str
) -> tuple[User, tuple[str, uuid.UUID]]:
    """Retire ``token`` and return its owner with the next token of the same family.

    A token used twice was copied: the second use revokes every token of the family,
    so whoever holds the copy is signed out along with the rightful owner.
    """
    now = datetime.now(UTC)
    async with in_transaction():
        stored = (
            await RefreshToken.filter(token_hash=_digest(token))
            .select_for_update()
            .prefetch_related("user")
            .first()
        )
        usable = (
            stored is not None
            and stored.revoked_at is None
            and stored.expires_at > now
            and stored.user.closed_at is None
        )
        if usable and stored.used_at is None:
            claimed = await RefreshToken.filter(id=stored.id, used_at=None).update(used_at=now)
            if claimed == 1:
                return stored.user, await issue_refresh_token(settings, stored.user, stored.family)
        if stored is not None and stored.revoked_at is None:
            await RefreshToken.filter(family=stored.family, revoked_at=None).update(revoked_at=now)
    # Refused only after the transaction has committed any revocation.
    raise Unauthenticated("That refresh token is not valid; sign in again.")


async def revoke_refresh_tokens(user_id: int, token: str | None = None) -> list[str]:
    """Revoke the family of ``token`` (one device), or every token of the user (all devices);
    returns the sign-ins (families) it ended."""
    now = datetime.now(UTC)
    tokens = RefreshToken.filter(user_id=user_id, revoked_at=None)
    if token is not None:
        stored = await RefreshToken.filter(token_hash=_digest(token), user_id=user_id).first()
        if stored is None:
            return []
        tokens = tokens.filter(family=stored.family)
    families = await tokens.distinct().values_list("family", flat=True)
    await tokens.update(revoked_at=now)
    return sorted(str(family) for family in families)


async def sign_in_is_live(user_id: int, sign_in: str, now: datetime | None = None) -> bool:
    """Whether the sign-in ``sign_in`` (a refresh-token family) of ``user_id`` still holds:
    not signed out, not revoked by a reset or a closed profile, not lapsed."""
    try:
        family = uuid.UUID(sign_in)
    except ValueError:
        return False
    return await RefreshToken.filter(
        user_id=user_id, family=family, revoked_at=None, expires_at__gt=now or datetime.now(UTC)
    ).exists()
