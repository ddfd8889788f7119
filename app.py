"""The Starlette application: GraphQL over HTTP and WebSocket, health probes, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import starlette.websockets
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketClose, WebSocketDisconnect
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

import subscriptions.hub
from auth.identity import ANONYMOUS, bearer_token, token_from_connection_params, viewer_from_token
from auth.integrations import is_integration_token, viewer_for_integration
from auth.tokens import sign_in_is_live
from errors import ServiceUnavailable
from ide.page import ASSETS_PATH, Assets, graphiql_page
from jobs.beat import keep_beating
from mail.links import UNSUBSCRIBE_PATH
from mail.relay import relay_forever
from models.bounded import within
from models.database import close_database, database_is_ready, open_database
from observe import requests
from observe.metrics import LIVE_OPERATIONS, OPEN_SOCKETS, forget_this_process, metrics
from pages import unsubscribe
from resolvers.events import relay_events_forever
from resolvers.webhooks import deliver_forever
from schema import build_schema
from schema.answers import GRAPHQL_PATH, AnswerStore, KeptAnswers
from schema.context import Context
from schema.errors import give_code
from schema.fanout import encode_next
from schema.persisted import PersistedQueries
from settings import Network, Settings, load_settings
from subscriptions.hub import Hub
from subscriptions.setup import Gate
from subscriptions.sign_ins import SignInSockets

if TYPE_CHECKING:  # the tracing extra: imported only when spans are made
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger("haven")

MAX_BODY_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
CORS_MAX_AGE_SECONDS = 600
CONNECTION_INIT_SECONDS = 10
MAX_SUBSCRIPTIONS_PER_CONNECTION = 5
TOKEN_EXPIRED_CLOSE_CODE = 4401  # sign in again: the token lapsed, or the sign-in ended
SOCKET_LIFETIME = timedelta(hours=12)  # the longest a socket lives, however its sign-in does
BACKGROUND = "haven background: "  # the name of each task that serves no request
# What a send to a socket already gone raises: strawberry's word for it, and starlette's
# two (the client went while it was sent; the socket had been closed before).
SOCKET_GONE = (
    WebSocketDisconnected,
    WebSocketDisconnect,
    starlette.websockets.WebSocketDisconnected,
)
GC_THRESHOLDS = (50_000, 20, 20)  # CPython's default first threshold is 2,000 (700 before 3.13)


class HavenTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler, keeping less for a socket's life."""

    view: HavenGraphQL

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Run the operation once a setup slot is free (``subscriptions.setup``)."""
        slot = await self.view.setting_up.enter()
        LIVE_OPERATIONS.inc()
        try:
            await super().run_operation(operation)
        finally:
            LIVE_OPERATIONS.dec()
            slot.release()

    async def handle_task_exception(self, error: Exception) -> None:
        """A socket gone while its stream was sending (its client left, or fell behind
        and was closed) is how streams end, not a fault: logged only when it is one."""
        if isinstance(error, SOCKET_GONE):
            return
        await super().handle_task_exception(error)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # The wait for connection_init is over (its task cancelled): not kept for hours.
        self.connection_init_timeout_task = None

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            # A socket that closed before its token expired must not be held by the timer.
            state = self.context.request.state
            expiry = getattr(state, "expiry", None)
            if expiry is not None:
                expiry.cancel()
            forget_sign_in = getattr(state, "forget_sign_in", None)
            if forget_sign_in is not None:
                forget_sign_in()
            if getattr(state, "counted", False):
                OPEN_SOCKETS.dec()
                state.counted = False


class HavenGraphQL(GraphQL):
    """Strawberry's ASGI view with Haven's identity and WebSocket rules."""

    graphql_transport_ws_handler_class = HavenTransportWS

    def __init__(self, settings: Settings, traced: TracerProvider | None = None) -> None:
        super().__init__(
            build_schema(settings, traced),
            graphql_ide="graphiql",
            allow_queries_via_get=not settings.production,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=CONNECTION_INIT_SECONDS),
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
            allowed_origins=settings.allowed_origins,
        )
        self.settings = settings
        self.setting_up = Gate()
        self.sign_ins = SignInSockets()

    async def get_context(self, request: Request | WebSocket, response: object) -> Context:
        token = bearer_token(request.headers.get("authorization"))
        if isinstance(request, WebSocket):
            token = None  # WebSocket clients authenticate in connection_init
        return Context(request, self.settings, viewer_from_token(self.settings, token))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Read the token from ``connection_init``; close the socket when it expires."""
        token = token_from_connection_params(context.connection_params)
        if token and is_integration_token(token):
            integration = await viewer_for_integration(token)
            if integration is None:
                raise ConnectionRejectionError({"reason": "unknown or revoked integration"})
            context.viewer = integration
            return await super().on_ws_connect(context)
        viewer = viewer_from_token(self.settings, token)
        if token and not viewer.is_authenticated:
            raise ConnectionRejectionError({"reason": "invalid or expired access token"})
        if viewer.user_id is not None and viewer.sign_in is not None:
            # The socket lives by the sign-in, not by the token: see subscriptions.sign_ins.
            if not await sign_in_is_live(viewer.user_id, viewer.sign_in):
                raise ConnectionRejectionError({"reason": "this sign-in has ended"})
            lives_until = datetime.now(UTC) + SOCKET_LIFETIME
            viewer = dataclasses.replace(viewer, expires_at=lives_until)
            context.request.state.forget_sign_in = self.sign_ins.add(
                viewer.user_id, viewer.sign_in, functools.partial(_close, context.request)
            )
        context.viewer = viewer if token else ANONYMOUS
        if viewer.expires_at is not None:
            delay = (viewer.expires_at - datetime.now(UTC)).total_seconds()
            reason = "Connected for long enough" if viewer.sign_in else "Access token expired"
            context.request.state.expiry = asyncio.get_running_loop().call_later(
                max(delay, 0), _close_expired, context.request, reason
            )
        OPEN_SOCKETS.inc()
        context.request.state.counted = True
        return await super().on_ws_connect(context)

    async def execute_operation(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        request_data: Any,
        context: Context,
        root_value: object,
        sub_response: object,
    ) -> Any:
        """Answer every request over HTTP within ``HAVEN_REQUEST_TIMEOUT``, whatever the
        database does: past it, ``SERVICE_UNAVAILABLE``, at once. The operation is then
        cancelled and rolls back in the background, as slowly as a frozen database lets
        it; a mutation cut short may have committed, and its ``clientMessageId`` makes the
        retry safe."""
        operation = super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        seconds = self.settings.request_seconds
        try:
            return await within(seconds, operation)
        except TimeoutError:
            logger.warning("a request ran past %s s: answered unavailable", seconds)
        unavailable = ServiceUnavailable()
        error = GraphQLError(unavailable.message, original_error=unavailable)
        give_code(error)
        return ExecutionResult(data=None, errors=[error])

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Haven's own GraphiQL page (``ide``), whose files come from Haven alone."""
        return graphiql_page(GRAPHQL_PATH)

    def encode_json(self, data: object) -> str | bytes:
        """A live event's answer shared by many sockets is encoded once, not per socket."""
        if type(data) is dict and data.get("type") == "next" and (frame := encode_next(data)):
            return frame
        return super().encode_json(data)


def _close_expired(websocket: WebSocket, reason: str) -> None:
    asyncio.ensure_future(_close(websocket, reason))  # noqa: RUF006 — finishes on its own


async def _close(websocket: WebSocket, reason: str = "Signed out") -> None:
    """Close a socket whose sign-in is over: the client must sign in again."""
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # gone already
        await websocket.close(TOKEN_EXPIRED_CLOSE_CODE, reason)


class Haven(Starlette):
    """Starlette, handing WebSocket connections on the GraphQL path straight to the view.

    A socket lives for hours and every ASGI layer it passes through stays on its stack,
    a suspended frame each, for as long: a few KiB a socket over the middleware and the
    router, none of which acts on a WebSocket once ``HeaderSizeLimit`` let it in.
    """

    graphql: ASGIApp
    trusted_proxies: tuple[Network, ...] = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            current = requests.begin(scope, self.trusted_proxies)
            send = requests.answering_with_id(send, current)
        if scope["type"] == "websocket" and scope["path"] == GRAPHQL_PATH and headers_fit(scope):
            scope["app"] = self
            await self.graphql(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes``, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await PlainTextResponse("Request body too large", 413)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await PlainTextResponse("Request body too large", 413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class HeaderSizeLimit:
    """Refuse requests and WebSocket handshakes whose headers exceed ``max_bytes`` in all.

    uvicorn's own limits depend on the HTTP parser it picked (h11 or httptools), so the
    cap is kept here, where it is the same whatever serves the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if headers_fit(scope, self.max_bytes):
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await PlainTextResponse("Request header fields too large", 431)(scope, receive, send)
        else:
            await WebSocketClose()(scope, receive, send)  # before accept: the handshake fails


def headers_fit(scope: Scope, max_bytes: int = MAX_HEADER_BYTES) -> bool:
    """Whether the request's header fields take at most ``max_bytes`` in all."""
    return sum(len(name) + len(value) for name, value in scope.get("headers", ())) <= max_bytes


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The process can serve: its database and its pub/sub backend answer, each within
    its bound (``models.database.PROBE_SECONDS``, ``subscriptions.hub.PROBE_SECONDS``)."""
    hub: Hub = request.app.state.hub
    database, broadcast = await asyncio.gather(database_is_ready(), hub.is_ready())
    checks = {"database": database, "broadcast": broadcast}
    ready = all(checks.values())
    return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)


def create_app(
    settings: Settings | None = None, span_exporter: SpanExporter | None = None
) -> Haven:
    """Haven. With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, or a ``span_exporter`` given (an
    OpenTelemetry ``SpanExporter``), it also makes spans (``observe.tracing``)."""
    settings = settings or load_settings()
    traced = None
    tracing: list[Middleware] = []
    if settings.otel_endpoint or span_exporter is not None:
        from observe.tracing import TracedRequests, start_tracing

        traced = start_tracing(span_exporter)
        tracing = [Middleware(TracedRequests, provider=traced)]  # outermost: the whole request
    view = HavenGraphQL(settings, traced)
    answers = AnswerStore() if settings.keep_answers else None
    hub = Hub(settings.broadcast_url, publish_seconds=settings.publish_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings.database_url)
        await hub.connect()
        subscriptions.hub.hub = hub
        # What start-up allocated lives as long as the process: keep the collector
        # from walking it again and again, which is what sets tail latency.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        background = [
            asyncio.create_task(keep_beating(settings=settings), name=f"{BACKGROUND}beat"),
            asyncio.create_task(relay_forever(settings, hub), name=f"{BACKGROUND}mail"),
            asyncio.create_task(relay_events_forever(hub), name=f"{BACKGROUND}events"),
            asyncio.create_task(deliver_forever(settings, hub), name=f"{BACKGROUND}webhooks"),
            asyncio.create_task(
                view.sign_ins.follow(hub, sign_in_is_live), name=f"{BACKGROUND}sign-ins"
            ),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            subscriptions.hub.hub = None
            await hub.disconnect()
            await close_database()
            if traced is not None:
                from observe.tracing import stop_tracing

                stop_tracing(traced)
            forget_this_process()

    app = Haven(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route(UNSUBSCRIBE_PATH, unsubscribe, methods=["GET", "POST"]),
            Route(GRAPHQL_PATH, view, methods=["GET", "POST"]),
            Mount(ASSETS_PATH, app=Assets()),
        ],
        middleware=[
            *tracing,
            Middleware(HeaderSizeLimit),  # first: nothing reads headers over the cap
            # Pages on the configured origins may call over HTTP as they may open sockets;
            # no credentials, since the token travels in a header, never in a cookie.
            Middleware(
                CORSMiddleware,
                allow_origins=normalize_allowed_origins(settings.allowed_origins),
                allow_methods=["POST"] if settings.production else ["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=CORS_MAX_AGE_SECONDS,
            ),
            Middleware(BodySizeLimit),
            Middleware(PersistedQueries),  # before kept answers: they key on the query's text
            *([Middleware(KeptAnswers, settings=settings, store=answers)] if answers else []),
        ],
        lifespan=lifespan,
    )
    app.graphql = view
    app.state.traced = traced
    app.trusted_proxies = settings.trusted_proxies
    app.state.settings = settings
    app.state.hub = hub
    app.state.answers = answers
    return app


@contextlib.asynccontextmanager
async def serving(
    app: Starlette, host: str = "127.0.0.1", lifespan: bool = True
) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free port of ``host`` in this event loop; yield its URL.

    For tests and benchmarks, which drive a real server over the wire from the same loop.
    ``lifespan=False`` serves a second app beside one already serving in this process: it
    uses that one's database and hub, which its own lifespan would replace and close.
    """
    import uvicorn

    from subscriptions import sockets

    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=0,
            log_level="warning",
            ws=sockets.PROTOCOL,
            ws_max_size=MAX_BODY_BYTES,
            ws_per_message_deflate=False,
            proxy_headers=False,  # the client's address is Context.client_address's to say
            lifespan="on" if lifespan else "off",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # start-up failed: raise its error
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
