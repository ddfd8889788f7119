"""Profiles, signing in and out."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.identity import Viewer
from auth.permissions import HasRole, IsAuthenticated, IsSelf, RoleType, guard, parse_id, public
from models import Role
from models import User as UserModel
from resolvers import accounts, inbox, retention


@strawberry.type(description="A person, as other people may see them: by profile name.")
class User:
    id: strawberry.ID
    profile_name: str
    role: RoleType  # type: ignore[valid-type]
    user_id: strawberry.Private[int]
    stored_email: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, user: UserModel) -> User:
        return cls(
            id=strawberry.ID(str(user.id)),
            profile_name=user.public_name,
            role=user.role,
            user_id=user.id,
            stored_email=user.email,
        )

    @classmethod
    def from_parts(cls, user_id: int, profile_name: str, role: str) -> User:
        """A user as a live event describes them, without asking the database."""
        return cls(
            id=strawberry.ID(str(user_id)),
            profile_name=profile_name,
            role=Role(role),
            user_id=user_id,
            stored_email=None,
        )

    @strawberry.field(
        description="Where Haven writes to this person.",
        extensions=guard(IsSelf(), HasRole(Role.ONLINE_MANAGER)),
    )
    async def email(self, info: Info) -> str | None:
        if self.stored_email is None:
            return (await info.context.loaders.user.load(self.user_id)).email
        return self.stored_email

    @strawberry.field(
        description="Messages in this person's inbox not yet read.",
        extensions=guard(IsSelf()),
    )
    async def unread_count(self) -> int | None:
        return await inbox.unread_count(self.user_id)

    @strawberry.field(
        description="Whether this person's words may be used, anonymised, for research.",
        extensions=guard(IsSelf()),
    )
    async def research_consent(self, info: Info) -> bool | None:
        return (await info.context.loaders.user.load(self.user_id)).research_consent

    @strawberry.field(
        description="A facilitator's British Psychological Society registration.",
        extensions=guard(IsSelf(), HasRole(Role.ONLINE_MANAGER)),
    )
    async def bps_registration_number(self, info: Info) -> str | None:
        details = await info.context.loaders.staff_details.load(self.user_id)
        return details.bps_registration_number if details else None


@strawberry.type(description="A fresh sign-in: keep the refresh token secret.")
class AuthPayload:
    access_token: str
    refresh_token: str
    user: User

    @classmethod
    def from_signed_in(cls, signed_in: accounts.SignedIn) -> AuthPayload:
        return cls(
            access_token=signed_in.access_token,
            refresh_token=signed_in.refresh_token,
            user=User.from_model(signed_in.user),
        )


@strawberry.input
class RegisterInput:
    email: str
    password: str
    profile_name: str


def signed_in_user(viewer: Viewer) -> int:
    assert viewer.user_id is not None, "guarded by @isAuthenticated"
    return viewer.user_id


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in person.", extensions=guard(IsAuthenticated()))
    async def me(self, info: Info) -> User | None:
        user = await accounts.get_user(signed_in_user(info.context.viewer))
        return User.from_model(user)

    @strawberry.field(
        description="Profiles whose name or e-mail address holds `search`, by id, `first` "
        "(1 to 100) at a time; for the next page pass the last `id` as `after`.",
        extensions=guard(HasRole(Role.ONLINE_MANAGER)),
    )
    async def users(
        self, search: str | None = None, first: int = 50, after: strawberry.ID | None = None
    ) -> list[User] | None:
        start = parse_id(after, "after") if after is not None else None
        return [User.from_model(u) for u in await accounts.find_users(search, first, start)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in with e-mail and password.", extensions=public())
    async def login(self, info: Info, email: str, password: str) -> AuthPayload | None:
        context = info.context
        signed_in = await accounts.do_sign_in(
            context.settings, email, password, context.client_address
        )
        return AuthPayload.from_signed_in(signed_in)

    @strawberry.mutation(
        description="Trade a refresh token for a new access token and the next refresh token.",
        extensions=public(),
    )
    async def refresh_token(self, info: Info, token: str) -> AuthPayload | None:
        return AuthPayload.from_signed_in(await accounts.do_refresh(info.context.settings, token))

    @strawberry.mutation(
        description=(
            "Sign out: revokes the given refresh token's sign-in, or every sign-in when none "
            "is given. Access tokens already issued lapse within minutes."
        ),
        extensions=guard(IsAuthenticated()),
    )
    async def logout(self, info: Info, refresh_token: str | None = None) -> bool | None:
        await accounts.do_sign_out(signed_in_user(info.context.viewer), refresh_token)
        return True

    @strawberry.mutation(
        description=(
            "Close your own profile: signs you out everywhere, ends your memberships and open "
            "applications, and starts the two years after which your GP details are erased."
        ),
        extensions=guard(IsAuthenticated()),
    )
    async def close_profile(self, info: Info) -> bool | None:
        await retention.do_close_profile(signed_in_user(info.context.viewer))
        return True
