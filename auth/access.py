"""Who may see what: the access rules over the models.

The permission directives, the resolvers and the live streams all ask these functions,
so that each rule is written once. ``GroupRoles`` is loaded once per request; the live
streams ask afresh for every event they deliver. ``Room`` is the rule of the room: what
of a group's words one reader may see.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import (
    Application,
    BlogComment,
    BlogPost,
    BlogVisibility,
    Conversation,
    Group,
    GroupSession,
    Membership,
    PersonalMessage,
    Post,
    Role,
    SafeguardingConcern,
    SessionMessage,
    SpecialistQuestion,
    SpecialistSeat,
    User,
    Visibility,
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


@dataclass(frozen=True)
class Standing:
    """That a user may take part in a group, and until when: the latest end of her current
    memberships, or no end for the group's facilitator.

    A live stream holds this instead of asking before every message: the moment passes
    or a change is announced (``resolvers.live``), and it asks again.
    """

    until: datetime | None

    def holds(self, now: datetime) -> bool:
        return self.until is None or now < self.until


async def standing_in(user_id: int, group_id: int, now: datetime | None = None) -> Standing | None:
    """The user's standing in the group now (``may_take_part``), or None if she has none.

    A facilitator whose profile was closed has none: her streams end with it.
    """
    if await Group.filter(
        id=group_id, facilitator_id=user_id, facilitator__closed_at=None
    ).exists():
        return Standing(until=None)
    ends = (
        await current_memberships(now)
        .filter(group_id=group_id, user_id=user_id)
        .values_list("ends_at", flat=True)
    )
    return Standing(until=max(ends)) if ends else None  # type: ignore[type-var]


async def may_take_part_now(user_id: int, group_id: int) -> bool:
    """``may_take_part``, for a transaction about to write in the group's name.

    The membership row is locked, so a removal racing the write waits for it or wins:
    nothing is stored after a membership ended.
    """
    if await Group.filter(id=group_id, facilitator_id=user_id).exists():
        return True
    held = current_memberships().filter(group_id=group_id, user_id=user_id)
    return await held.select_for_update().first() is not None


async def takes_part_anywhere_now(user_id: int, role: Role | None) -> bool:
    """``takes_part_anywhere``, for a transaction about to write in the shared area: the
    memberships are locked, as in ``may_take_part_now``."""
    if role == Role.FACILITATOR:
        return True
    held = current_memberships().filter(user_id=user_id).order_by("id")
    return await held.select_for_update().first() is not None


@dataclass(frozen=True)
class Span:
    """A stretch of time a member was in a group: from her start to her end, whatever ended
    it (leaving, removal, the end of her term)."""

    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class Room:
    """What of a group's words one reader may see: the rule of the room.

    A person sees what was said in a group only while they were in it: a member, what was
    said during her memberships' spans; the group's facilitator, everything.
    """

    everything: bool
    spans: tuple[Span, ...] = ()

    def covers(self, moment: datetime) -> bool:
        if self.everything:
            return True
        at = moment.timestamp()  # plain numbers: asked for every live delivery
        return any(start <= at < end for start, end in self._bounds)

    @cached_property
    def _bounds(self) -> tuple[tuple[float, float], ...]:
        return tuple((span.start.timestamp(), span.end.timestamp()) for span in self.spans)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.everything or any(span.overlaps(start, end) for span in self.spans)

    def said_within(self, field: str) -> Q:
        """A filter for rows whose ``field`` (a time) lies in the room; nothing if none."""
        if self.everything:
            return Q()
        if not self.spans:
            return Q(id__in=[])
        return Q(
            *(Q(**{f"{field}__gte": s.start, f"{field}__lt": s.end}) for s in self.spans),
            join_type="OR",
        )


EVERYTHING = Room(everything=True)
NOTHING = Room(everything=False)


async def rooms_of(user_id: int | None, group_ids: set[int]) -> dict[int, Room]:
    """The reader's room in each group, in two queries: all of a group she facilitates,
    else the spans of her memberships."""
    if user_id is None or not group_ids:
        return dict.fromkeys(group_ids, NOTHING)
    facilitated = set(
        await Group.filter(id__in=group_ids, facilitator_id=user_id).values_list("id", flat=True)
    )
    spans: dict[int, list[Span]] = {g: [] for g in group_ids}
    for row in await Membership.filter(user_id=user_id, group_id__in=group_ids).values(
        "group_id", "starts_at", "ends_at", "ended_at"
    ):
        end = min(row["ended_at"] or row["ends_at"], row["ends_at"])
        spans[row["group_id"]].append(Span(row["starts_at"], end))
    return {
        g: EVERYTHING if g in facilitated else Room(everything=False, spans=tuple(spans[g]))
        for g in group_ids
    }


async def room_of(user_id: int | None, group_id: int) -> Room:
    """The reader's room in one group."""
    return (await rooms_of(user_id, {group_id}))[group_id]


async def were_in_the_room_together(user_id: int, other_id: int, group_id: int) -> bool:
    """Whether two people were members of the group at the same time: whom one may know."""
    rooms = await asyncio.gather(room_of(user_id, group_id), room_of(other_id, group_id))
    mine, theirs = rooms
    return not theirs.everything and any(mine.overlaps(s.start, s.end) for s in theirs.spans)


async def was_in_session(user_id: int, session: GroupSession) -> bool:
    """Whether one of the user's memberships of the group overlapped the session while it
    was live: she may read the part of its transcript her span covers."""
    if session.started_at is None:
        return False
    room = await room_of(user_id, session.group_id)
    return not room.everything and room.overlaps(
        session.started_at, session.ended_at or datetime.now(UTC)
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


async def session_message_subject(message_id: int) -> Subject | None:
    row = await SessionMessage.filter(id=message_id).values("author_id", "session__group_id")
    return Subject(row[0]["author_id"], row[0]["session__group_id"]) if row else None


@dataclass(frozen=True)
class QuestionSubject:
    """A question to specialists, as the directives judge it: whose it is (``@isSelf``),
    which specialist group answers it (``@isGroupSpecialist``), and whether it is
    ``published`` for anyone to read (``@isPublished``)."""

    user_id: int
    specialist_group_id: int
    published: bool
    group_id: None = None


async def question_subject(question_id: int) -> QuestionSubject | None:
    found = await SpecialistQuestion.filter(id=question_id).first()
    if found is None:
        return None
    return QuestionSubject(
        user_id=found.asker_id,
        specialist_group_id=found.group_id,
        published=found.visibility == Visibility.PUBLIC,
    )


async def answers_in(user_id: int, specialist_group_id: int) -> bool:
    """Whether ``user_id`` is one of the specialists of ``specialist_group_id``."""
    return await SpecialistSeat.filter(group_id=specialist_group_id, specialist_id=user_id).exists()


@dataclass(frozen=True)
class BlogSubject:
    """A blog entry as the directives judge it: its author (``@isSelf``), and whether it is
    ``published`` for anyone to read (``@isPublished``)."""

    user_id: int
    published: bool
    group_id: None = None


async def blog_subject(post_id: int) -> BlogSubject | None:
    found = await BlogPost.filter(id=post_id).first()
    if found is None:
        return None
    return BlogSubject(user_id=found.author_id, published=found.visibility == BlogVisibility.PUBLIC)


async def blog_comment_subject(comment_id: int) -> BlogSubject | None:
    """A comment is judged by its entry: hidden by staff, the entry public or not."""
    found = await BlogComment.filter(id=comment_id).first()
    return await blog_subject(found.post_id) if found is not None else None


async def shares_a_group(reader_id: int, author_id: int) -> bool:
    """Whether ``reader_id`` is a current member of a group ``author_id`` is one of now."""
    if reader_id == author_id:
        return True
    authors = current_memberships().filter(user_id=author_id).values_list("group_id", flat=True)
    return (
        await current_memberships().filter(user_id=reader_id, group_id__in=await authors).exists()
    )
