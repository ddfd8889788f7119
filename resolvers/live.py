"""The live streams behind the subscriptions, with their checks on every event.

A guard on a subscription runs once, when it starts. These streams check again for
every event they deliver: a member removed mid-session receives nothing more, an
expired access token ends the stream, and no event reaches anyone the database does
not say may see it. A session's stream, the hot one, holds its reader's standing
(``Admission``) and checks it in memory; the database is asked again when a change of
her standing is announced on the session's channel (``resolvers.standing``), when the
standing's moment passes, and after a resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from auth.access import Standing, may_take_part, room_of, standing_in, takes_part_anywhere
from auth.identity import Viewer
from auth.integrations import integration_is_active
from errors import Conflict, FellBehind, Forbidden, NotFound, Unauthenticated
from models import (
    Application,
    Conversation,
    Group,
    GroupSession,
    PersonalMessage,
    Post,
    Role,
    SessionStatus,
)
from resolvers.audit import audit
from resolvers.conversations import check_sees_conversation, conversation_room
from resolvers.events import check_still_kept, events_after, last_position
from resolvers.sessions import messages_after, missed_since
from resolvers.standing import ACCESS_CHANGED
from subscriptions import channels
from subscriptions.hub import Listener, Overflow, Resync, current_hub
from subscriptions.presence import Presence, present_user_ids

# A notice of a changed standing that failed to publish must not leave a grant standing
# for long: each stream asks the database again at least this often while it delivers.
ASK_AGAIN_AFTER = timedelta(seconds=30)
# An events stream quiet this long asks the table: a relay that died between numbering
# and publishing leaves events only there.
CATCH_UP_SECONDS = 5.0


@functools.lru_cache(maxsize=4096)
def said_at(sent_at: str) -> datetime:
    """When a live message was said, parsed once however many streams deliver it."""
    return datetime.fromisoformat(sent_at)


class Admission:
    """A reader's admission to a group's live stream, checked at each delivery."""

    def __init__(self, viewer: Viewer, group_id: int) -> None:
        assert viewer.user_id is not None
        self.user_id = viewer.user_id
        self.viewer = viewer
        self.group_id = group_id
        self.standing: Standing | None = None
        self.asked_at = datetime.now(UTC)
        self.settled_until = 0.0  # until this time (epoch seconds) nothing can have changed

    @classmethod
    async def of(cls, viewer: Viewer, group_id: int) -> Admission:
        admission = cls(viewer, group_id)
        await admission.ask()
        return admission

    async def ask(self, now: datetime | None = None) -> None:
        """Ask the database afresh."""
        self.asked_at = now or datetime.now(UTC)
        self.standing = await standing_in(self.user_id, self.group_id, now)
        moments = [self.asked_at + ASK_AGAIN_AFTER]
        if self.standing is not None and self.standing.until is not None:
            moments.append(self.standing.until)
        if self.viewer.expires_at is not None:
            moments.append(self.viewer.expires_at)
        self.settled_until = min(moments).timestamp() if self.standing is not None else 0.0

    async def check(self, now: datetime | None = None) -> None:
        """Raise unless the token is still valid and the reader still takes part."""
        if now is None and time.time() < self.settled_until:
            return  # asked lately, her term and her token run on: one comparison per message
        now = now or datetime.now(UTC)
        check_token(self.viewer, now)
        if self.standing is not None and not self.standing.holds(now):
            await self.ask(now)  # her term was to end now, unless it was extended
        elif now - self.asked_at > ASK_AGAIN_AFTER:
            await self.ask(now)  # in case a notice was lost on its way
        if self.standing is None:
            raise Forbidden("You no longer take part in this group.")


async def still_allowed(viewer: Viewer, group_id: int) -> None:
    """Raise unless the viewer's token is still valid and they still take part."""
    check_token(viewer)
    if viewer.user_id is None or not await may_take_part(viewer.user_id, group_id):
        raise Forbidden("You no longer take part in this group.")


async def follow_session(
    viewer: Viewer, session_id: int, after_sequence: int
) -> AsyncIterator[dict[str, Any]]:
    """A session's messages after ``after_sequence``, in order, then live until it ends.

    Messages carry their sequence numbers: a gap (a message lost between processes)
    or a reconnection of the pub/sub is filled from the database before going on.
    One generator, holding ids rather than rows: a socket keeps it for hours.
    """
    assert viewer.user_id is not None
    group_id = (await live_session(session_id)).group_id
    last = after_sequence
    try:
        # A member who joined part-way sees from the moment she joined, as in a transcript.
        room = await room_of(viewer.user_id, group_id)
        async with (
            current_hub().listen(channels.session_messages(session_id)) as listener,
            Presence(session_id, viewer.user_id),
        ):
            # Subscribed first, then admitted and caught up: a change of standing or a message
            # committed from now on is heard. What the client already holds may have been
            # redacted since: it is sent again, withdrawn.
            admission = await Admission.of(viewer, group_id)
            await admission.check()
            backlog = await missed_since(session_id, last, room)
            if said := sum(payload["type"] == "message" for payload in backlog):
                await audit(
                    viewer.user_id,
                    "TRANSCRIPT_READ",
                    "GroupSession",
                    session_id,
                    group_id,
                    f"{said} messages caught up while live",
                )
            for payload in backlog:
                last = max(last, payload["sequence"])
                yield payload
            if await session_is_over(session_id):
                return
            async for event in listener:
                if isinstance(event, Resync):  # events may have been lost: ask the database
                    await admission.ask()
                    await admission.check()
                    room = await room_of(viewer.user_id, group_id)
                    missed = await missed_since(session_id, last, room)
                elif event.get("type") == ACCESS_CHANGED:
                    if event["user_id"] == viewer.user_id:
                        await admission.ask()
                        await admission.check()  # ends the stream if she no longer takes part
                    continue
                elif event.get("type") == "ended":
                    missed = await messages_after(session_id, last, room=room)
                elif event.get("type") == "message" and event["sequence"] > last:
                    missed = []
                    if event["sequence"] > last + 1:  # some went astray: fetch them first
                        missed = await messages_after(
                            session_id, last, event["sequence"] - 1, room=room
                        )
                    if room.covers(said_at(event["sent_at"])):
                        missed.append(event)
                elif (
                    event.get("type") == "redacted"
                    and event["sequence"] <= last  # a later one arrives from the database, redacted
                    and room.covers(said_at(event["sent_at"]))
                ):
                    missed = [event]  # the same message again, withdrawn: clients replace it
                else:
                    continue
                if missed:  # checked at each delivery, before anything is sent
                    await admission.check()
                for payload in missed:
                    last = max(last, payload["sequence"])
                    yield payload
                ended = not isinstance(event, Resync) and event.get("type") == "ended"
                if ended or (isinstance(event, Resync) and await session_is_over(session_id)):
                    return
    except Overflow as error:
        raise FellBehind(
            f"You fell behind the conversation: subscribe again with afterSequence: {last}."
        ) from error


async def live_session(session_id: int) -> GroupSession:
    """The session, if it can still be followed: an ended one is read as a transcript."""
    session = await GroupSession.filter(id=session_id).first()
    if session is None:
        raise NotFound("No such session.")
    if session.status in (SessionStatus.ENDED, SessionStatus.CANCELLED):
        raise Conflict(
            f"This session is {session.status.value.lower()}: it is not live. "
            "Read what was said with transcript."
        )
    return session


async def session_is_over(session_id: int) -> bool:
    """Whether the session ended, was cancelled, or is gone (a schedule change drops the
    sessions still to come)."""
    status = await GroupSession.filter(id=session_id).values_list("status", flat=True)
    return not status or status[0] in (SessionStatus.ENDED, SessionStatus.CANCELLED)


async def follow_presence(viewer: Viewer, session_id: int) -> AsyncIterator[list[int]]:
    """Who is in the session: now, then again whenever someone joins or leaves."""
    session = await live_session(session_id)
    async with current_hub().listen(channels.session_presence(session_id)) as listener:
        await still_allowed(viewer, session.group_id)
        yield await present_user_ids(session_id)
        async for _ in listener:
            await still_allowed(viewer, session.group_id)
            yield await present_user_ids(session_id)


async def follow_applications(viewer: Viewer) -> AsyncIterator[Application]:
    """Changes to the viewer's own applications, or to those of the groups they run."""
    assert viewer.user_id is not None
    async with current_hub().listen(channels.application_updates(viewer.user_id)) as listener:
        async for event in listener:
            if isinstance(event, Resync):
                continue  # nothing to replay: clients re-read their applications
            check_token(viewer)
            application = await Application.filter(id=event["application_id"]).first()
            if application is not None and await may_follow(viewer, application):
                yield application


async def may_follow(viewer: Viewer, application: Application) -> bool:
    if application.applicant_id == viewer.user_id:
        return True
    if viewer.role == Role.ONLINE_MANAGER:
        return True
    return await Group.filter(id=application.group_id, facilitator_id=viewer.user_id).exists()


async def follow_conversation(viewer: Viewer, conversation_id: int) -> AsyncIterator[Post]:
    """Posts added to (or changed in) a conversation, while the viewer may still read it."""
    assert viewer.user_id is not None
    conversation = await Conversation.filter(id=conversation_id).first()
    if conversation is None:
        raise NotFound("No such conversation.")
    room = await conversation_room(viewer.user_id, conversation)
    await check_sees_conversation(room, conversation)
    channel = channels.conversation_posts(conversation_id)
    async with current_hub().listen(channel) as listener:
        async for event in listener:
            if isinstance(event, Resync):
                continue  # clients re-read the thread's page after a reconnection
            check_token(viewer)
            if not await may_use_conversation(viewer, conversation.group_id):
                raise Forbidden("You can no longer read this conversation.")
            post = await Post.filter(id=event["post_id"]).first()
            if post is not None and room.covers(post.created_at):
                yield post


async def may_use_conversation(viewer: Viewer, group_id: int | None) -> bool:
    if viewer.user_id is None:
        return False
    if group_id is None:
        return viewer.has_role(Role.MEMBER, Role.FACILITATOR) and await takes_part_anywhere(
            viewer.user_id, viewer.role
        )
    return await may_take_part(viewer.user_id, group_id)


async def follow_inbox(viewer: Viewer) -> AsyncIterator[PersonalMessage]:
    """New messages in the viewer's own inbox."""
    assert viewer.user_id is not None
    async with current_hub().listen(channels.inbox(viewer.user_id)) as listener:
        async for event in listener:
            if isinstance(event, Resync):
                continue
            check_token(viewer)
            message = await PersonalMessage.filter(
                id=event["message_id"], recipient_id=viewer.user_id
            ).first()
            if message is not None:
                yield message


async def follow_events(
    viewer: Viewer, types: set[str] | None, after: int | None
) -> AsyncIterator[dict[str, Any]]:
    """Domain events of the chosen types, in order of ``position``, while the
    integration's token stands: first those after ``after`` still kept, then live.

    Nothing is skipped at the seam or later: an event heard out of order, a resync, or
    ``CATCH_UP_SECONDS`` of quiet (a relay may have died between numbering and
    publishing) send the stream to the table for whatever it has not yet given. A
    revocation arrives on the same channel and ends the stream at once.
    """
    integration_id = viewer.integration_id
    assert integration_id is not None
    if after is None:
        last = await last_position()
    else:
        await check_still_kept(after)
        last = after
    while True:
        # Listen anew after an overflow: whatever it dropped, the table has.
        with contextlib.suppress(Overflow):
            async with current_hub().listen(channels.events()) as listener:
                while True:
                    while batch := await events_after(last):  # what we have not yet given
                        await check_still_active(integration_id)
                        for event in batch:
                            last = event["position"]
                            if not types or event["type"] in types:
                                yield event
                    while heard := await next_heard(listener, last, integration_id):
                        last = heard["position"]
                        if not types or heard["type"] in types:
                            await check_still_active(integration_id)
                            yield heard


async def next_heard(listener: Listener, last: int, integration_id: int) -> dict[str, Any] | None:
    """The event heard live right after ``last``; None when the table must be asked
    instead: after ``CATCH_UP_SECONDS`` of quiet, a resync, or a gap."""
    while True:
        try:
            heard = await asyncio.wait_for(listener.get(), CATCH_UP_SECONDS)
        except TimeoutError:
            return None
        if isinstance(heard, Resync):
            await check_still_active(integration_id)
            return None
        if "revoked_integration_id" in heard:
            if heard["revoked_integration_id"] == integration_id:
                raise Unauthenticated(REVOKED)
            continue
        if heard["position"] <= last:
            continue  # given already, from the table
        if heard["position"] > last + 1:
            return None  # some went astray: the table has them, in order
        return heard


async def check_still_active(integration_id: int) -> None:
    if not await integration_is_active(integration_id):
        raise Unauthenticated(REVOKED)


REVOKED = "This integration's token was revoked."


def check_token(viewer: Viewer, now: datetime | None = None) -> None:
    if viewer.expires_at is not None and viewer.expires_at <= (now or datetime.now(UTC)):
        raise Unauthenticated("Your sign-in has expired; sign in again to keep following.")
