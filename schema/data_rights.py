"""A person's right of access: everything Haven holds about her, in one document."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from auth.permissions import IsAuthenticated, guard
from resolvers.data_rights import do_export
from schema.accounts import signed_in_user


@strawberry.type
class Query:
    @strawberry.field(
        description="Everything Haven holds about you, as one JSON document: your profile, "
        "applications with their history and your GP's details, memberships, what you "
        "wrote and the messages to and from you. Written to the audit log.",
        extensions=guard(IsAuthenticated()),
    )
    async def export_my_data(self, info: Info) -> JSON | None:
        user_id = signed_in_user(info.context.viewer)
        return await do_export(user_id, info.context.settings.gp_details_keys)
