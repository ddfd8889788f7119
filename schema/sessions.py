"""Weekly sessions: live messages, presence, transcripts and the research export."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from auth.access import session_message_subject, session_subject
from auth.permissions import (
    HasRole,
    IsAuthenticated,
    IsGroupFacilitator,
    IsGroupMember,
    IsSessionMember,
    guard,
    parse_id,
    subject_from,
)
from models import GroupSession as SessionModel
from models import Role
from models import SessionStatus as SessionStatusModel
from resolvers import live, sessions, transcripts
from schema.accounts import User
from schema.fanout import shared_event
from schema.inputs import ClientMessageId
from schema.pagination import Connection, check_first, connection, decode_cursor
from schema.scalars import readable

SessionStatus = strawberry.enum(SessionStatusModel, name="SessionStatus")
SESSION = subject_from(session_subject, "session_id", "session")
SESSION_BY_ID = subject_from(session_subject, "id", "session")
SESSION_MESSAGE = subject_from(session_message_subject, "message_id", "message")
TAKING_PART = (IsGroupMember(), IsGroupFacilitator())
MANAGER = HasRole(Role.ONLINE_MANAGER)


@strawberry.type(description="One weekly meeting of a group, or a one-off.")
class GroupSession:
    id: strawberry.ID
    status: SessionStatus  # type: ignore[valid-type]
    starts_at: datetime
    duration_minutes: int
    one_off: bool
    started_at: datetime | None
    ended_at: datetime | None
    last_sequence: int = strawberry.field(description="The number of the latest message.")
    group_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, session: SessionModel) -> GroupSession:
        return cls(
            id=strawberry.ID(str(session.id)),
            status=session.status,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
            one_off=session.one_off,
            started_at=session.started_at,
            ended_at=session.ended_at,
            last_sequence=session.last_sequence,
            group_id=session.group_id,
        )

    @strawberry.field(description="When it starts, as London clocks show it.")
    def starts_at_local(self) -> str:
        return readable(self.starts_at)


@strawberry.type(description="Something said in a session.")
class SessionMessage:
    id: strawberry.ID
    sequence: int = strawberry.field(description="1, 2, 3… within the session.")
    body: str = strawberry.field(description="Empty once the facilitator redacted it.")
    redacted: bool = strawberry.field(
        description="Withdrawn by the facilitator: a stream sends the message again with this "
        "set, and clients replace what they showed."
    )
    sent_at: datetime
    author: User

    @classmethod
    def from_payload(cls, payload: dict) -> SessionMessage:
        return cls(
            id=strawberry.ID(str(payload["id"])),
            sequence=payload["sequence"],
            body=payload["body"],
            redacted=payload.get("redacted", False),
            sent_at=datetime.fromisoformat(payload["sent_at"]),
            author=User.from_parts(
                payload["author_id"], payload["author_name"], payload["author_role"]
            ),
        )


@strawberry.type(description="What was said in an ended session, in order.")
class Transcript:
    session: GroupSession
    messages: Connection[SessionMessage]


@strawberry.type(
    description="A transcript you may read: of a group you facilitate, or of a "
    "session your membership overlapped, even if it has ended since."
)
class ReadableTranscript:
    session: GroupSession
    group_id: strawberry.ID
    group_name: str


@strawberry.type(description="Who is following a live session now, and who just came or went.")
class SessionPresence:
    present: list[User]
    joined: User | None = None
    left: User | None = None


@strawberry.type(description="A line of an anonymised transcript, in the order it was said.")
class ResearchLine:
    speaker: str = strawberry.field(description="A pseudonym, stable within one export.")
    body: str = strawberry.field(
        description="What was said, with people, places, institutions, dates, ages and "
        "identifying numbers replaced by typed placeholders: [person], [place], [date]…"
    )


@strawberry.type(
    description="An anonymised transcript: pseudonyms, no identifying details, dated by "
    "its week at most."
)
class ResearchTranscript:
    week: date = strawberry.field(description="The Monday of the week it was held (UK time).")
    lines: list[ResearchLine]


async def users(info: Info, ids: list[int]) -> list[User]:
    return [User.from_model(u) for u in await info.context.loaders.user.load_many(ids)]


@strawberry.type
class Query:
    @strawberry.field(extensions=guard(*TAKING_PART, MANAGER, subject=SESSION_BY_ID))
    async def session(self, id: strawberry.ID) -> GroupSession | None:
        return GroupSession.from_model(await sessions.get_session(parse_id(id)))

    @strawberry.field(
        description="An ended session's transcript: all of it for the group's facilitator; for a "
        "member, what was said while she was in the group (the rule of the room). Every read "
        "is audited.",
        extensions=guard(IsGroupFacilitator(), IsSessionMember(), subject=SESSION),
    )
    async def transcript(
        self, info: Info, session_id: strawberry.ID, first: int = 100, after: str | None = None
    ) -> Transcript | None:
        first = check_first(first)
        session, page = await transcripts.read_transcript(
            info.context.viewer.user_id, parse_id(session_id), decode_cursor(after), first + 1
        )
        payloads = [sessions.message_payload(m, m.author) for m in page]
        return Transcript(
            session=GroupSession.from_model(session),
            messages=connection(
                payloads, first, lambda p: p["sequence"], SessionMessage.from_payload, after
            ),
        )

    @strawberry.field(
        description="The transcripts you may read, newest first: each opens with `transcript`.",
        extensions=guard(IsAuthenticated()),
    )
    async def my_transcripts(self, info: Info) -> list[ReadableTranscript] | None:
        found = await transcripts.readable_transcripts(info.context.viewer.user_id)
        groups = await info.context.loaders.group.load_many([s.group_id for s in found])
        return [
            ReadableTranscript(
                session=GroupSession.from_model(session),
                group_id=strawberry.ID(str(group.id)),
                group_name=group.name,
            )
            for session, group in zip(found, groups, strict=True)
        ]

    @strawberry.field(
        description="A group's transcripts for research, anonymised; members who opted out "
        "are left out. Every export is audited.",
        extensions=guard(MANAGER),
    )
    async def research_export(
        self, info: Info, group_id: strawberry.ID, since: datetime, until: datetime
    ) -> list[ResearchTranscript] | None:
        exported = await transcripts.do_research_export(
            info.context.viewer.user_id, parse_id(group_id), since, until
        )
        return [
            ResearchTranscript(
                week=t.week,
                lines=[ResearchLine(speaker=x.speaker, body=x.body) for x in t.lines],
            )
            for t in exported
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add a one-off session to a group.",
        extensions=guard(IsGroupFacilitator()),
    )
    async def add_session(
        self, info: Info, group_id: strawberry.ID, starts_at: datetime
    ) -> GroupSession | None:
        session = await sessions.do_add_session(
            info.context.viewer.user_id, parse_id(group_id, "groupId"), starts_at
        )
        return GroupSession.from_model(session)

    @strawberry.mutation(extensions=guard(IsGroupFacilitator(), subject=SESSION))
    async def cancel_session(self, info: Info, session_id: strawberry.ID) -> GroupSession | None:
        session = await sessions.do_cancel_session(
            info.context.viewer.user_id, parse_id(session_id, "sessionId")
        )
        return GroupSession.from_model(session)

    @strawberry.mutation(extensions=guard(IsGroupFacilitator(), subject=SESSION))
    async def start_session(self, info: Info, session_id: strawberry.ID) -> GroupSession | None:
        session = await sessions.do_start_session(
            info.context.viewer.user_id, parse_id(session_id, "sessionId")
        )
        return GroupSession.from_model(session)

    @strawberry.mutation(
        description="End a live session: its transcript is kept.",
        extensions=guard(IsGroupFacilitator(), subject=SESSION),
    )
    async def end_session(self, info: Info, session_id: strawberry.ID) -> GroupSession | None:
        session = await sessions.do_end_session(
            info.context.viewer.user_id, parse_id(session_id, "sessionId")
        )
        return GroupSession.from_model(session)

    @strawberry.mutation(
        description="Say something in a live session (1 to 4,000 characters).",
        extensions=guard(*TAKING_PART, subject=SESSION),
    )
    async def post_session_message(
        self,
        info: Info,
        session_id: strawberry.ID,
        body: str,
        client_message_id: ClientMessageId = None,
    ) -> SessionMessage | None:
        author = await info.context.current_user()
        message = await sessions.do_post_message(
            author, parse_id(session_id, "sessionId"), body, client_message_id
        )
        return SessionMessage.from_payload(sessions.message_payload(message, author))

    @strawberry.mutation(
        description="Withdraw a message said in a session, live or ended, from every reader at "
        "once. The original is kept sealed for the audit; the redaction is audited.",
        extensions=guard(IsGroupFacilitator(), subject=SESSION_MESSAGE),
    )
    async def redact_session_message(
        self, info: Info, message_id: strawberry.ID, reason: str
    ) -> SessionMessage | None:
        message = await sessions.do_redact_message(
            info.context.viewer.user_id,
            info.context.settings.gp_details_keys,
            parse_id(message_id, "messageId"),
            reason,
        )
        author = await info.context.loaders.user.load(message.author_id)
        return SessionMessage.from_payload(sessions.message_payload(message, author))

    @strawberry.mutation(
        description="Whether your words may be used, anonymised, for research (on by default).",
        extensions=guard(IsAuthenticated()),
    )
    async def set_research_consent(self, info: Info, consent: bool) -> User | None:
        user = await transcripts.do_set_research_consent(info.context.viewer.user_id, consent)
        return User.from_model(user)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A live session's messages as they are said, in order. Pass the last "
        "`sequence` you saw to catch up on what you missed first (from when you joined the "
        "group; the catching up is audited). An ended session is refused: read its transcript.",
        extensions=guard(*TAKING_PART, subject=SESSION),
    )
    async def session_messages(
        self, info: Info, session_id: strawberry.ID, after_sequence: int = 0
    ) -> AsyncGenerator[SessionMessage, None]:
        stream = live.follow_session(
            info.context.viewer, parse_id(session_id, "sessionId"), after_sequence
        )
        async for payload in stream:
            # Every subscriber here is handed the same event: answered once per selection.
            yield shared_event(payload, SessionMessage.from_payload)  # type: ignore[misc]

    @strawberry.subscription(
        description="Who is in a live session: now, and whenever someone comes or goes. An "
        "ended session is refused.",
        extensions=guard(*TAKING_PART, subject=SESSION),
    )
    async def session_presence(
        self, info: Info, session_id: strawberry.ID
    ) -> AsyncGenerator[SessionPresence, None]:
        before: set[int] = set()
        async for present in live.follow_presence(
            info.context.viewer, parse_id(session_id, "sessionId")
        ):
            now = set(present)
            joined, left = sorted(now - before), sorted(before - now)
            before = now
            info.context.renew()
            yield SessionPresence(
                present=await users(info, present),
                joined=(await users(info, joined[:1]) or [None])[0],
                left=(await users(info, left[:1]) or [None])[0],
            )
