"""Tortoise models, one module per domain; the ``haven`` app loads them all from here."""

from models.accounts import STAFF_ROLES, RefreshToken, Role, SignInAttempt, StaffDetails, User
from models.applications import OPEN_STATUSES, Application, ApplicationStatus, ApplicationStep
from models.audit import AuditEntry
from models.groups import GROUP_TIMEZONE, MAX_CAPACITY, Group, Membership, Need, Weekday
from models.inbox import PersonalMessage
from models.sessions import GroupSession, SessionMessage, SessionPresence, SessionStatus

__all__ = [
    "GROUP_TIMEZONE",
    "MAX_CAPACITY",
    "OPEN_STATUSES",
    "STAFF_ROLES",
    "Application",
    "ApplicationStatus",
    "ApplicationStep",
    "AuditEntry",
    "Group",
    "GroupSession",
    "Membership",
    "Need",
    "PersonalMessage",
    "RefreshToken",
    "Role",
    "SessionMessage",
    "SessionPresence",
    "SessionStatus",
    "SignInAttempt",
    "StaffDetails",
    "User",
    "Weekday",
]
