"""Which e-mails a person gets: the optional ones she may turn off."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.permissions import IsAuthenticated, guard
from resolvers import notices
from schema.accounts import signed_in_user


@strawberry.type(
    description=(
        "Which e-mails reach you. An e-mail only ever says that something is waiting in "
        "Haven, never what. A place offered, a call arranged and your own account's e-mails "
        "always go; these others you may turn off."
    )
)
class NotificationSettings:
    email_messages: bool = strawberry.field(description="A new personal message.")
    email_news: bool = strawberry.field(
        description="News in your inbox: your application, your group, its sessions."
    )
    email_reminders: bool = strawberry.field(description="Reminders of what is coming up.")

    @classmethod
    def from_choices(cls, choices: notices.Choices) -> NotificationSettings:
        return cls(
            email_messages=choices.messages,
            email_news=choices.news,
            email_reminders=choices.reminders,
        )


@strawberry.input(description="The settings to change; those left out stay as they are.")
class NotificationSettingsInput:
    email_messages: bool | None = None
    email_news: bool | None = None
    email_reminders: bool | None = None


@strawberry.type
class Query:
    @strawberry.field(description="Which e-mails reach you.", extensions=guard(IsAuthenticated()))
    async def notification_settings(self, info: Info) -> NotificationSettings | None:
        choices = await notices.mail_choices(signed_in_user(info.context.viewer))
        return NotificationSettings.from_choices(choices)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Choose which optional e-mails reach you.",
        extensions=guard(IsAuthenticated()),
    )
    async def update_notification_settings(
        self, info: Info, input: NotificationSettingsInput
    ) -> NotificationSettings | None:
        choices = await notices.do_set_mail_choices(
            signed_in_user(info.context.viewer),
            messages=input.email_messages,
            news=input.email_news,
            reminders=input.email_reminders,
        )
        return NotificationSettings.from_choices(choices)
