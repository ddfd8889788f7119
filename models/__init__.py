"""Tortoise models, one module per domain; the ``haven`` app loads them all from here."""

from models.accounts import (
    STAFF_ROLES,
    AttemptKind,
    RefreshToken,
    Role,
    SignInAttempt,
    StaffDetails,
    User,
)
from models.applications import OPEN_STATUSES, Application, ApplicationStatus, ApplicationStep
from models.audit import AuditEntry
from models.conversations import Conversation, Post
from models.groups import GROUP_TIMEZONE, MAX_CAPACITY, Group, Membership, Need, Weekday
from models.inbox import PersonalMessage
from models.integrations import Integration
from models.safeguarding import (
    BreachReport,
    BreachStatus,
    ConcernStatus,
    SafeguardingConcern,
    Severity,
)
from models.sessions import GroupSession, SessionMessage, SessionPresence, SessionStatus
from models.versions import DataVersion
from models.writes import ClientWrite

__all__ = [
    "GROUP_TIMEZONE",
    "MAX_CAPACITY",
    "OPEN_STATUSES",
    "STAFF_ROLES",
    "Application",
    "ApplicationStatus",
    "ApplicationStep",
    "AttemptKind",
    "AuditEntry",
    "BreachReport",
    "BreachStatus",
    "ClientWrite",
    "ConcernStatus",
    "Conversation",
    "DataVersion",
    "Group",
    "GroupSession",
    "Integration",
    "Membership",
    "Need",
    "PersonalMessage",
    "Post",
    "RefreshToken",
    "Role",
    "SafeguardingConcern",
    "SessionMessage",
    "SessionPresence",
    "SessionStatus",
    "Severity",
    "SignInAttempt",
    "StaffDetails",
    "User",
    "Weekday",
]
