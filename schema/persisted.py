"""Automatic persisted queries (Apollo's protocol): a client sends a query's SHA-256
instead of its text, and its text only the first time, or when this process has not
seen it. Over a phone's slow link that saves sending the same documents again and again.

``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "…"}}}`` without a
``query`` runs the query known by that hash, or answers ``PERSISTED_QUERY_NOT_FOUND``,
and the client sends it again with the text, which is checked against the hash and
kept. Each process keeps ``KEPT`` documents, the least recently used going first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from schema.answers import GRAPHQL_PATH, is_json_post_to, read_body, replay

KEPT = 2000
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
MARK = b'"persistedQuery"'  # a body without it asks no persisted query: not parsed here


class PersistedQueries:
    """ASGI middleware before the GraphQL route: puts a known query's text back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.documents: OrderedDict[str, str] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_json_post_to(scope, GRAPHQL_PATH):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if MARK not in body:
            await self.app(scope, replay(body, receive), send)
            return
        try:
            request = json.loads(body)
            wanted = request["extensions"]["persistedQuery"]["sha256Hash"]
        except (ValueError, TypeError, KeyError):
            await self.app(scope, replay(body, receive), send)  # not one: as it came
            return
        problem = self.complete(request, wanted)
        if problem is not None:
            code, message = problem
            answer = {"errors": [{"message": message, "extensions": {"code": code}}]}
            await JSONResponse(answer)(scope, receive, send)
            return
        await self.app(scope, replay(json.dumps(request).encode(), receive), send)

    def complete(self, request: dict[str, Any], wanted: object) -> tuple[str, str] | None:
        """Put the query's text in ``request``, or say why it cannot be."""
        if not isinstance(wanted, str):
            return "BAD_USER_INPUT", "persistedQuery.sha256Hash must be a string."
        text = request.get("query")
        if isinstance(text, str):
            if hashlib.sha256(text.encode()).hexdigest() != wanted:
                return "BAD_USER_INPUT", "The query does not match its sha256Hash."
            self.documents[wanted] = text
            if len(self.documents) > KEPT:
                self.documents.popitem(last=False)
            return None
        known = self.documents.get(wanted)
        if known is None:
            return NOT_FOUND, "PersistedQueryNotFound"
        self.documents.move_to_end(wanted)
        request["query"] = known
        return None
