"""Tortoise models, one module per domain; the ``haven`` app loads them all from here."""

from models.accounts import STAFF_ROLES, RefreshToken, Role, SignInAttempt, StaffDetails, User
from models.groups import GROUP_TIMEZONE, MAX_CAPACITY, Group, Membership, Need, Weekday

__all__ = [
    "GROUP_TIMEZONE",
    "MAX_CAPACITY",
    "STAFF_ROLES",
    "Group",
    "Membership",
    "Need",
    "RefreshToken",
    "Role",
    "SignInAttempt",
    "StaffDetails",
    "User",
    "Weekday",
]
