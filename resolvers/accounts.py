"""Registering, signing in and out, and keeping a sign-in fresh."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from auth.passwords import hash_password, password_problem, verify_password
from auth.tokens import (
    issue_access_token,
    issue_refresh_token,
    revoke_refresh_tokens,
    rotate_refresh_token,
)
from errors import BadUserInput, Conflict, NotFound, Unauthenticated
from models import STAFF_ROLES, Role, StaffDetails, User
from models.accounts import EMAIL_LENGTH
from resolvers import throttle
from resolvers.names import name_key, name_problem, normalise_profile_name
from settings import Settings
from subscriptions import channels
from subscriptions.outbox import after_commit, transaction

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
NAME_TAKEN = "That profile name is taken or too like another; choose another."


@dataclass(frozen=True)
class SignedIn:
    user: User
    access_token: str
    refresh_token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """An address as it is stored: trimmed, lower case, and one an e-mail could reach."""
    email = normalise_email(email)
    if len(email) > EMAIL_LENGTH or not EMAIL.match(email):
        raise BadUserInput("Enter a valid e-mail address.")
    return email


def check_registration(
    email: str, password: str, profile_name: str, staff: bool = False
) -> tuple[str, str]:
    """Validate a new profile and return its e-mail and profile name as they will be stored.

    The name rules are ``resolvers.names``; ``staff`` (made only at the command line)
    may carry a title such as "Dr" that a member's name may not.
    """
    email = check_email(email)
    profile_name = normalise_profile_name(profile_name)
    if problem := name_problem(profile_name, staff=staff):
        raise BadUserInput(problem)
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
    """Create a profile at once: the command line's way (staff, demo data), whose address
    the operator vouches for. The API's way is ``resolvers.recovery.do_register``."""
    email, profile_name = check_registration(
        email, password, profile_name, staff=role in STAFF_ROLES
    )
    if role == Role.FACILITATOR and not bps_registration_number:
        raise BadUserInput("A facilitator needs their BPS registration number.")
    await check_name_free(profile_name)
    if await User.filter(email=email).exists():
        raise Conflict("There is already a profile with that e-mail address.")
    return await create_profile(
        email, await hash_password(password), profile_name, role, bps_registration_number
    )


async def check_name_free(profile_name: str) -> None:
    """A name too like an existing one (the same ``name_key``) is refused with the same
    words as a name that is taken."""
    if await User.filter(name_key=name_key(profile_name)).exists():
        raise Conflict(NAME_TAKEN)


async def create_profile(
    email: str,
    password_hash: str,
    profile_name: str,
    role: Role = Role.MEMBER,
    bps_registration_number: str | None = None,
) -> User:
    """Store a checked profile. The unique ``name_key`` and e-mail decide between two
    made at once: the second is refused."""
    key = name_key(profile_name)
    try:
        async with in_transaction():
            user = await User.create(
                email=email,
                password_hash=password_hash,
                profile_name=profile_name,
                name_key=key,
                role=role,
            )
            if role != Role.MEMBER:
                await StaffDetails.create(
                    user=user, bps_registration_number=bps_registration_number
                )
    except IntegrityError as error:  # a concurrent registration won the race
        if await User.filter(name_key=key).exists():
            raise Conflict(NAME_TAKEN) from error
        raise Conflict(
            "That e-mail address, profile name or registration number is already in use."
        ) from error
    return user


async def do_sign_in(
    settings: Settings, email: str, password: str, address: str, now: datetime | None = None
) -> SignedIn:
    """Sign in, slowed where guesses come from (``resolvers.throttle``), never locked."""
    email = normalise_email(email)
    now = now or _now()
    await throttle.do_admit_sign_in(email, address, now)
    user = None
    if len(email) <= EMAIL_LENGTH:  # a longer one is no one's, and the column would refuse it
        user = await User.filter(email=email, closed_at=None).first()
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthenticated("That e-mail address and password do not match a profile.")
    await throttle.forget_failures(email, address)
    user.last_signed_in_at = now
    await user.save(update_fields=["last_signed_in_at"])
    return await start_signed_in(settings, user)


def _now() -> datetime:
    return datetime.now(UTC)


async def start_signed_in(settings: Settings, user: User) -> SignedIn:
    refresh_token, sign_in = await issue_refresh_token(settings, user)
    return SignedIn(
        user=user,
        access_token=issue_access_token(settings, user, sign_in=sign_in),
        refresh_token=refresh_token,
    )


async def do_refresh(settings: Settings, token: str) -> SignedIn:
    user, (refresh_token, sign_in) = await rotate_refresh_token(settings, token)
    user.last_signed_in_at = datetime.now(UTC)  # a refresh is a use of the profile
    await user.save(update_fields=["last_signed_in_at"])
    return SignedIn(user, issue_access_token(settings, user, sign_in=sign_in), refresh_token)


async def do_sign_out(user_id: int, refresh_token: str | None) -> None:
    """End one sign-in (the family of ``refresh_token``) or, without one, every sign-in."""
    await end_sign_ins(user_id, refresh_token)


async def end_sign_ins(user_id: int, refresh_token: str | None = None) -> None:
    """Revoke one sign-in or all of a person's, and, once that is committed, close the
    WebSockets opened under them wherever they are served."""
    async with transaction():
        ended = await revoke_refresh_tokens(user_id, refresh_token)
        if ended:
            after_commit(channels.sign_ins_ended(), {"user_id": user_id, "sign_ins": ended})


MAX_PAGE = 100


async def find_users(search: str | None, first: int, after: int | None) -> list[User]:
    """Profiles whose name or address holds ``search`` (any case), by id, a page at a time:
    the online manager's way to find the person she is asked about."""
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"Ask for 1 to {MAX_PAGE} at a time.")
    found = User.all()
    if search is not None and search.strip():
        words = search.strip()[:100]
        found = found.filter(Q(profile_name__icontains=words) | Q(email__icontains=words))
    if after is not None:
        found = found.filter(id__gt=after)
    return await found.order_by("id").limit(first)


async def get_user(user_id: int) -> User:
    user = await User.filter(id=user_id).first()
    if user is None:
        raise NotFound("No such profile.")
    return user
