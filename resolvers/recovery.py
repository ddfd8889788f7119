"""Proving an address, and getting back in: registration by e-mail, password resets,
password and address changes.

Each proof is a single-use link e-mailed to the address (``queue_email``), whose token
is stored only as its SHA-256 and taken by a conditional update, so it works once
however many requests race with it. What answers an unknown person (registering,
asking for a reset) is the same whether or not the address has a profile here, so
these operations cannot be used to learn who uses Haven.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from auth.passwords import hash_password, password_problem, verify_password
from errors import BadUserInput, Conflict, NotFound, Unauthenticated
from models import AccountToken, MailKind, Registration, Role, SignInAttempt, TokenPurpose, User
from models.accounts import AttemptKind
from resolvers import throttle
from resolvers.accounts import (
    SignedIn,
    check_email,
    check_name_free,
    check_registration,
    create_profile,
    end_sign_ins,
    normalise_email,
    start_signed_in,
)
from resolvers.audit import audit
from resolvers.notices import queue_email
from settings import Settings
from subscriptions.outbox import transaction

VERIFY_FOR = timedelta(days=1)
RESET_FOR = timedelta(hours=1)
CHANGE_FOR = timedelta(days=1)
# Links e-mailed to one address in an hour, of each kind: more would only be a nuisance,
# or a way to fill someone's inbox.
LINKS_PER_ADDRESS = 3
LINKS_WINDOW = timedelta(hours=1)
LINK_SPENT = "This link has expired or has been used already: ask for a new one."
CHECK_YOUR_EMAIL = (
    "Thank you. We have sent an e-mail to that address: follow its link within a day to "
    "finish. If nothing arrives, check the address and your spam folder."
)


def new_token() -> tuple[str, str]:
    """A token for a link, and the digest that is all Haven keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# Registering


async def do_register(
    email: str, password: str, profile_name: str, address: str, now: datetime | None = None
) -> str:
    """Ask for a profile: the address gets a link that opens it (``do_verify_email``).

    An address that already has a profile gets a word that someone tried instead, and
    the answer here is the same either way; the password is hashed either way, so the
    time taken does not tell them apart either. A profile name is checked now (its rules
    and whether it is free) and again when the profile is made.
    """
    now = _now(now)
    email = normalise_email(email)
    await throttle.do_admit_registration(email, address, now)
    email, profile_name = check_registration(email, password, profile_name)
    await check_name_free(profile_name)
    password_hash = await hash_password(password)
    owner = await User.filter(email=email).first()
    async with transaction():
        if owner is not None:
            await queue_email(owner, MailKind.ADDRESS_IN_USE, now=now)
            return CHECK_YOUR_EMAIL
        asked = Registration.filter(email=email, created_at__gt=now - LINKS_WINDOW)
        if await asked.count() >= LINKS_PER_ADDRESS:
            return CHECK_YOUR_EMAIL  # the links already sent still work
        token, token_hash = new_token()
        await Registration.create(
            email=email,
            password_hash=password_hash,
            profile_name=profile_name,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + VERIFY_FOR,
        )
        await queue_email(
            None, MailKind.VERIFY_ADDRESS, to_address=email, link_token=token, now=now
        )
    return CHECK_YOUR_EMAIL


async def do_verify_email(settings: Settings, token: str, now: datetime | None = None) -> SignedIn:
    """Open the profile a registration asked for, and sign its owner in."""
    now = _now(now)
    async with transaction():
        taken = await Registration.filter(
            token_hash=digest(token), used_at=None, expires_at__gt=now
        ).update(used_at=now)
        if not taken:
            raise BadUserInput(LINK_SPENT)
        registration = await Registration.get(token_hash=digest(token))
        if await User.filter(email=registration.email).exists():
            raise Conflict("This address has a profile already: sign in with it.")
        user = await create_profile(
            registration.email, registration.password_hash, registration.profile_name
        )
        await Registration.filter(email=registration.email).delete()
    user.last_signed_in_at = now
    await user.save(update_fields=["last_signed_in_at"])
    return await start_signed_in(settings, user)


async def do_forget_spent_links(now: datetime | None = None) -> int:
    """Links used or lapsed: a registration's password hash is not kept for nothing."""
    now = _now(now)
    spent = Q(expires_at__lt=now) | Q(used_at__not_isnull=True)
    return await Registration.filter(spent).delete() + await AccountToken.filter(spent).delete()


# Resetting a forgotten password


async def _mint(
    user: User, purpose: TokenPurpose, lasts: timedelta, now: datetime, new_email: str | None = None
) -> str:
    """A new link for ``purpose``; the older ones of that purpose stop working."""
    await AccountToken.filter(user_id=user.id, purpose=purpose, used_at=None).update(used_at=now)
    token, token_hash = new_token()
    await AccountToken.create(
        user_id=user.id,
        purpose=purpose,
        token_hash=token_hash,
        new_email=new_email,
        created_at=now,
        expires_at=now + lasts,
    )
    return token


async def _valid(token: str, purpose: TokenPurpose, now: datetime) -> AccountToken:
    found = await AccountToken.filter(
        token_hash=digest(token), purpose=purpose, used_at=None, expires_at__gt=now
    ).first()
    if found is None:
        raise BadUserInput(LINK_SPENT)
    return found


async def _take(found: AccountToken, now: datetime) -> None:
    """Use the token up; of two requests racing with it, the second is refused."""
    if not await AccountToken.filter(id=found.id, used_at=None).update(used_at=now):
        raise BadUserInput(LINK_SPENT)


async def send_reset(user: User, now: datetime) -> None:
    async with transaction():
        token = await _mint(user, TokenPurpose.RESET_PASSWORD, RESET_FOR, now)
        await queue_email(user, MailKind.PASSWORD_RESET, link_token=token, now=now)


async def do_request_reset(email: str, address: str, now: datetime | None = None) -> None:
    """E-mail a reset link to the address if it has an open profile; say nothing either way.

    Counted per network, like registrations; and an address gets at most a few reset
    e-mails an hour, however many are asked for, so that nobody can flood an inbox.
    """
    now = _now(now)
    email = check_email(email)
    await throttle.do_admit(AttemptKind.RECOVERY, email, address, now)
    user = await User.filter(email=email, closed_at=None).first()
    if user is None:
        return
    recent = await AccountToken.filter(
        user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD, created_at__gt=now - LINKS_WINDOW
    ).count()
    if recent < LINKS_PER_ADDRESS:
        await send_reset(user, now)


async def do_start_reset_for(staff_id: int, user_id: int, now: datetime | None = None) -> None:
    """The online manager sends a member a reset link; she never sees it, nor any password."""
    now = _now(now)
    user = await User.filter(id=user_id, closed_at=None).first()
    if user is None:
        raise NotFound("No such open profile.")
    if user.role == Role.ONLINE_MANAGER:
        raise BadUserInput("An online manager resets their own password from the sign-in page.")
    async with transaction():
        await send_reset(user, now)
        await audit(staff_id, "PASSWORD_RESET_SENT", "User", user.id)


async def _set_password(user: User, password: str, now: datetime) -> None:
    """A new password ends every sign-in, and the owner hears of it by e-mail."""
    user.password_hash = await hash_password(password)
    user.last_signed_in_at = now
    await user.save(update_fields=["password_hash", "last_signed_in_at"])
    await end_sign_ins(user.id)
    await SignInAttempt.filter(kind=AttemptKind.SIGN_IN, email=user.email).delete()
    await queue_email(user, MailKind.PASSWORD_CHANGED, now=now)


async def do_reset_password(
    settings: Settings, token: str, new_password: str, now: datetime | None = None
) -> SignedIn:
    now = _now(now)
    found = await _valid(token, TokenPurpose.RESET_PASSWORD, now)
    user = await User.get(id=found.user_id)
    if user.closed_at is not None:
        raise BadUserInput(LINK_SPENT)
    if problem := password_problem(new_password, user.email):
        raise BadUserInput(problem)
    async with transaction():
        await _take(found, now)
        await _set_password(user, new_password, now)
    return await start_signed_in(settings, user)


# Changing a password or an address, signed in


async def check_password(user: User, password: str, address: str, now: datetime) -> None:
    """The password of a signed-in person, checked as a sign-in is, throttle and all: a
    stolen token must not become a way to guess the password."""
    await throttle.do_admit_sign_in(user.email, address, now)
    if not await verify_password(user.password_hash, password):
        raise Unauthenticated("That is not your current password.")
    await throttle.forget_failures(user.email, address)


async def do_change_password(
    settings: Settings,
    user_id: int,
    current: str,
    new: str,
    address: str,
    now: datetime | None = None,
) -> SignedIn:
    """A new password; every other sign-in ends, and this one starts afresh."""
    now = _now(now)
    user = await User.get(id=user_id)
    if problem := password_problem(new, user.email):
        raise BadUserInput(problem)
    await check_password(user, current, address, now)
    async with transaction():
        await _set_password(user, new, now)
    return await start_signed_in(settings, user)


async def do_request_email_change(
    user_id: int, new_email: str, password: str, address: str, now: datetime | None = None
) -> str:
    """Send a confirming link to the new address; nothing changes until it is followed.

    An address that another profile uses gets a word that someone tried, and the answer
    is the same, so this cannot be used to find out who has a profile either.
    """
    now = _now(now)
    user = await User.get(id=user_id)
    new_email = check_email(new_email)
    if new_email == user.email:
        raise BadUserInput("That is the address your profile uses already.")
    await check_password(user, password, address, now)
    owner = await User.filter(email=new_email).first()
    async with transaction():
        if owner is not None:
            await queue_email(owner, MailKind.ADDRESS_IN_USE, now=now)
            return CHECK_YOUR_EMAIL
        token = await _mint(user, TokenPurpose.CHANGE_ADDRESS, CHANGE_FOR, now, new_email)
        await queue_email(
            user, MailKind.CONFIRM_NEW_ADDRESS, to_address=new_email, link_token=token, now=now
        )
    return CHECK_YOUR_EMAIL


async def do_confirm_email_change(token: str, now: datetime | None = None) -> User:
    """Move the profile to the address the link was sent to; the old one is told."""
    now = _now(now)
    found = await _valid(token, TokenPurpose.CHANGE_ADDRESS, now)
    user = await User.get(id=found.user_id)
    if user.closed_at is not None or found.new_email is None:
        raise BadUserInput(LINK_SPENT)
    if await User.filter(email=found.new_email).exists():
        raise Conflict("Another profile uses that address now.")
    old_email = user.email
    async with transaction():
        await _take(found, now)
        user.email = found.new_email
        await user.save(update_fields=["email"])
        await queue_email(user, MailKind.ADDRESS_CHANGED, to_address=old_email, now=now)
    return user
