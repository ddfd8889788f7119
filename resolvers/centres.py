"""Centres: kept by the online manager, listed for anyone looking for help nearby."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from errors import BadUserInput, Conflict, NotFound
from models.centres import Centre
from resolvers.text import LINE, NOTE, check_phone, check_text


@dataclass(frozen=True)
class CentreDraft:
    """A centre's details as asked for; ``None`` leaves a detail as it is."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    opening_hours: str | None = None


def check_centre(draft: CentreDraft) -> dict[str, str]:
    values: dict[str, str] = {}
    if draft.name is not None:
        values["name"] = check_text(draft.name, "the centre's name", longest=120, one_line=True)
    if draft.address is not None:
        values["address"] = check_text(draft.address, "the centre's address", longest=LINE)
    if draft.phone is not None:
        phone = check_phone(draft.phone)
        if phone is None:
            raise BadUserInput("Give the centre's telephone number.")
        values["phone"] = phone
    if draft.opening_hours is not None:
        values["opening_hours"] = check_text(
            draft.opening_hours, "the centre's opening hours", longest=NOTE
        )
    return values


async def centres() -> list[Centre]:
    return await Centre.all().order_by("name")


async def do_add_centre(draft: CentreDraft) -> Centre:
    values = check_centre(draft)
    missing = {"name", "address", "phone", "opening_hours"} - values.keys()
    if missing:
        raise BadUserInput("A centre needs its name, address, telephone and opening hours.")
    try:
        return await Centre.create(**values)
    except IntegrityError as error:
        raise Conflict("There is already a centre of that name.") from error


async def do_update_centre(centre_id: int, draft: CentreDraft) -> Centre:
    values = check_centre(draft)
    centre = await Centre.filter(id=centre_id).first()
    if centre is None:
        raise NotFound("No such centre.")
    centre.update_from_dict(values)
    try:
        await centre.save()
    except IntegrityError as error:
        raise Conflict("There is already a centre of that name.") from error
    return centre
