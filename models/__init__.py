"""Tortoise models, one module per domain; the ``haven`` app loads them all from here."""

from models.accounts import (
    STAFF_ROLES,
    AccountToken,
    AttemptKind,
    RefreshToken,
    Registration,
    Role,
    SignInAttempt,
    StaffDetails,
    TokenPurpose,
    User,
)
from models.applications import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    ApplicationStep,
    ProposedCall,
)
from models.audit import AuditEntry
from models.blogs import BlogComment, BlogCommentReport, BlogPost, BlogVisibility
from models.centres import Centre
from models.conversations import Conversation, Post
from models.events import DomainEvent, EventCounter
from models.groups import GROUP_TIMEZONE, MAX_CAPACITY, Group, Membership, Need, Weekday
from models.inbox import PersonalMessage
from models.integrations import Integration, Webhook, WebhookDelivery
from models.leases import Lease
from models.mail import MailKind, MailPreferences, MailTopic, OutgoingMail
from models.reminders import SentReminder
from models.safeguarding import (
    BreachReport,
    BreachStatus,
    ConcernStatus,
    SafeguardingConcern,
    Severity,
)
from models.sessions import GroupSession, SessionMessage, SessionPresence, SessionStatus
from models.specialists import (
    SpecialistAnswer,
    SpecialistGroup,
    SpecialistQuestion,
    SpecialistSeat,
    Visibility,
)
from models.topics import PostReport, Topic, TopicCategory, TopicPost
from models.versions import DataVersion
from models.writes import ClientWrite

__all__ = [
    "GROUP_TIMEZONE",
    "MAX_CAPACITY",
    "OPEN_STATUSES",
    "STAFF_ROLES",
    "AccountToken",
    "Application",
    "ApplicationStatus",
    "ApplicationStep",
    "AttemptKind",
    "AuditEntry",
    "BlogComment",
    "BlogCommentReport",
    "BlogPost",
    "BlogVisibility",
    "BreachReport",
    "BreachStatus",
    "Centre",
    "ClientWrite",
    "ConcernStatus",
    "Conversation",
    "DataVersion",
    "DomainEvent",
    "EventCounter",
    "Group",
    "GroupSession",
    "Integration",
    "Lease",
    "MailKind",
    "MailPreferences",
    "MailTopic",
    "Membership",
    "Need",
    "OutgoingMail",
    "PersonalMessage",
    "Post",
    "PostReport",
    "ProposedCall",
    "RefreshToken",
    "Registration",
    "Role",
    "SafeguardingConcern",
    "SentReminder",
    "SessionMessage",
    "SessionPresence",
    "SessionStatus",
    "Severity",
    "SignInAttempt",
    "SpecialistAnswer",
    "SpecialistGroup",
    "SpecialistQuestion",
    "SpecialistSeat",
    "StaffDetails",
    "TokenPurpose",
    "Topic",
    "TopicCategory",
    "TopicPost",
    "User",
    "Visibility",
    "Webhook",
    "WebhookDelivery",
    "Weekday",
]
