"""Registering by e-mail, and getting back in: resets, password and address changes."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.permissions import HasRole, IsAuthenticated, guard, parse_id, public
from models import Role
from resolvers import recovery
from schema.accounts import AuthPayload, RegisterInput, signed_in_user

RESET_ASKED = (
    "If that address has a profile here, we have sent it a link to choose a new password. "
    "It works once, for an hour."
)


@strawberry.type(description="What was done, in words to show the person.")
class Acknowledgement:
    message: str


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Ask for a member's profile. Nothing opens yet: the address gets a link whose "
            "token `verifyEmail` takes. The answer is the same for any address."
        ),
        extensions=public(),
    )
    async def register(self, info: Info, input: RegisterInput) -> Acknowledgement | None:
        message = await recovery.do_register(
            input.email, input.password, input.profile_name, info.context.client_address
        )
        return Acknowledgement(message=message)

    @strawberry.mutation(
        description="Open the profile a registration e-mailed a link for, and sign in.",
        extensions=public(),
    )
    async def verify_email(self, info: Info, token: str) -> AuthPayload | None:
        signed_in = await recovery.do_verify_email(info.context.settings, token)
        return AuthPayload.from_signed_in(signed_in)

    @strawberry.mutation(
        description=(
            "Forgot your password: a link to choose a new one goes to the address, if it has "
            "a profile. The answer is the same for any address."
        ),
        extensions=public(),
    )
    async def request_password_reset(self, info: Info, email: str) -> Acknowledgement | None:
        await recovery.do_request_reset(email, info.context.client_address)
        return Acknowledgement(message=RESET_ASKED)

    @strawberry.mutation(
        description=(
            "Choose a new password with the token of a reset link, and sign in. Every other "
            "sign-in ends."
        ),
        extensions=public(),
    )
    async def reset_password(self, info: Info, token: str, new_password: str) -> AuthPayload | None:
        signed_in = await recovery.do_reset_password(info.context.settings, token, new_password)
        return AuthPayload.from_signed_in(signed_in)

    @strawberry.mutation(
        description=(
            "Change your password. Every other sign-in ends; this one goes on with the "
            "tokens returned."
        ),
        extensions=guard(IsAuthenticated()),
    )
    async def change_password(self, info: Info, current: str, new: str) -> AuthPayload | None:
        context = info.context
        signed_in = await recovery.do_change_password(
            context.settings, signed_in_user(context.viewer), current, new, context.client_address
        )
        return AuthPayload.from_signed_in(signed_in)

    @strawberry.mutation(
        description=(
            "Move your profile to another address: it changes once you follow the link sent "
            "there (`confirmEmailChange`); the old address is told."
        ),
        extensions=guard(IsAuthenticated()),
    )
    async def change_email(
        self, info: Info, new_email: str, password: str
    ) -> Acknowledgement | None:
        context = info.context
        message = await recovery.do_request_email_change(
            signed_in_user(context.viewer), new_email, password, context.client_address
        )
        return Acknowledgement(message=message)

    @strawberry.mutation(
        description="Confirm a new address with the token of the link sent to it.",
        extensions=public(),
    )
    async def confirm_email_change(self, token: str) -> Acknowledgement | None:
        await recovery.do_confirm_email_change(token)
        return Acknowledgement(message="Your profile uses the new address from now on.")

    @strawberry.mutation(
        description=(
            "Online manager: send a person a link to choose a new password, when she cannot "
            "ask for one herself. Nobody sees the link or any password; it is audited."
        ),
        extensions=guard(HasRole(Role.ONLINE_MANAGER)),
    )
    async def start_password_reset(
        self, info: Info, user_id: strawberry.ID
    ) -> Acknowledgement | None:
        await recovery.do_start_reset_for(
            signed_in_user(info.context.viewer), parse_id(user_id, "userId")
        )
        return Acknowledgement(message="A link to choose a new password is on its way to her.")
