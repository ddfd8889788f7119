"""Who may see what: the access rules over the models.

The permission directives, the resolvers and (later) the live streams all ask these
functions, so that each rule is written once. ``GroupRoles`` is loaded once per
request; the live streams ask afresh for every event they deliver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import (
    Application,
    Conversation,
    Group,
    GroupSession,
    Membership,
    PersonalMessage,
    Post,
    Role,
    SafeguardingConcern,
    User,
)


def current_memberships(now: datetime | None = None) -> QuerySet[Membership]:
    """Memberships that have started, have not reached their end and were not ended early."""
    now = now or datetime.now(UTC)
    return Membership.filter(ended_at=None, starts_at__lte=now, ends_at__gt=now)


async def account_is_current(user_id: int, role: Role) -> bool:
    """An access token is honoured only while its profile is open and its role unchanged."""
    return await User.filter(id=user_id, role=role, closed_at=None).exists()


@dataclass(frozen=True)
class GroupRoles:
    """The groups a user is currently a member of, and the groups they facilitate."""

    member_of: frozenset[int]
    facilitates: frozenset[int]

    def is_member(self, group_id: int) -> bool:
        return group_id in self.member_of

    def is_facilitator(self, group_id: int) -> bool:
        return group_id in self.facilitates


NO_GROUP_ROLES = GroupRoles(frozenset(), frozenset())


async def load_group_roles(user_id: int | None) -> GroupRoles:
    if user_id is None:
        return NO_GROUP_ROLES
    member_of = (
        await current_memberships().filter(user_id=user_id).values_list("group_id", flat=True)
    )
    facilitates = await Group.filter(facilitator_id=user_id).values_list("id", flat=True)
    return GroupRoles(frozenset(member_of), frozenset(facilitates))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Subject:
    """What a guarded operation is about: whose it is and which group it concerns.

    Permission directives read ``user_id`` (for ``@isSelf``) and ``group_id`` (for
    the group directives) from it, as they would from a parent object.
    """

    user_id: int | None
    group_id: int | None
    session_id: int | None = None
    shared: bool = False


async def application_subject(application_id: int) -> Subject | None:
    row = await Application.filter(id=application_id).values("applicant_id", "group_id")
    return Subject(row[0]["applicant_id"], row[0]["group_id"]) if row else None


async def membership_subject(membership_id: int) -> Subject | None:
    row = await Membership.filter(id=membership_id).values("user_id", "group_id")
    return Subject(row[0]["user_id"], row[0]["group_id"]) if row else None


async def session_subject(session_id: int) -> Subject | None:
    row = await GroupSession.filter(id=session_id).values("group_id")
    return Subject(None, row[0]["group_id"], session_id) if row else None


async def may_take_part(user_id: int, group_id: int) -> bool:
    """Whether a user may follow and speak in the group's sessions right now: a current
    member, or the group's facilitator. The live streams ask this for every event."""
    if await Group.filter(id=group_id, facilitator_id=user_id).exists():
        return True
    return await current_memberships().filter(group_id=group_id, user_id=user_id).exists()


async def membership_covered(user_id: int, session: GroupSession) -> bool:
    """Whether the user was a member of the session's group when the session took place."""
    held_at = session.started_at or session.starts_at
    return (
        await Membership.filter(
            user_id=user_id, group_id=session.group_id, starts_at__lte=held_at, ends_at__gt=held_at
        )
        .filter(Q(ended_at=None) | Q(ended_at__gt=held_at))
        .exists()
    )


async def takes_part_anywhere(user_id: int, role: Role | None) -> bool:
    """Whether a user may use the shared area: any facilitator, or a current member of any
    group."""
    if role == Role.FACILITATOR:
        return True
    return await current_memberships().filter(user_id=user_id).exists()


async def conversation_subject(conversation_id: int) -> Subject | None:
    row = await Conversation.filter(id=conversation_id).values("started_by_id", "group_id")
    return (
        Subject(row[0]["started_by_id"], row[0]["group_id"], shared=row[0]["group_id"] is None)
        if row
        else None
    )


async def post_subject(post_id: int) -> Subject | None:
    row = await Post.filter(id=post_id).values("author_id", "conversation__group_id")
    if not row:
        return None
    group_id = row[0]["conversation__group_id"]
    return Subject(row[0]["author_id"], group_id, shared=group_id is None)


async def concern_subject(concern_id: int) -> Subject | None:
    row = await SafeguardingConcern.filter(id=concern_id).values("group_id")
    return Subject(None, row[0]["group_id"]) if row else None


async def message_subject(message_id: int) -> Subject | None:
    row = await PersonalMessage.filter(id=message_id).values("recipient_id")
    return Subject(row[0]["recipient_id"], None) if row else None
