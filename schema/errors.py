"""Every error leaves with a machine-readable ``extensions.code``; unexpected ones are masked.

This runs in ``Schema.process_errors``, which strawberry calls on every error list
it returns, parse errors and limits included.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from errors import HavenError

logger = logging.getLogger("haven.errors")

MASKED_MESSAGE = "Unexpected error."


def give_code(error: GraphQLError) -> None:
    """Code ``error`` in place: ours keep their code, bugs are masked, the rest are requests."""
    original = error.original_error
    extensions = dict(error.extensions or {})
    if isinstance(original, HavenError):
        extensions["code"] = original.code
    elif original is not None and not isinstance(original, GraphQLError):
        logger.error("unexpected error at %s", error.path, exc_info=original)
        error.message = MASKED_MESSAGE
        error.original_error = None
        extensions = {"code": "INTERNAL_SERVER_ERROR"}
    elif "code" not in extensions:
        # Syntax, validation and limits fail before any field runs, and have no path;
        # a variable of the wrong shape fails on its field.
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT"
    error.extensions = extensions


class HavenSchema(strawberry.Schema):
    """Strawberry's schema with Haven's error codes, and no log line per refusal.

    Refusals are answers, not faults: only the masked, unexpected errors are logged.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            give_code(error)
