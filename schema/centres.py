"""Centres: where to call in or telephone while waiting for a place."""

from __future__ import annotations

import strawberry

from auth.permissions import HasRole, guard, parse_id, public
from models import Role
from models.centres import Centre as CentreModel
from resolvers import centres
from resolvers.centres import CentreDraft


@strawberry.type(description="A centre to visit or telephone; public.")
class Centre:
    id: strawberry.ID
    name: str
    address: str
    phone: str
    opening_hours: str

    @classmethod
    def from_model(cls, centre: CentreModel) -> Centre:
        return cls(
            id=strawberry.ID(str(centre.id)),
            name=centre.name,
            address=centre.address,
            phone=centre.phone,
            opening_hours=centre.opening_hours,
        )


@strawberry.type
class Query:
    @strawberry.field(
        description="The service's centres, by name: anyone may call in or telephone.",
        extensions=public(),
    )
    async def centres(self) -> list[Centre]:
        return [Centre.from_model(c) for c in await centres.centres()]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Online manager: list a centre.",
        extensions=guard(HasRole(Role.ONLINE_MANAGER)),
    )
    async def add_centre(
        self, name: str, address: str, phone: str, opening_hours: str
    ) -> Centre | None:
        draft = CentreDraft(name, address, phone, opening_hours)
        return Centre.from_model(await centres.do_add_centre(draft))

    @strawberry.mutation(
        description="Online manager: change a centre's details; those left out stay.",
        extensions=guard(HasRole(Role.ONLINE_MANAGER)),
    )
    async def update_centre(
        self,
        id: strawberry.ID,
        name: str | None = None,
        address: str | None = None,
        phone: str | None = None,
        opening_hours: str | None = None,
    ) -> Centre | None:
        draft = CentreDraft(name, address, phone, opening_hours)
        return Centre.from_model(await centres.do_update_centre(parse_id(id), draft))
