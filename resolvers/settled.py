"""What a committed step's answer shows, read inside the step's own transaction.

Once a step has committed, its answer must not depend on the database answering
again: a client told that the step failed retries it, and the retry meets a CONFLICT
for what did happen. So each step of the way into a group, and each change to a
membership, reads before it commits what its answer's own fields show (the
application's history, its place on the waiting list, the membership it led to, the
group's places) and the schema answers from that, not from the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth.access import current_memberships
from models import Application, ApplicationStep, Group, Membership, User
from resolvers.places import open_offers
from resolvers.steps import waiting_list


@dataclass(frozen=True, slots=True)
class Places:
    """A group as the transaction left it: who holds its places, who waits for one."""

    group: Group
    members: int
    offers: int
    waiting: list[int]


@dataclass(frozen=True, slots=True)
class SettledApplication:
    application: Application
    applicant: User
    steps: list[ApplicationStep]
    membership: Membership | None
    places: Places


@dataclass(frozen=True, slots=True)
class SettledMembership:
    membership: Membership
    places: Places


async def places_of(group_id: int) -> Places:
    group = await Group.get(id=group_id)
    members = await current_memberships().filter(group_id=group_id).count()
    offers = await open_offers().filter(group_id=group_id).count()
    waiting = await waiting_list(group_id).values_list("id", flat=True)
    return Places(group, members, offers, list(waiting))  # type: ignore[arg-type]


async def settle_application(application: Application) -> SettledApplication:
    """The application and all its answer shows; call it last inside the transaction."""
    return SettledApplication(
        application=application,
        applicant=await User.get(id=application.applicant_id),
        steps=await ApplicationStep.filter(application_id=application.id),
        membership=await Membership.filter(application_id=application.id).first(),
        places=await places_of(application.group_id),
    )


async def settle_membership(membership: Membership) -> SettledMembership:
    """The membership and its group's places; call it last inside the transaction."""
    return SettledMembership(membership, await places_of(membership.group_id))
