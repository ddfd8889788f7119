"""Every error leaves with a machine-readable ``extensions.code``; unexpected ones are masked.

This runs in ``Schema.process_errors``, which strawberry calls on every error list
it returns, parse errors and limits included.
"""

from __future__ import annotations

import logging
import re

import asyncpg
import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from tortoise.exceptions import DBConnectionError, OperationalError

from errors import HavenError, ServiceUnavailable
from schema.extensions import LeanExtensionsRunner

logger = logging.getLogger("haven.errors")

MASKED_MESSAGE = "Unexpected error."
UNAVAILABLE = (
    TimeoutError,
    ConnectionError,
    DBConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
)
# A variable graphql-core could not coerce: its reason quotes the value, which can
# be GP details, so the value is cut out and the words kept.
BAD_VARIABLE = re.compile(r"^Variable '\$\w+' ")
QUOTED = re.compile(r"""(?:'[^']*'|"[^"]*")""")
GRAPHQL_TYPE = re.compile(r"^['\"][\[\]!\w]+['\"]$")


def give_code(error: GraphQLError) -> None:
    """Code ``error`` in place: ours keep their code, bugs are masked, the rest are requests."""
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is not None and dependency_failed(original):
        logger.warning("a dependency did not answer at %s: %s", error.path, type(original).__name__)
        original = ServiceUnavailable()
        error.message, error.original_error = original.message, None
    if isinstance(original, HavenError):
        extensions.update(original.extensions, code=original.code)
    elif original is not None and not isinstance(original, GraphQLError):
        logger.error("unexpected error at %s", error.path, exc_info=original)
        error.message = MASKED_MESSAGE
        error.original_error = None
        extensions = {"code": "INTERNAL_SERVER_ERROR"}
    elif error.path is None and BAD_VARIABLE.match(error.message):
        error.message = without_values(error.message)
        extensions["code"] = "BAD_USER_INPUT"
    elif "code" not in extensions:
        # Syntax, validation, variables and limits fail before any field runs, with no
        # path; a field that fails with nothing of ours behind it is a server fault.
        if error.path is None:
            extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
        else:
            logger.error("unexpected error at %s: %s", error.path, error.message)
            error.message = MASKED_MESSAGE
            extensions["code"] = "INTERNAL_SERVER_ERROR"
    error.extensions = extensions


def dependency_failed(error: BaseException) -> bool:
    """Whether ``error`` says the database did not answer (down, unreachable, too slow, or
    a SQLite file locked past its wait), rather than that Haven went wrong."""
    if isinstance(error, UNAVAILABLE):
        return True
    if isinstance(error, OperationalError) and "database is locked" in str(error):
        return True
    cause = error.__cause__
    return cause is not None and cause is not error and dependency_failed(cause)


def without_values(message: str) -> str:
    """``message`` with what the client sent cut out, keeping the names of types."""
    head, colon, reason = message.partition(": ")
    if not colon:
        return message
    if "cannot represent" in reason:
        reason = reason.split(":")[0] + "."
    return f"{head}: " + QUOTED.sub(
        lambda quoted: quoted[0] if GRAPHQL_TYPE.match(quoted[0]) else "a value", reason
    )


def hide_suggestions(error: GraphQLError) -> None:
    """Drop "Did you mean …?" hints, which would teach the schema to anyone asking."""
    error.message = error.message.split(" Did you mean")[0]


class HavenSchema(strawberry.Schema):
    """Strawberry's schema with Haven's error codes, and no log line per refusal.

    Refusals are answers, not faults: only the masked, unexpected errors are logged.
    """

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context, extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = getattr(execution_context, "context", None)
        schema_hidden = context is not None and not (
            context.settings.introspection or context.viewer.is_staff
        )
        for error in errors:
            give_code(error)
            if schema_hidden:
                hide_suggestions(error)
