"""What else there is, for someone waiting for a place or refused one.

A waiting list can last weeks. The notice that puts a person on it, or tells her a
group will not take her, names the other ways in at once; ``whileYouWait`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import Centre, SpecialistGroup, TopicCategory

WHILE_YOU_WAIT = (
    "While you wait, there is more here for you: read the public Conversations, or start "
    "one; ask a question in one of the Specialist groups (answered within two working "
    "days); keep a personal blog of how you are and what you want to ask; or call into one "
    "of our centres."
)


@dataclass(frozen=True)
class Alternatives:
    categories: list[TopicCategory]
    specialist_groups: list[SpecialistGroup]
    centres: list[Centre]


async def alternatives() -> Alternatives:
    return Alternatives(
        categories=await TopicCategory.all().order_by("name"),
        specialist_groups=await SpecialistGroup.all().order_by("name"),
        centres=await Centre.all().order_by("name"),
    )
