"""One log line for each GraphQL operation, over HTTP and over the WebSocket alike.

The line names the operation and its type, how long it took, the codes of its errors and
who asked (a user's or an integration's id), never the document's values or variables.
A subscription's line is written when it ends: its duration is how long it lived.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from auth.identity import Viewer

logger = logging.getLogger("haven.operations")
UNKNOWN = "unknown"


class OperationLog(SchemaExtension):
    def on_operation(self) -> Generator[None, None, None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            if logger.isEnabledFor(logging.INFO):
                self.log(time.perf_counter() - started)

    def log(self, seconds: float) -> None:
        execution = self.execution_context
        try:
            kind = execution.operation_type.value
        except Exception:  # a document that did not parse has no type
            kind = UNKNOWN
        name = execution.operation_name or "anonymous"
        codes = error_codes(
            [*(execution.pre_execution_errors or ()), *(execution.result.errors or ())]
            if execution.result is not None
            else list(execution.pre_execution_errors or ())
        )
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


def error_codes(errors: list[GraphQLError]) -> list[str]:
    """The distinct ``extensions.code`` of the errors, never their messages."""
    return sorted({str((error.extensions or {}).get("code", "INTERNAL")) for error in errors})


def who(viewer: Viewer) -> str | None:
    if viewer.user_id is not None:
        return f"user:{viewer.user_id}"
    if viewer.integration_id is not None:
        return f"integration:{viewer.integration_id}"
    return None
