"""The facilitators' GraphiQL, as a facilitator uses it: in a real browser (Debian's
chromium, driven by Playwright) that may reach nothing but this machine.

Without chromium these are skipped, unless ``HAVEN_BROWSER_TESTS=required`` (as in CI),
when its absence fails them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from graphql import OperationDefinitionNode, build_schema, parse, validate

from ide.assets import PACKAGES, asset_paths
from ide.tabs import FILLS, TABS
from models import GroupSession, Role
from tests.conftest import PASSWORD, ROOT, Server, join, make_group
from tests.workflow import apply, data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
# As a locked-down workplace machine runs it: nothing of its own on the network.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SCREENSHOTS = os.environ.get("HAVEN_SCREENSHOTS")  # a folder: the README's pictures
REFRESH = "mutation ($token: String!) { refreshToken(token: $token) { accessToken } }"
START = "mutation ($session: ID!) { startSession(sessionId: $session) { status } }"
END = "mutation ($session: ID!) { endSession(sessionId: $session) { status } }"
POST = """
mutation ($session: ID!, $body: String!) {
  postSessionMessage(sessionId: $session, body: $body) { sequence }
}"""


# --- Without a browser -----------------------------------------------------------------------


def test_every_starting_tab_is_a_named_operation_of_the_schema():
    schema = build_schema((ROOT / "schema.graphql").read_text())
    for tab in TABS:
        document = parse(tab.document)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]

        assert validate(schema, document) == [], tab.title
        assert len(operations) == 1, tab.title
        assert operations[0].name is not None, tab.title
        declared = {v.variable.name.value for v in operations[0].variable_definitions or ()}
        assert set(tab.fills) <= declared, tab.title
        assert set(tab.fills.values()) <= set(FILLS), tab.title


async def test_the_page_and_its_files_come_from_haven_alone(http):
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    policy = page.headers["content-security-policy"]
    # Every file the page names is Haven's; the icon is none at all (data:,), not a request.
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page.text) if s != "data:,"]

    assert page.status_code == 200
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "http" not in policy
    assert "*" not in policy
    assert sources
    assert all(source.startswith("/graphiql/") for source in sources)
    for source in sources:
        assert (await http.get(source)).status_code == 200, source
    for package in PACKAGES:  # each package's licence is served beside it
        licence = await http.get(f"/graphiql/vendor/{package.folder.name}/LICENSE")
        assert licence.status_code == 200
        assert "Permission is hereby granted" in licence.text
    assert {f"/graphiql/vendor/{path}" for path in asset_paths()} < set(sources)


# --- In the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        if os.environ.get("HAVEN_BROWSER_TESTS") == "required":
            pytest.fail(f"no chromium at {CHROMIUM}: apt-get install chromium")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


def is_named(operation: str) -> Any:
    """Whether a request carries the operation of that name."""

    def named(request: Any) -> bool:
        body = request.post_data_json if request.method == "POST" else None
        return isinstance(body, dict) and body.get("operationName") == operation

    return named


def is_sign_in(response: Any) -> bool:
    return is_named("SignIn")(response.request)


def is_refresh(response: Any) -> bool:
    return is_named("Refresh")(response.request)


class Page:
    """A browser tab on a page of Haven's that may reach loopback addresses only."""

    def __init__(self, page: Any, elsewhere: list[str]) -> None:
        self.page = page
        self.elsewhere = elsewhere  # what the page tried to fetch from beyond this machine
        self.sent: list[dict[str, Any]] = []  # GraphQL requests made over HTTP
        self.problems: list[str] = []  # console errors and uncaught exceptions
        self.signed_in: dict[str, Any] = {}

    async def sign_in(self, email: str, password: str = PASSWORD) -> None:
        """Sign in through the form; keep what Haven answered, to look for it later."""
        await self.page.fill("input[name=email]", email)
        await self.page.fill("input[name=password]", password)
        async with self.page.expect_response(is_sign_in) as answer:
            await self.page.click("button[type=submit]")
        self.signed_in = (await (await answer.value).json())["data"]["login"]
        await self.page.wait_for_selector("text=Signed in as", timeout=10_000)

    async def open_tab(self, name: str) -> None:
        await self.page.click(f".graphiql-tab >> text='{name}'")
        await self.page.wait_for_selector(f".graphiql-query-editor >> text={name}")

    async def run(self) -> None:
        await self.page.click(".graphiql-execute-button")

    async def result(self) -> str:
        return await self.page.inner_text(".result-window")

    async def result_shows(self, *texts: str, seconds: float = 10) -> str:
        """Wait until the result pane shows every one of ``texts``; give what it shows."""
        for _ in range(int(seconds * 10)):
            shown = await self.result()
            if all(text in shown for text in texts):
                return shown
            await asyncio.sleep(0.1)
        shown = await self.result()
        raise AssertionError(f"never showed {texts}: {shown} (page problems: {self.problems})")

    async def stored(self) -> str:
        """Everything the page left where a browser keeps things: URL and storages."""
        return await self.page.evaluate(
            "location.href + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"
        )


@contextlib.asynccontextmanager
async def graphiql(browser: Any, url: str, clock: bool = False) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    if clock:
        await context.clock.install()
    elsewhere: list[str] = []

    async def loopback_only(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", loopback_only)
    page = Page(await context.new_page(), elsewhere)
    page.page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.page.on("request", lambda r: r.method == "POST" and page.sent.append(r.post_data_json))
    try:
        await page.page.goto(f"{url}/graphql")
        yield page
    finally:
        await context.close()


async def snapshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


class CuttableProxy:
    """Forwards TCP to Haven; ``cut()`` drops every open connection, as a flaky Wi-Fi does."""

    def __init__(self, target: str) -> None:
        address = urlsplit(target)
        self.target = (address.hostname or "127.0.0.1", address.port or 80)
        self.writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> CuttableProxy:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        self.cut()

    def cut(self) -> None:
        for writer in list(self.writers):
            writer.transport.abort()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, upstream_writer}
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer),
                self._pipe(upstream_reader, writer),
                return_exceptions=True,
            )
        finally:
            self.writers -= {writer, upstream_writer}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.transport.abort()


async def a_week_to_run(gql, person) -> tuple[Any, Any, Any, GroupSession]:
    """A facilitator's group (meeting in three days) with a member, an applicant
    waiting for a call, and a one-off session starting in ten minutes."""
    facilitator = await person(Role.FACILITATOR, name="Dr Ruth Ellis")
    member = await person(name="Anna K")
    weekday = (datetime.now(UTC).weekday() + 3) % 7
    group = await make_group(facilitator, name="Tuesday evening group", weekday=weekday)
    await make_group(await person(Role.FACILITATOR), name="Someone else's group")
    await join(group, member)
    await apply(gql, await person(name="Ben T"), group)
    session = await GroupSession.create(
        group=group,
        starts_at=datetime.now(UTC) + timedelta(minutes=10),
        one_off=True,
    )
    return facilitator, member, group, session


async def say(gql, member, session: GroupSession, body: str) -> None:
    result = await gql(POST, {"session": str(session.id), "body": body}, token=member.token)
    data(result, "postSessionMessage")


async def test_a_facilitators_session_from_the_page(browser, server: Server, gql, person):
    # Given a facilitator's week, and the page open on a machine with no internet
    facilitator, member, _group, session = await a_week_to_run(gql, person)
    async with CuttableProxy(server.url) as proxy, graphiql(browser, proxy.url) as page:
        await page.page.wait_for_selector(".graphiql-container", timeout=15_000)
        await snapshot(page, "sign-in")

        # When she signs in through the form
        await page.sign_in(facilitator.user.email)

        # Then the page says who she is, and My groups lists her group
        assert "Dr Ruth Ellis · Facilitator" in await page.page.inner_text("#haven-bar")
        await page.run()
        assert "Someone else's group" not in await page.result_shows("Tuesday evening group")
        await snapshot(page, "my-groups")

        # And Applications to review lists the applicant without her naming a group
        await page.open_tab("ApplicationsToReview")
        await page.run()
        await page.result_shows("Ben T", "SUBMITTED")

        # When she starts the session and follows it while Anna writes
        await page.open_tab("Start")
        await page.run()
        await page.result_shows('"LIVE"')
        await page.open_tab("FollowTheSession")
        await page.run()
        await page.result_shows("Listening", "Dr Ruth Ellis (Facilitator)")
        for body in ("Hello everyone", "I had my scan today"):
            await say(gql, member, session, body)

        # Then both messages show, in order
        shown = await page.result_shows("Hello everyone", "I had my scan today")
        assert shown.index("Hello everyone") < shown.index("I had my scan today")
        await snapshot(page, "follow-the-session")

        # When her connection drops while Anna writes again
        proxy.cut()
        await page.result_shows("Connection lost")
        await say(gql, member, session, "Is anyone there?")

        # Then the page reconnects and shows what was said meanwhile, once
        shown = await page.result_shows(
            "Connected again: going on after message 2", "Is anyone there?"
        )
        assert shown.count("Is anyone there?") == 1
        assert shown.count("Hello everyone") == 1

        # When the session is ended (from her phone) while she follows it
        ended = await gql(END, {"session": str(session.id)}, token=facilitator.token)
        assert data(ended, "endSession") == {"status": "ENDED"}

        # Then the Follow tab says so
        await page.result_shows("The session has ended.")

        # And nothing she typed or was given is kept where the browser keeps things
        stored = await page.stored()
        assert page.signed_in["accessToken"] not in stored
        assert page.signed_in["refreshToken"] not in stored
        assert PASSWORD not in stored
        assert "eyJ" not in stored
        assert urlsplit(page.page.url).query == ""
        assert urlsplit(page.page.url).fragment == ""

        # When she signs out
        await page.page.click("text=Sign out")

        # Then the form is back, and her sign-in is over at Haven too
        await page.page.wait_for_selector("input[name=password]")
        refreshed = await gql(REFRESH, {"token": page.signed_in["refreshToken"]})
        assert refreshed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert page.elsewhere == []
        assert page.problems == []


async def test_the_page_says_so_when_graphiql_cannot_load(browser, server: Server):
    # Given a network that lets the page through but not GraphiQL's script
    context = await browser.new_context()
    await context.route("**/graphiql.min.js", lambda route: route.abort())
    page = await context.new_page()
    try:
        # When the page is opened
        await page.goto(f"{server.url}/graphql")

        # Then it says what did not load, rather than "Loading…" for ever
        message = await page.inner_text("#haven-loading")
        assert "GraphiQL did not start: GraphiQL did not load from this server" in message
    finally:
        await context.close()


async def test_the_sign_in_is_renewed_while_she_follows_a_session(
    browser, server: Server, gql, person
):
    # Given a facilitator following her live session, the page's clock in the test's hands
    facilitator, member, _, session = await a_week_to_run(gql, person)
    started = await gql(START, {"session": str(session.id)}, token=facilitator.token)
    assert data(started, "startSession") == {"status": "LIVE"}
    async with graphiql(browser, server.url, clock=True) as page:
        await page.sign_in(facilitator.user.email)
        await page.open_tab("FollowTheSession")
        await page.run()
        await page.result_shows("Listening")
        await say(gql, member, session, "Before the break")
        await page.result_shows("Before the break")

        # When fourteen of the access token's fifteen minutes pass
        async with page.page.expect_response(is_refresh) as answer:
            await page.page.clock.fast_forward("14:30")
        renewed = (await (await answer.value).json())["data"]["refreshToken"]

        # Then the page renewed it, and the stream goes on with nothing lost
        await say(gql, member, session, "After the break")
        shown = await page.result_shows("Before the break", "After the break")
        assert "Connection lost" not in shown
        assert renewed["refreshToken"] != page.signed_in["refreshToken"]

        # And it keeps what it was given: the next renewal spends the new refresh token
        async with page.page.expect_response(is_refresh) as again:
            await page.page.clock.fast_forward("14:30")
        second = await again.value
        assert second.request.post_data_json["variables"]["token"] == renewed["refreshToken"]
        latest = (await second.json())["data"]["refreshToken"]

        # And what she runs next carries the latest access token
        await page.open_tab("MyGroups")
        async with page.page.expect_request(is_named("MyGroups")) as request:
            await page.run()
        sent = (await request.value).headers["authorization"]
        assert sent == f"Bearer {latest['accessToken']}"
        await page.result_shows("Tuesday evening group")

        # When she runs a sign-in typed into the editor
        await page.page.click(".graphiql-query-editor .CodeMirror")
        await page.page.keyboard.press("Control+A")
        await page.page.keyboard.type(
            'mutation TypedSignIn { login(email: "x@example.org", password: "not-this") '
            "{ accessToken } }"
        )
        await page.run()
        await page.result_shows("errors")

        # Then the history keeps what she ran before, but not that
        await page.page.click("[aria-label='Show History']")
        history = await page.page.inner_text(".graphiql-history")
        assert "MyGroups" in history
        assert "TypedSignIn" not in history
        assert "not-this" not in await page.stored()
