"""A person's own data, all of it, as one document: her right of access, served at once.

Each table that holds what she gave Haven, what she wrote, or what was written to her is
a ``Section``: its rows, whole, but for what is not hers to read here (her password's
hash, the evidence kept of a withdrawn message) or is sealed (GP details, her telephone
number: opened for her). What staff wrote about her (screening notes, safeguarding
records) is given on request through the online manager, who may first have to weigh
it, and so are the short-lived security records (sign-in attempts, e-mail being sent);
the document says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from tortoise.models import Model

from auth.gp_details import unseal
from auth.sealed import unseal_text
from models import (
    Application,
    ApplicationStep,
    BlogComment,
    BlogCommentReport,
    BlogPost,
    BreachReport,
    Conversation,
    MailPreferences,
    Membership,
    PersonalMessage,
    Post,
    PostReport,
    ProposedCall,
    SessionMessage,
    SpecialistAnswer,
    SpecialistQuestion,
    Topic,
    TopicPost,
    User,
)
from resolvers.audit import audit
from subscriptions.outbox import transaction

NOT_HERE = (
    "Notes staff wrote about you (screening notes, safeguarding records) and the records "
    "kept for a short while for security (sign-in attempts, e-mail being sent) are not in "
    "this document: ask the online manager for them."
)


@dataclass(frozen=True)
class Section:
    name: str
    model: type[Model]
    whose: str  # the lookup naming her: "applicant_id", "application__applicant_id"…
    leave_out: tuple[str, ...] = ()


SECTIONS = (
    Section("mailPreferences", MailPreferences, "user_id"),
    Section("applicationHistory", ApplicationStep, "application__applicant_id"),
    Section("proposedCallTimes", ProposedCall, "application__applicant_id"),
    Section("memberships", Membership, "user_id"),
    Section("sessionMessages", SessionMessage, "author_id", ("sealed_body",)),
    Section("conversationsStarted", Conversation, "started_by_id"),
    Section("conversationPosts", Post, "author_id"),
    Section("messagesReceived", PersonalMessage, "recipient_id"),
    Section("messagesSent", PersonalMessage, "sender_id"),
    Section("topicsStarted", Topic, "author_id"),
    Section("topicPosts", TopicPost, "author_id"),
    Section("blogPosts", BlogPost, "author_id"),
    Section("blogComments", BlogComment, "author_id"),
    Section("specialistQuestions", SpecialistQuestion, "asker_id"),
    Section("answersToHerQuestions", SpecialistAnswer, "question__asker_id"),
    Section("postsReported", PostReport, "reporter_id"),
    Section("blogCommentsReported", BlogCommentReport, "reporter_id"),
    Section("breachReports", BreachReport, "reporter_id"),
)
PROFILE_LEAVES_OUT = ("password_hash", "name_key")
APPLICATION_LEAVES_OUT = ("gp_details", "phone", "screening_notes", "open_key")


async def do_export(user_id: int, keys: tuple[str, ...]) -> dict[str, Any]:
    """Everything of hers, read in one transaction so the parts agree; the export is
    written to the audit log."""
    async with transaction():
        profile = await User.filter(id=user_id).values()
        applications = []
        for row in await Application.filter(applicant_id=user_id).order_by("id"):
            values = _plain(await Application.filter(id=row.id).values(), APPLICATION_LEAVES_OUT)
            values[0]["gp_details"] = (
                vars(unseal(keys, row.gp_details)) if row.gp_details is not None else None
            )
            values[0]["phone"] = unseal_text(keys, row.phone) if row.phone else None
            applications += values
        document: dict[str, Any] = {
            "exportedAt": datetime.now(UTC).isoformat(),
            "profile": _plain(profile, PROFILE_LEAVES_OUT)[0],
            "applications": applications,
        }
        for section in SECTIONS:
            mine = section.model.filter(**{section.whose: user_id})
            rows = await mine.order_by(section.model._meta.pk_attr).values()
            document[section.name] = _plain(rows, section.leave_out)
        document["notIncluded"] = NOT_HERE
        await audit(user_id, "DATA_EXPORTED", "User", user_id)
    return document


def _plain(rows: list[dict[str, Any]], leave_out: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as JSON holds them: times in ISO 8601, choices by name."""
    return [
        {key: _value(value) for key, value in row.items() if key not in leave_out} for row in rows
    ]


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
