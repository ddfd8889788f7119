"""The errors Haven's own rules raise, each with the code clients branch on.

Resolvers and access rules raise these without knowing about GraphQL; the schema
turns them into errors carrying ``extensions.code``. Anything else that escapes is a
bug and is masked before it reaches a client.
"""

from __future__ import annotations


class HavenError(Exception):
    """A refusal a client should understand: a message for people, a code for programs."""

    code = "INTERNAL_SERVER_ERROR"
    extensions: dict[str, object] = {}  # noqa: RUF012 — replaced, never mutated

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(HavenError):
    code = "UNAUTHENTICATED"


class Forbidden(HavenError):
    code = "FORBIDDEN"


class NotFound(HavenError):
    code = "NOT_FOUND"


class BadUserInput(HavenError):
    code = "BAD_USER_INPUT"


class Conflict(HavenError):
    code = "CONFLICT"


class RateLimited(HavenError):
    """Too many requests of one kind; ``retry_after`` says in how many seconds to try again."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.extensions = {"retryAfter": max(retry_after, 1)}


class ServiceUnavailable(HavenError):
    """A service Haven depends on (the database) did not answer in time: nothing was
    done that the client should not simply try again, ``retryAfter`` seconds later."""

    code = "SERVICE_UNAVAILABLE"
    RETRY_AFTER_SECONDS = 5

    def __init__(self, message: str = "The service is briefly unavailable: try again.") -> None:
        super().__init__(message)
        self.extensions = {"retryAfter": self.RETRY_AFTER_SECONDS}


class FellBehind(HavenError):
    """A live stream's client read too slowly and was cut off; it may resubscribe."""

    code = "FELL_BEHIND"
