"""What else there is while a group is full: one query for a client to show it all."""

from __future__ import annotations

import strawberry

from auth.permissions import public
from resolvers import alternatives
from schema.centres import Centre
from schema.specialists import SpecialistGroup
from schema.topics import TopicCategory


@strawberry.type(description="The other ways in, for someone waiting for a place.")
class WhileYouWait:
    message: str
    topic_categories: list[TopicCategory]
    specialist_groups: list[SpecialistGroup]
    centres: list[Centre]


@strawberry.type
class Query:
    @strawberry.field(
        description="What there is besides the groups: the public Conversations' categories, "
        "the Specialist groups and the centres.",
        extensions=public(),
    )
    async def while_you_wait(self) -> WhileYouWait:
        found = await alternatives.alternatives()
        return WhileYouWait(
            message=alternatives.WHILE_YOU_WAIT,
            topic_categories=[TopicCategory.from_model(c) for c in found.categories],
            specialist_groups=[SpecialistGroup.from_model(g) for g in found.specialist_groups],
            centres=[Centre.from_model(c) for c in found.centres],
        )
