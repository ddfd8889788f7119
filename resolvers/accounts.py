"""Registering, signing in and out, and keeping a sign-in fresh."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.passwords import hash_password, password_problem, verify_password
from auth.tokens import (
    issue_access_token,
    issue_refresh_token,
    revoke_refresh_tokens,
    rotate_refresh_token,
)
from errors import BadUserInput, Conflict, NotFound, RateLimited, Unauthenticated
from models import Role, SignInAttempt, StaffDetails, User
from settings import Settings

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PROFILE_NAME = re.compile(r"^\w[\w .'\-]{0,58}[\w.]$")

SIGN_IN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20  # sign-in failures and registrations together


@dataclass(frozen=True)
class SignedIn:
    user: User
    access_token: str
    refresh_token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_registration(email: str, password: str, profile_name: str) -> tuple[str, str]:
    """Validate a new profile and return its e-mail and profile name as they will be stored."""
    email = normalise_email(email)
    profile_name = " ".join(profile_name.split())
    if len(email) > 254 or not EMAIL.match(email):
        raise BadUserInput("Enter a valid e-mail address.")
    if not PROFILE_NAME.match(profile_name):
        raise BadUserInput(
            "A profile name is 2 to 60 letters, digits, spaces, dots, dashes or apostrophes."
        )
    if problem := password_problem(password, email):
        raise BadUserInput(problem)
    return email, profile_name


async def do_create_user(
    email: str,
    password: str,
    profile_name: str,
    role: Role = Role.MEMBER,
    bps_registration_number: str | None = None,
) -> User:
    """Create a profile. Only the command line creates staff; the API creates members."""
    email, profile_name = check_registration(email, password, profile_name)
    if role == Role.FACILITATOR and not bps_registration_number:
        raise BadUserInput("A facilitator needs their BPS registration number.")
    if await User.filter(email=email).exists():
        raise Conflict("There is already a profile with that e-mail address.")
    if await User.filter(profile_name=profile_name).exists():
        raise Conflict("That profile name is taken; choose another.")
    password_hash = await hash_password(password)
    try:
        async with in_transaction():
            user = await User.create(
                email=email, password_hash=password_hash, profile_name=profile_name, role=role
            )
            if role != Role.MEMBER:
                await StaffDetails.create(
                    user=user, bps_registration_number=bps_registration_number
                )
    except IntegrityError as error:  # a concurrent registration won the race
        raise Conflict(
            "That e-mail address, profile name or registration number is already in use."
        ) from error
    return user


async def do_register(email: str, password: str, profile_name: str, address: str) -> User:
    """A member registering through the API: limited per address like sign-ins."""
    await count_attempt(f"register:{normalise_email(email)}", address)
    return await do_create_user(email, password, profile_name)


async def count_attempt(email: str, address: str) -> SignInAttempt:
    """Record an attempt first, then refuse it if it is one too many.

    Counting after recording means requests sent all at once still count each other:
    the sixth of six simultaneous guesses sees six attempts.
    """
    now = datetime.now(UTC)
    await SignInAttempt.filter(attempted_at__lt=now - SIGN_IN_WINDOW).delete()
    attempt = await SignInAttempt.create(email=email, address=address[:64])
    recent = SignInAttempt.filter(attempted_at__gte=now - SIGN_IN_WINDOW)
    if (
        await recent.filter(email=email).count() > MAX_FAILURES_PER_ACCOUNT
        or await recent.filter(address=address[:64]).count() > MAX_FAILURES_PER_ADDRESS
    ):
        raise RateLimited("Too many attempts; wait a few minutes and try again.")
    return attempt


async def do_sign_in(settings: Settings, email: str, password: str, address: str) -> SignedIn:
    email = normalise_email(email)
    attempt = await count_attempt(email, address)
    user = await User.filter(email=email, closed_at=None).first()
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthenticated("That e-mail address and password do not match a profile.")
    await attempt.delete()  # only failures count against the limit
    user.last_signed_in_at = datetime.now(UTC)
    await user.save(update_fields=["last_signed_in_at"])
    return await start_signed_in(settings, user)


async def start_signed_in(settings: Settings, user: User) -> SignedIn:
    return SignedIn(
        user=user,
        access_token=issue_access_token(settings, user),
        refresh_token=await issue_refresh_token(settings, user),
    )


async def do_refresh(settings: Settings, token: str) -> SignedIn:
    user, refresh_token = await rotate_refresh_token(settings, token)
    user.last_signed_in_at = datetime.now(UTC)  # a refresh is a use of the profile
    await user.save(update_fields=["last_signed_in_at"])
    return SignedIn(user, issue_access_token(settings, user), refresh_token)


async def do_sign_out(user_id: int, refresh_token: str | None) -> None:
    """End one sign-in (the family of ``refresh_token``) or, without one, every sign-in."""
    await revoke_refresh_tokens(user_id, refresh_token)


async def get_user(user_id: int) -> User:
    user = await User.filter(id=user_id).first()
    if user is None:
        raise NotFound("No such profile.")
    return user
