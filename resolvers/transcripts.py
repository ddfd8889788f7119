"""Transcripts of ended sessions, and their anonymised export for research."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from string import ascii_uppercase

from auth.access import room_of, rooms_of
from errors import Conflict
from models import Group, GroupSession, Membership, Role, SessionMessage, SessionStatus, User
from resolvers.anonymise import anonymise, week_of
from resolvers.audit import audit
from resolvers.sessions import get_session
from resolvers.text import check_has_offset


async def ended_session(session_id: int) -> GroupSession:
    session = await get_session(session_id)
    if session.status != SessionStatus.ENDED:
        raise Conflict("A session's transcript is kept when the session ends.")
    return session


async def read_transcript(
    reader_id: int, session_id: int, after: int | None, limit: int
) -> tuple[GroupSession, list[SessionMessage]]:
    """A page of an ended session's messages, in order, cut to the reader's room: a member
    reads what was said while she was in the group. Every read is audited."""
    session = await ended_session(session_id)
    room = await room_of(reader_id, session.group_id)
    messages = SessionMessage.filter(room.said_within("sent_at"), session_id=session_id)
    if after is not None:
        messages = messages.filter(sequence__gt=after)
    page = await messages.order_by("sequence").limit(limit).select_related("author")
    await audit(reader_id, "TRANSCRIPT_READ", "GroupSession", session.id, session.group_id)
    return session, page


async def readable_transcripts(reader_id: int) -> list[GroupSession]:
    """The ended sessions whose transcripts the reader may open, newest first: those of the
    groups she facilitates, and those her memberships overlapped, past ones included."""
    facilitated = await Group.filter(facilitator_id=reader_id).values_list("id", flat=True)
    member_of = await Membership.filter(user_id=reader_id).values_list("group_id", flat=True)
    ended = await GroupSession.filter(
        group_id__in=list({*facilitated, *member_of}), status=SessionStatus.ENDED
    ).order_by("-started_at", "-id")
    rooms = await rooms_of(reader_id, {s.group_id for s in ended})
    return [
        s
        for s in ended
        if s.started_at is not None
        and rooms[s.group_id].overlaps(s.started_at, s.ended_at or s.started_at)
    ]


@dataclass(frozen=True)
class ResearchLine:
    speaker: str
    body: str


@dataclass(frozen=True)
class ResearchTranscript:
    """One session, anonymised: dated by its week at most, its lines in order."""

    week: date
    lines: list[ResearchLine]


def pseudonym(index: int) -> str:
    letters = ascii_uppercase
    return f"Member {letters[index % 26]}{index // 26 or ''}"


async def do_research_export(
    actor_id: int, group_id: int, since: datetime, until: datetime
) -> list[ResearchTranscript]:
    """The group's transcripts in ``[since, until)``, anonymised, without opted-out members.

    Pseudonyms are stable within one export: the same person is "Member A" in every
    transcript of it, and no one can link exports to each other. What could identify
    someone in the words is replaced (``anonymise``), redacted messages are left out,
    and a session is dated by its week, never its day or time.
    """
    check_has_offset(since, "the start of the period")
    check_has_offset(until, "the end of the period")
    sessions = await GroupSession.filter(
        group_id=group_id,
        status=SessionStatus.ENDED,
        started_at__gte=since,
        started_at__lt=until,
    ).order_by("started_at")
    messages = await SessionMessage.filter(
        session_id__in=[s.id for s in sessions], redacted_at=None
    ).order_by("session_id", "sequence")
    author_ids = {m.author_id for m in messages}
    member_ids = await Membership.filter(group_id=group_id).values_list("user_id", flat=True)
    facilitator_id = await Group.filter(id=group_id).values_list("facilitator_id", flat=True)
    everyone = author_ids | set(member_ids) | set(facilitator_id)
    people = {u.id: u for u in await User.filter(id__in=list(everyone))}
    # A closed profile's name was freed; what others said may still hold it.
    names = [person.former_name or person.profile_name for person in people.values()]
    speakers: dict[int, str] = {}
    by_session: dict[int, list[ResearchLine]] = {s.id: [] for s in sessions}
    for message in messages:
        author = people[message.author_id]
        if not author.research_consent:
            continue
        if author.role == Role.FACILITATOR:
            speaker = "Facilitator"
        else:
            speaker = speakers.setdefault(author.id, pseudonym(len(speakers)))
        by_session[message.session_id].append(ResearchLine(speaker, anonymise(message.body, names)))
    await audit(
        actor_id,
        "RESEARCH_EXPORT",
        "Group",
        group_id,
        group_id,
        f"{len(sessions)} sessions from {since.isoformat()} to {until.isoformat()}",
    )
    return [
        ResearchTranscript(week_of(s.started_at or s.starts_at), by_session[s.id]) for s in sessions
    ]


async def do_set_research_consent(user_id: int, consent: bool) -> User:
    user = await User.get(id=user_id)
    user.research_consent = consent
    await user.save(update_fields=["research_consent"])
    await audit(
        user_id,
        "RESEARCH_CONSENT_GIVEN" if consent else "RESEARCH_CONSENT_WITHDRAWN",
        "User",
        user_id,
    )
    return user
