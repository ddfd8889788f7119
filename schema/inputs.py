"""What a request may carry, checked once before any field runs.

Text reaches the database, other people's screens and e-mail: a NUL or another
control character in it is never something a person typed, and PostgreSQL refuses
to store one. Every string a client sends, in the document or in its variables, is
checked here, so sign-in, registration, posts and names all answer the same clear
``BAD_USER_INPUT`` and nothing is written. Subscriptions are served over WebSocket
only. A document that fails validation is answered with its first error alone, so
a client cannot make the server write (and send) an error per repeated mistake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import strawberry
from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit
from starlette.requests import Request
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; lone
# surrogates (JSON can spell them, UTF-8 cannot store them); the two noncharacters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CONTROL_MESSAGE = "Text may not contain control characters."
SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions are served over WebSocket (graphql-transport-ws), not over HTTP."
)
MAX_NESTING = 20


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def carries_control_characters(value: Any, depth: int = 0) -> bool:
    """Whether any string in ``value`` (a JSON value: variables) holds a control character."""
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if depth > MAX_NESTING:
        return False  # graphql-core refuses values nested this deep on its own
    if isinstance(value, dict):
        return any(
            carries_control_characters(key, depth + 1)
            or carries_control_characters(item, depth + 1)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(carries_control_characters(item, depth + 1) for item in value)
    return False


def literals_carry_control_characters(document: DocumentNode | None) -> bool:
    """Whether a string literal in the parsed document holds a control character."""
    if document is None:
        return False
    source = document.loc.source.body if document.loc else ""
    # The lexer refuses raw control characters; only escapes can spell them.
    if "\\u" not in source and CONTROL.search(source) is None:
        return False
    found = False

    class Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
            nonlocal found
            found = found or CONTROL.search(node.value) is not None

    visit(document, Strings())
    return found


class RequestRules(SchemaExtension):
    """Refuse control characters, subscriptions over HTTP and floods of validation errors.

    Runs after ``ValidationCache`` has put the document's validation errors on the
    context (strawberry answers with them before later hooks resume), and replaces
    rather than edits that list: the cache keeps it for the next request.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = context.pre_execution_errors
        if errors:
            context.pre_execution_errors = errors[:1]
        elif context.operation_type is OperationType.SUBSCRIPTION and isinstance(
            context.context.request, Request
        ):
            context.pre_execution_errors = [bad_input(SUBSCRIPTION_OVER_HTTP)]
        elif carries_control_characters(context.variables) or literals_carry_control_characters(
            context.graphql_document
        ):
            context.pre_execution_errors = [bad_input(CONTROL_MESSAGE)]
        yield


ClientMessageId = Annotated[
    str | None,
    strawberry.argument(
        description="Your own id for this message: 1 to 64 letters, digits, dots, dashes, "
        "colons or underscores (a UUID will do). Sent again under the same id, after an "
        "answer that never came, it returns the message stored the first time and stores "
        "nothing new, for 24 hours; the same id for another message is a `CONFLICT`."
    ),
]
