"""One log line for each GraphQL operation, over HTTP and over the WebSocket alike, and
its count in the metrics (``observe.metrics``).

The line names the operation and its type, how long it took, the codes of its errors and
who asked (a user's or an integration's id), never the document's values or variables.
A subscription's line is written when it ends: its duration is how long it lived.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Generator

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.schema.base import BaseSchema
from strawberry.types import ExecutionContext

from auth.identity import Viewer
from observe.metrics import OPERATION_SECONDS, OPERATIONS

logger = logging.getLogger("haven.operations")
UNKNOWN = "unknown"
ANONYMOUS = "anonymous"
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class OperationLog(SchemaExtension):
    def on_operation(self) -> Generator[None, None, None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.record(time.perf_counter() - started)

    def record(self, seconds: float) -> None:
        execution = self.execution_context
        try:
            kind = execution.operation_type.value
        except Exception:  # a document that did not parse has no type
            kind = UNKNOWN
        errors = list(execution.pre_execution_errors or ())
        if execution.result is not None:
            errors += execution.result.errors or ()
        codes = error_codes(errors)
        OPERATIONS.labels(root_field(execution), kind, codes[0] if codes else "ok").inc()
        if kind != "subscription":
            OPERATION_SECONDS.labels(kind).observe(seconds)
        if not logger.isEnabledFor(logging.INFO):
            return
        name = safe_name(execution)
        logger.info(
            "%s %s in %.1f ms%s",
            kind,
            name,
            seconds * 1000,
            f": {', '.join(codes)}" if codes else "",
            extra={
                "operation": name,
                "operation_type": kind,
                "duration_ms": round(seconds * 1000, 1),
                "codes": codes,
                "viewer": who(execution.context.viewer),
            },
        )


def safe_name(execution: ExecutionContext) -> str:
    """The operation's name, if it names an operation of the document: the client writes
    ``operationName``, and anything else it wrote there stays out of logs and spans."""
    name = execution.operation_name
    document = execution.graphql_document
    if not name or document is None or not NAME.fullmatch(name):
        return ANONYMOUS
    named = (
        d.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    )
    return name if name in named else ANONYMOUS


def root_field(execution: ExecutionContext) -> str:
    """The first root field the operation selects, if the schema has it: a bounded label."""
    document = execution.graphql_document
    wanted = execution.operation_name
    for definition in document.definitions if document is not None else ():
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if wanted is not None and (definition.name is None or definition.name.value != wanted):
            continue
        for selection in definition.selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                return name if name in root_fields(execution.schema) else UNKNOWN
    return UNKNOWN


@functools.cache
def root_fields(schema: BaseSchema) -> frozenset[str]:
    core = schema._schema  # type: ignore[attr-defined]
    roots = (core.query_type, core.mutation_type, core.subscription_type)
    return frozenset(name for root in roots if root is not None for name in root.fields)


def error_codes(errors: list[GraphQLError]) -> list[str]:
    """The distinct ``extensions.code`` of the errors, never their messages."""
    return sorted({str((error.extensions or {}).get("code", "INTERNAL")) for error in errors})


def who(viewer: Viewer) -> str | None:
    if viewer.user_id is not None:
        return f"user:{viewer.user_id}"
    if viewer.integration_id is not None:
        return f"integration:{viewer.integration_id}"
    return None
