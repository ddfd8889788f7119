"""Specialist groups: questions to the service's specialists, public or private."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from auth.access import question_subject
from auth.permissions import (
    HasRole,
    IsAuthenticated,
    IsGroupSpecialist,
    IsPublished,
    IsSelf,
    guard,
    parse_id,
    public,
    subject_from,
)
from models import Role
from models import SpecialistAnswer as AnswerModel
from models import SpecialistGroup as GroupModel
from models import SpecialistQuestion as QuestionModel
from models import Visibility as VisibilityModel
from resolvers import specialists

Visibility = strawberry.enum(
    VisibilityModel,
    name="Visibility",
    description="PUBLIC: anyone may read it. PRIVATE: only its author and those it is for.",
)
QUESTION = subject_from(question_subject, "question_id", "question", for_anyone=True)
QUESTION_BY_ID = subject_from(question_subject, "id", "question", for_anyone=True)
READERS = (IsPublished(), IsSelf(), IsGroupSpecialist())


@strawberry.type(description="Who wrote something public: a profile name, nothing more.")
class Author:
    profile_name: str


async def author(info: Info, user_id: int) -> Author:
    return Author(profile_name=(await info.context.loaders.user.load(user_id)).public_name)


@strawberry.type(description="A subject the service's specialists answer questions on.")
class SpecialistGroup:
    id: strawberry.ID
    name: str
    description: str
    group_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, group: GroupModel) -> SpecialistGroup:
        return cls(
            id=strawberry.ID(str(group.id)),
            name=group.name,
            description=group.description,
            group_id=group.id,
        )

    @strawberry.field(description="Who answers here.")
    async def specialists(self, info: Info) -> list[Author]:
        ids = await info.context.loaders.specialists.load(self.group_id)
        return [await author(info, user_id) for user_id in ids]


@strawberry.type
class SpecialistAnswer:
    id: strawberry.ID
    body: str
    answered_at: datetime
    specialist_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, answer: AnswerModel) -> SpecialistAnswer:
        return cls(
            id=strawberry.ID(str(answer.id)),
            body=answer.body,
            answered_at=answer.answered_at,
            specialist_id=answer.specialist_id,
        )

    @strawberry.field
    async def specialist(self, info: Info) -> Author:
        return await author(info, self.specialist_id)


@strawberry.type(description="A question to a specialist group, and its answers.")
class SpecialistQuestion:
    id: strawberry.ID
    title: str
    body: str
    visibility: Visibility  # type: ignore[valid-type]
    asked_at: datetime
    answer_by: datetime = strawberry.field(
        description="Two working days after it was asked (weekends and bank holidays aside)."
    )
    model: strawberry.Private[QuestionModel]

    @classmethod
    def from_model(cls, question: QuestionModel) -> SpecialistQuestion:
        return cls(
            id=strawberry.ID(str(question.id)),
            title=question.title,
            body=question.body,
            visibility=question.visibility,
            asked_at=question.asked_at,
            answer_by=question.answer_by,
            model=question,
        )

    @strawberry.field(description="Not answered by `answerBy`.")
    def overdue(self) -> bool:
        return self.model.answered_at is None and self.model.answer_by <= datetime.now(UTC)

    @strawberry.field
    async def group(self, info: Info) -> SpecialistGroup:
        found = await info.context.loaders.specialist_group.load(self.model.group_id)
        return SpecialistGroup.from_model(found)

    @strawberry.field
    async def asker(self, info: Info) -> Author:
        return await author(info, self.model.asker_id)

    @strawberry.field(description="Oldest first.")
    async def answers(self, info: Info) -> list[SpecialistAnswer]:
        found = await info.context.loaders.specialist_answers.load(self.model.id)
        return [SpecialistAnswer.from_model(answer) for answer in found]


@strawberry.type
class Query:
    @strawberry.field(description="The specialist groups, by name.", extensions=public())
    async def specialist_groups(self) -> list[SpecialistGroup]:
        return [SpecialistGroup.from_model(g) for g in await specialists.groups()]

    @strawberry.field(
        description="A question: a public one for anyone; a private one for its asker and "
        "the group's specialists.",
        extensions=guard(*READERS, subject=QUESTION_BY_ID),
    )
    async def specialist_question(self, id: strawberry.ID) -> SpecialistQuestion | None:
        return SpecialistQuestion.from_model(await specialists.get_question(parse_id(id)))

    @strawberry.field(
        description="Specialists: the questions of your groups still to answer, the most "
        "pressing first; the online manager sees every group's.",
        extensions=guard(HasRole(Role.SPECIALIST, Role.ONLINE_MANAGER)),
    )
    async def specialist_queue(self, info: Info) -> list[SpecialistQuestion] | None:
        viewer = info.context.viewer
        found = await specialists.queue(viewer.user_id, viewer.role)
        return [SpecialistQuestion.from_model(question) for question in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Online manager: open a specialist group with its specialists.",
        extensions=guard(HasRole(Role.ONLINE_MANAGER)),
    )
    async def create_specialist_group(
        self, name: str, description: str, specialist_ids: list[strawberry.ID]
    ) -> SpecialistGroup | None:
        ids = [parse_id(i, "specialistIds") for i in specialist_ids]
        return SpecialistGroup.from_model(await specialists.do_create_group(name, description, ids))

    @strawberry.mutation(
        description="Ask a specialist group a question. Not real time: an answer comes "
        "within two working days, and you are told.",
        extensions=guard(IsAuthenticated()),
    )
    async def ask_specialists(
        self,
        info: Info,
        group_id: strawberry.ID,
        title: str,
        body: str,
        visibility: Visibility = VisibilityModel.PRIVATE,  # type: ignore[valid-type]
    ) -> SpecialistQuestion | None:
        question = await specialists.do_ask(
            info.context.viewer.user_id, parse_id(group_id, "groupId"), title, body, visibility
        )
        return SpecialistQuestion.from_model(question)

    @strawberry.mutation(
        description="Specialists: answer a question of your group; its asker is told.",
        extensions=guard(IsGroupSpecialist(), subject=QUESTION),
    )
    async def answer_question(
        self, info: Info, question_id: strawberry.ID, body: str
    ) -> SpecialistAnswer | None:
        answer = await specialists.do_answer(
            info.context.viewer.user_id, parse_id(question_id, "questionId"), body
        )
        return SpecialistAnswer.from_model(answer)
