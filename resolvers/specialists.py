"""Specialist groups: a question asked of the service's specialists, answered within two
working days, and the specialists and the online manager told once when it is not.

Not real time: a person waiting for a group's place asks, and comes back for the
answer. A question is public (anyone reads it, like a topic) or private (the asker and
the group's specialists only); who may read it is the directives' to say
(``auth.access.question_subject``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import holidays
from tortoise.exceptions import IntegrityError

from errors import BadUserInput, Conflict, NotFound
from models import (
    MailKind,
    Role,
    SpecialistAnswer,
    SpecialistGroup,
    SpecialistQuestion,
    SpecialistSeat,
    User,
    Visibility,
)
from resolvers.inbox import Link, notify, notify_each, online_managers
from resolvers.steps import LONDON, london
from resolvers.text import LETTER, LINE, check_text
from subscriptions.outbox import transaction

WORKING_DAYS_TO_ANSWER = 2
QUESTION_LINK = "SpecialistQuestion"


@functools.cache
def _bank_holidays(year: int) -> frozenset[date]:
    """England and Wales's bank holidays: the days the service's specialists are off."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def answer_by(asked_at: datetime) -> datetime:
    """The same time of day, two working days on (London's calendar): asked on a Friday
    afternoon, answered by Tuesday afternoon; over Easter, later still."""
    local = asked_at.astimezone(LONDON)
    day, counted = local.date(), 0
    while counted < WORKING_DAYS_TO_ANSWER:
        day += timedelta(days=1)
        counted += is_working_day(day)
    moment = datetime.combine(day, local.time(), LONDON)
    return moment.astimezone(UTC)


async def specialists_of(group_id: int) -> list[int]:
    ids = await SpecialistSeat.filter(group_id=group_id).values_list("specialist_id", flat=True)
    return sorted(ids)  # type: ignore[type-var]


async def check_specialists(ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(ids))
    if not wanted:
        raise BadUserInput("A specialist group needs at least one specialist.")
    found = await User.filter(id__in=wanted, role=Role.SPECIALIST, closed_at=None).count()
    if found != len(wanted):
        raise BadUserInput("Every one named must be a specialist with an open profile.")
    return wanted


async def do_create_group(
    name: str, description: str, specialist_ids: list[int]
) -> SpecialistGroup:
    name = check_text(name, "the group's name", longest=120, one_line=True)
    description = check_text(description, "what the group answers", longest=LETTER)
    specialists = await check_specialists(specialist_ids)
    try:
        async with transaction():
            group = await SpecialistGroup.create(name=name, description=description)
            for specialist_id in specialists:
                await SpecialistSeat.create(group=group, specialist_id=specialist_id)
    except IntegrityError as error:
        raise Conflict("There is already a specialist group of that name.") from error
    return group


async def groups() -> list[SpecialistGroup]:
    return await SpecialistGroup.all().order_by("name")


async def get_question(question_id: int) -> SpecialistQuestion:
    question = await SpecialistQuestion.filter(id=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    return question


async def do_ask(
    asker_id: int,
    group_id: int,
    title: str,
    body: str,
    visibility: Visibility,
    now: datetime | None = None,
) -> SpecialistQuestion:
    """Ask a group's specialists; they are told, and the asker learns when to expect an
    answer."""
    title = check_text(title, "a title", longest=LINE, one_line=True)
    body = check_text(body, "your question", longest=LETTER)
    now = now or datetime.now(UTC)
    group = await SpecialistGroup.filter(id=group_id).first()
    if group is None:
        raise NotFound("No such specialist group.")
    async with transaction():
        question = await SpecialistQuestion.create(
            group=group,
            asker_id=asker_id,
            title=title,
            body=body,
            visibility=visibility,
            asked_at=now,
            answer_by=answer_by(now),
        )
        link = Link(QUESTION_LINK, question.id)
        await notify_each(
            await specialists_of(group.id),
            f"A new question in {group.name}",
            f"Answer it by {london(question.answer_by)} (UK time).",
            link=link,
        )
        await notify(
            asker_id,
            f"We have your question to {group.name}",
            f"A specialist will answer by {london(question.answer_by)} (UK time). We will "
            "tell you here, and by e-mail if you like, when there is an answer.",
            link=link,
        )
    return question


async def do_answer(
    specialist_id: int, question_id: int, body: str, now: datetime | None = None
) -> SpecialistAnswer:
    body = check_text(body, "an answer", longest=LETTER)
    now = now or datetime.now(UTC)
    async with transaction():
        question = await SpecialistQuestion.filter(id=question_id).select_for_update().first()
        if question is None:
            raise NotFound("No such question.")
        answer = await SpecialistAnswer.create(
            question=question, specialist_id=specialist_id, body=body, answered_at=now
        )
        if question.answered_at is None:
            question.answered_at = now
            await question.save(update_fields=["answered_at"])
        group = await SpecialistGroup.get(id=question.group_id)
        await notify(
            question.asker_id,
            f"Your question to {group.name} has an answer",
            f"A specialist answered \u201c{question.title}\u201d.",
            link=Link(QUESTION_LINK, question.id),
        )
    return answer


async def queue(viewer_id: int, role: Role) -> list[SpecialistQuestion]:
    """Questions still to be answered, the most pressing first: a specialist's groups'
    for her, every group's for the online manager."""
    waiting = SpecialistQuestion.filter(answered_at=None)
    if role != Role.ONLINE_MANAGER:
        mine = await SpecialistSeat.filter(specialist_id=viewer_id).values_list(
            "group_id", flat=True
        )
        waiting = waiting.filter(group_id__in=list(mine))
    return await waiting.order_by("answer_by", "id")


async def do_tell_overdue(now: datetime | None = None) -> int:
    """Tell the group's specialists and the online managers, once, of each question past
    its ``answer_by`` without an answer; how many this call told of. Safe in any number
    of processes: the conditional update lets one of them tell."""
    now = now or datetime.now(UTC)
    overdue = await SpecialistQuestion.filter(
        answered_at=None, overdue_told_at=None, answer_by__lte=now
    )
    told = 0
    for question in overdue:
        async with transaction():
            won = await SpecialistQuestion.filter(
                id=question.id, overdue_told_at=None, answered_at=None
            ).update(overdue_told_at=now)
            if not won:
                continue
            group = await SpecialistGroup.get(id=question.group_id)
            await notify_each(
                {*await specialists_of(group.id), *await online_managers()},
                f"A question in {group.name} is overdue",
                f"It was to be answered by {london(question.answer_by)} (UK time).",
                link=Link(QUESTION_LINK, question.id),
                email=MailKind.ACTION_NEEDED,
            )
        told += 1
    return told
