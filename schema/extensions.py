"""Schema extensions: error codes and masking, abuse limits, per-operation state."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, ValidationRule
from graphql.language import DirectiveNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from errors import HavenError

logger = logging.getLogger("haven.errors")

MAX_DIRECTIVES = 10


class ErrorCodes(SchemaExtension):
    """Give every error a machine-readable ``extensions.code``; mask the unexpected ones.

    Our own refusals (``HavenError``) pass through with their code. Anything else
    raised while resolving is a bug: it is logged with its traceback and the client
    sees only "Unexpected error." with ``INTERNAL_SERVER_ERROR``.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [self._coded(error) for error in result.errors]

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, HavenError):
            error.extensions = {**(error.extensions or {}), "code": original.code}
            return error
        if original is not None and not isinstance(original, GraphQLError):
            logger.error("unexpected error in %s", error.path, exc_info=original)
            return GraphQLError(
                "Unexpected error.",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL_SERVER_ERROR"},
            )
        if not (error.extensions or {}).get("code"):
            code = "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT"
            error.extensions = {**(error.extensions or {}), "code": code}
        return error


class StaffOnlyIntrospection(SchemaExtension):
    """Answer introspection and field suggestions for signed-in staff only.

    Facilitators keep GraphiQL's schema explorer; anonymous clients learn nothing of
    the schema beyond the operations they already know.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        self._anonymous = not context.viewer.is_staff
        if self._anonymous:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield

    def on_validate(self) -> Iterator[None]:
        yield
        if self._anonymous:
            for error in self.execution_context.pre_execution_errors or []:
                error.message = error.message.split(" Did you mean")[0]


class DirectiveLimit(ValidationRule):
    """Refuse documents carrying more than ``MAX_DIRECTIVES`` directives."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.count = 0

    def enter_directive(self, node: DirectiveNode, *_args: object) -> None:
        self.count += 1
        if self.count == MAX_DIRECTIVES + 1:
            self.report_error(
                GraphQLError(f"A document may carry at most {MAX_DIRECTIVES} directives.", node)
            )


class OperationState(SchemaExtension):
    """Renew per-operation caches; a WebSocket connection shares one context for its life."""

    def on_operation(self) -> Iterator[None]:
        self.execution_context.context.renew()
        yield
