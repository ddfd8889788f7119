"""The GraphiQL page and its files, served by Haven under a policy that lets the browser
load nothing from anywhere else.

The page is opened at the GraphQL path (``/graphql``) by a browser; its scripts and
styles come from ``/graphiql/``: GraphiQL's pinned build (``ide.assets``) and Haven's
own ``haven.js``, which signs in and fills the starting tabs (``ide.tabs``).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ide.assets import asset_paths, installed
from ide.tabs import TABS

ASSETS_PATH = "/graphiql"
STATIC = Path(__file__).parent / "static"

# Scripts and styles from Haven only; calls to Haven only (the socket too: 'self' covers
# ws: and wss: to the same host); GraphiQL's fonts are inlined as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
MISSING = (
    "GraphiQL's files are not installed on this server. Whoever runs Haven can put them "
    "in place with `make install` (or `python -m ide.assets`)."
)
NOT_STARTED = (
    "GraphiQL has not started: one of its files did not load. They come from this "
    "server, never from the internet. Reload the page; if this message stays, tell "
    "whoever runs Haven."
)


def graphiql_page(graphql_path: str) -> HTMLResponse:
    """The page: a message that stands until the scripts replace it, then GraphiQL."""
    config = {
        "graphqlPath": graphql_path,
        "tabs": [tab.as_json() for tab in TABS],
    }
    # JSON in a non-executable script element; "<" escaped so no text can close it.
    data = json.dumps(config).replace("<", "\\u003c")
    styles = [f"{ASSETS_PATH}/vendor/{p}" for p in asset_paths() if p.endswith(".css")]
    scripts = [f"{ASSETS_PATH}/vendor/{p}" for p in asset_paths() if p.endswith(".js")]
    styles.append(f"{ASSETS_PATH}/haven.css")
    scripts.append(f"{ASSETS_PATH}/haven.js")
    message = NOT_STARTED if installed() else MISSING
    head = "".join(f'<link rel="stylesheet" href="{html.escape(href)}">' for href in styles)
    tail = "".join(f'<script src="{html.escape(src)}"></script>' for src in scripts)
    return HTMLResponse(
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="data:,">'
        f"<title>Haven · GraphiQL</title>{head}</head><body>"
        '<header id="haven-bar"></header>'
        '<main id="haven-graphiql"><div id="haven-loading" role="status">'
        "<p>Loading GraphiQL…</p>"
        f'<p class="haven-not-started">{html.escape(message)}</p></div></main>'
        f'<script type="application/json" id="haven-config">{data}</script>'
        f"{tail}</body></html>",
        headers=PAGE_HEADERS,
    )


class Assets:
    """The page's files: GraphiQL's, versioned by folder and so kept a year, and Haven's
    own, checked again on every load so a new release shows at once."""

    def __init__(self) -> None:
        self.files: ASGIApp = StaticFiles(directory=STATIC, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        versioned = scope["path"].startswith(f"{ASSETS_PATH}/vendor/")
        cache = "public, max-age=31536000, immutable" if versioned else "no-cache"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", cache.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.files(scope, receive, with_headers)
