"""Schema extensions: introspection for staff, the directive limit, per-operation state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, ValidationRule
from graphql.language import DirectiveNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

MAX_DIRECTIVES = 10


class StaffOnlyIntrospection(SchemaExtension):
    """Answer introspection for signed-in staff only (``HavenSchema`` drops suggestions).

    Facilitators keep GraphiQL's schema explorer; anonymous clients learn nothing of
    the schema beyond the operations they already know.
    """

    def on_operation(self) -> Iterator[None]:
        if not self.execution_context.context.viewer.is_staff:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield


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
        self.execution_context.context.begin_operation()
        yield
