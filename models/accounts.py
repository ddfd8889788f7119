"""People who use Haven, and what lets them stay signed in."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    MEMBER = "MEMBER"
    FACILITATOR = "FACILITATOR"
    ONLINE_MANAGER = "ONLINE_MANAGER"
    SPECIALIST = "SPECIALIST"


STAFF_ROLES = frozenset({Role.FACILITATOR, Role.ONLINE_MANAGER, Role.SPECIALIST})
FORMER_MEMBER = "Former member"
EMAIL_LENGTH = 254  # the longest an address can be (RFC 5321)


class User(Model):
    """A profile on the site. ``profile_name`` is what other people see, never the e-mail.

    ``name_key`` is what the name looks like (``resolvers.names.name_key``): unique, so
    that no two profiles have names too alike to tell apart, even registering at once.
    A closed profile's name is freed: name and key become a placeholder nobody can take.
    """

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=EMAIL_LENGTH, unique=True)
    password_hash = fields.CharField(max_length=255)
    profile_name = fields.CharField(max_length=60, unique=True)
    name_key = fields.CharField(max_length=255, unique=True)
    # A closed profile's name, freed for others, kept only so that research exports
    # can still redact it from what others said; erased by the purge with GP details.
    former_name = fields.CharField(max_length=60, null=True)
    role = fields.CharEnumField(Role, max_length=20, default=Role.MEMBER)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_signed_in_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    research_consent = fields.BooleanField(default=True)

    class Meta:
        table = "users"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def public_name(self) -> str:
        """The name others see: a closed profile's posts and messages stay, nameless."""
        return FORMER_MEMBER if self.closed_at is not None else self.profile_name


class StaffDetails(Model):
    """What the service must keep about a member of staff: a facilitator's BPS registration."""

    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "haven.User", related_name="staff_details", on_delete=fields.CASCADE, primary_key=True
    )
    bps_registration_number = fields.CharField(max_length=32, null=True, unique=True)

    class Meta:
        table = "staff_details"


class RefreshToken(Model):
    """One link in a chain of refresh tokens, of which only the SHA-256 is stored.

    Tokens descending from one sign-in share a ``family``. Using a token retires it
    and issues the next; presenting a retired token again means it was stolen, and
    the whole family is revoked.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    family = fields.UUIDField(db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"


class AttemptKind(StrEnum):
    SIGN_IN = "SIGN_IN"
    REGISTRATION = "REGISTRATION"
    RECOVERY = "RECOVERY"  # a password reset asked for


class SignInAttempt(Model):
    """A failed sign-in or a registration, kept for a while so that guessing is slow.

    Stored in the database rather than in memory so that every server process
    counts the same attempts. ``address`` is the network the request came from (an
    IPv6 client's /64), which many innocent people may share.
    """

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(AttemptKind, max_length=16, default=AttemptKind.SIGN_IN)
    email = fields.CharField(max_length=EMAIL_LENGTH, db_index=True)
    address = fields.CharField(max_length=64, db_index=True)
    attempted_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "sign_in_attempts"
        indexes = (("email", "address"),)


class TokenPurpose(StrEnum):
    RESET_PASSWORD = "RESET_PASSWORD"
    CHANGE_ADDRESS = "CHANGE_ADDRESS"


class AccountToken(Model):
    """A single-use token sent by e-mail to prove the reader holds the address: to set a
    new password, or to move a profile to a new address.

    Only its SHA-256 is kept, so a copy of the database opens no one's profile. It works
    once (``used_at``) until ``expires_at``; a newer token of the same purpose retires the
    older ones. ``new_email`` is the address an address change moves to.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="account_tokens", on_delete=fields.CASCADE
    )
    purpose = fields.CharEnumField(TokenPurpose, max_length=20)
    token_hash = fields.CharField(max_length=64, unique=True)
    new_email = fields.CharField(max_length=EMAIL_LENGTH, null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    user_id: int

    class Meta:
        table = "account_tokens"


class Registration(Model):
    """A profile asked for through the API, waiting for its owner to follow the link sent
    to the address. The profile is made only then, so an address nobody proved holds no
    profile, and nobody can make one in someone else's name ahead of them.

    Like an ``AccountToken``, only the link's SHA-256 is kept, and it works once.
    """

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=EMAIL_LENGTH, db_index=True)
    password_hash = fields.CharField(max_length=255)
    profile_name = fields.CharField(max_length=60)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "registrations"
