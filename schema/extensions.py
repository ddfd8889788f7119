"""Schema extensions: the rules every operation starts with, the directive limit, and
the runner that calls them."""

from __future__ import annotations

import contextlib
import hashlib
import inspect
from collections.abc import Generator, Sequence
from types import TracebackType
from typing import Any

from graphql import ASTValidationRule, GraphQLError, OperationType, ValidationRule
from graphql.language import DirectiveNode, FieldNode, OperationDefinitionNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext, StreamExecutionResult
from strawberry.utils.await_maybe import await_maybe

MAX_DIRECTIVES = 10


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


# Signing in is every client's first step, GraphiQL's included, before anyone is staff.
SIGN_IN_FIELDS = frozenset({"login", "refreshToken"})


class UntrustedDocument(ValidationRule):
    """Refuse a document that is not among those Haven's apps ship (``trusted_documents``),
    unless all it does is sign in."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        fields = {
            selection.name.value
            for selection in node.selection_set.selections
            if isinstance(selection, FieldNode)
        }
        if node.operation is OperationType.MUTATION and fields and fields <= SIGN_IN_FIELDS:
            return
        self.report_error(
            GraphQLError(
                "Only the operations Haven's apps ship may run here.",
                node,
                extensions={"code": "FORBIDDEN"},
            )
        )


class OperationRules(SchemaExtension):
    """What every operation starts with: fresh per-operation caches (a WebSocket
    connection shares one context for its life), the document limits, and, unless the
    schema is open to all, introspection for signed-in staff only.

    Staff keep GraphiQL's schema explorer; anonymous clients learn nothing of the schema
    beyond the operations they already know (``HavenSchema`` drops suggestions too).
    With trusted documents configured (``HAVEN_TRUSTED_DOCUMENTS``), anyone but staff and
    integrations may run only the documents Haven's apps ship, or sign in; staff keep
    GraphiQL.
    One plain hook where four generators would do: a subscription holds its operation
    hooks for as long as it lives, and a plain hook holds nothing.
    """

    def __init__(
        self,
        *,
        max_tokens: int,
        rules: Sequence[type[ASTValidationRule]],
        staff_only_introspection: bool,
        trusted_documents: frozenset[str] = frozenset(),
    ) -> None:
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        self.staff_only_introspection = staff_only_introspection
        self.trusted_documents = trusted_documents

    def on_operation(self) -> None:  # type: ignore[override]
        execution = self.execution_context
        execution.context.begin_operation()
        execution.parse_options["max_tokens"] = self.max_tokens
        rules = self.rules
        viewer = execution.context.viewer
        staff = viewer.is_staff
        if self.staff_only_introspection and not staff:
            rules = (*rules, NoSchemaIntrospectionCustomRule)
        ships_its_own = staff or viewer.is_integration  # GraphiQL; another system's client
        if self.trusted_documents and not ships_its_own and not self.trusts(execution.query):
            rules = (*rules, UntrustedDocument)
        execution.validation_rules = (*execution.validation_rules, *rules)

    def trusts(self, query: str | None) -> bool:
        """Whether the document is one the apps ship, by the SHA-256 of its text."""
        if query is None:
            return False
        return hashlib.sha256(query.encode()).hexdigest() in self.trusted_documents


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner, skipping the hooks no extension of Haven's has.

    It asks every extension for results and every extension for a stream-result hook
    once per answer; a live message sent to 300 subscribers would ask 300 times for
    nothing. Only extensions that define the hook are asked.
    """

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        self.with_results = [e for e in self.extensions if _defines(e, "get_results")]
        self.on_each_result = any(_defines(e, "on_stream_result") for e in self.extensions)

    def operation(self) -> Any:
        hooks = [e for e in self.extensions if _defines(e, "on_operation")]
        if not any(_is_async(type(e).on_operation) for e in hooks):
            return OperationHooks(hooks)
        return super().operation()

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.with_results:
            data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data

    def on_stream_result(self, result: StreamExecutionResult) -> Any:
        if self.on_each_result:
            return super().on_stream_result(result)
        return contextlib.nullcontext()


class OperationHooks:
    """The extensions' ``on_operation`` hooks, plain functions or generators, run
    without contextlib.

    A subscription stays inside its operation hooks for as long as it lives: strawberry
    wraps each hook in a context manager on an exit stack, about 4 KiB a socket, where
    the suspended generators alone take a few hundred bytes. The part after ``yield``
    runs when the operation ends; on an error the generators are closed instead, so a
    hook's ``finally`` runs and its after-part does not.
    """

    __slots__ = ("extensions", "running")

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        self.extensions = extensions
        self.running: list[Generator[None, None, None]] = []

    def __enter__(self) -> None:
        for extension in self.extensions:
            hook = extension.on_operation()
            if isinstance(hook, Generator):
                next(hook)
                self.running.append(hook)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        running, self.running = self.running, []
        for hook in reversed(running):
            if exc is not None:
                hook.close()
            elif next(hook, StopIteration) is not StopIteration:
                raise RuntimeError(f"{hook.__qualname__} yielded twice")

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)


def _is_async(hook: Any) -> bool:
    return inspect.iscoroutinefunction(hook) or inspect.isasyncgenfunction(hook)


def _defines(extension: SchemaExtension, hook: str) -> bool:
    return getattr(type(extension), hook) is not getattr(SchemaExtension, hook)
