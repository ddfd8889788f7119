"""Tracing with OpenTelemetry, when ``OTEL_EXPORTER_OTLP_ENDPOINT`` names a collector.

Spans cover each request (ASGI), each GraphQL operation and resolver (strawberry's
extension), each SQL statement (asyncpg) and each Redis command. None carries what
people wrote or who they are: the operation's span has its name and type but not the
document's text (its literal values could be anything); resolvers record no argument;
SQL statements keep their placeholders, not their parameters; Redis commands are
reduced to ``PUBLISH ? ?``; requests lose their query string, client address and
headers before the ASGI middleware sees them.

The packages are an extra (``pip install 'haven[tracing]'``): without an endpoint,
nothing here is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.extensions.tracing.utils import should_skip_tracing

from observe.operations import safe_name

ORIGINAL = "haven.untraced_scope"


def start_tracing(exporter: SpanExporter | None = None) -> TracerProvider:
    """Send spans to ``exporter`` (by default the OTLP endpoint the environment names)."""
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_ENDPOINT and its headers
    provider = TracerProvider(resource=Resource.create({"service.name": "haven"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # placeholders only
    RedisInstrumentor().instrument(tracer_provider=provider)  # "COMMAND ? ?" only
    return provider


def stop_tracing(provider: TracerProvider) -> None:
    AsyncPGInstrumentor().uninstrument()
    RedisInstrumentor().uninstrument()
    provider.shutdown()


class OperationSpans(OpenTelemetryExtension):
    """strawberry's spans, without the document's text or any resolver's arguments."""

    def __init__(self, provider: TracerProvider) -> None:
        super().__init__(arg_filter=lambda args, info: {}, tracer_provider=provider)

    def on_operation(self) -> Generator[None, None, None]:
        execution = self.execution_context
        query, given = execution.query, execution._provided_operation_name
        execution.query, execution._provided_operation_name = None, None
        try:
            hooks = super().on_operation()
            next(hooks)  # the span starts with neither the text nor the client's name
        finally:
            execution.query, execution._provided_operation_name = query, given
        yield
        # Named once the document is known, and only by a name it holds (observe.operations)
        self._operation_name = safe_name(execution)
        self._span_holder[LifecycleStep.OPERATION].update_name(
            f"GraphQL Query: {self._operation_name}"
        )
        next(hooks, None)  # the span ends

    async def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """A span for each resolver, with its field and path, and without the text of an
        error it raises (a message may repeat what someone wrote): its type only."""
        if should_skip_tracing(_next, info):  # introspection, plain attributes
            result = _next(root, info, *args, **kwargs)
            return await result if isawaitable(result) else result
        parent = trace.set_span_in_context(self._span_holder[LifecycleStep.OPERATION])
        with self._tracer.start_as_current_span(
            f"GraphQL Resolving: {info.field_name}",
            context=parent,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            self.add_tags(span, info, kwargs)
            try:
                result = _next(root, info, *args, **kwargs)
                return await result if isawaitable(result) else result
            except Exception as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise


class TracedRequests:
    """OpenTelemetry's ASGI middleware, shown each request without its query string
    (a link's token), its client's address and its headers; the app below gets it whole."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        self.app = app
        self.traced = OpenTelemetryMiddleware(self._untraced, tracer_provider=provider)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        shown: dict[str, Any] = {
            **scope,
            "query_string": b"",
            "client": None,
            "headers": [(k, v) for k, v in scope["headers"] if k == b"host"],
            ORIGINAL: scope,
        }
        await self.traced(shown, receive, send)

    async def _untraced(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope[ORIGINAL], receive, send)
