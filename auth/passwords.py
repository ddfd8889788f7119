"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 costs the same for any length; a cap stops absurd request bodies.

_hasher = PasswordHasher()

# A hash of a password nobody has, verified when the e-mail is unknown so that a
# failed sign-in takes as long whether or not the account exists.
_NOBODY = _hasher.hash("haven: a password that belongs to nobody")

_COMMON = frozenset(
    {
        "password123",
        "password1234",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "iloveyou123",
        "letmein1234",
        "welcome1234",
        "abcdefghij",
        "0123456789",
    }
)


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with ``password`` for a person to read, or ``None`` if it will do."""
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        return "That password is too easy to guess; choose a less common one."
    if email and lowered == email.lower():
        return "Your password must not be your e-mail address."
    return None


# argon2 is slow on purpose: run it in threads, a few at a time, off the event loop,
# so that sign-ins cannot stall live sessions.
_hashing = asyncio.Semaphore(2)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _NOBODY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    async with _hashing:
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against a stored hash; ``None`` stands for an unknown account."""
    async with _hashing:
        return await asyncio.to_thread(_verify, password_hash, password)
