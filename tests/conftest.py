"""A real Haven server for the whole test session, and a clean database for each test.

The server is uvicorn serving ``app.create_app`` on a free loopback port, in the
session's event loop, so tests talk HTTP and WebSocket to it over the wire and may
also read the database directly to check what a request changed.

``DATABASE_URL`` and ``BROADCAST_URL`` choose the backends as they do for the
service: unset, a SQLite file and ``memory://``. A PostgreSQL URL names a server:
the session creates a fresh database on it and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import connections

from app import create_app, serving
from auth.tokens import issue_access_token
from models import Group, Membership, Need, Role, User
from models.database import migrate_database
from models.search import FTS_TABLE
from resolvers.accounts import do_create_user
from resolvers.sessions import ensure_upcoming
from settings import Settings, load_settings
from tests.mailbox import Mailbox, start_smtp_server

PASSWORD = "correct horse battery"
TEST_ENV = {
    "JWT_SECRET": "test-secret-" + "x" * 64,
    "HAVEN_ALLOWED_ORIGINS": "https://app.haven.example",
}
PRODUCTION_ENV = {
    "HAVEN_ENV": "production",
    "GP_DETAILS_KEY": "cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA=",
    "SMTP_URL": "smtp://127.0.0.1:1",
    "APP_URL": "https://haven.example.org",
}
TABLES = [
    "webhook_deliveries",
    "webhooks",
    "domain_events",
    "blog_comment_reports",
    "post_reports",
    "topic_posts",
    "topics",
    "topic_categories",
    "blog_comments",
    "blog_posts",
    "specialist_answers",
    "specialist_questions",
    "specialist_seats",
    "specialist_groups",
    "centres",
    "leases",
    "proposed_calls",
    "sent_reminders",
    "account_tokens",
    "registrations",
    "outgoing_mail",
    "mail_preferences",
    "client_writes",
    "integrations",
    "safeguarding_concerns",
    "breach_reports",
    "posts",
    "conversations",
    "session_presence",
    "session_messages",
    "group_sessions",
    "audit_log",
    "personal_messages",
    "application_steps",
    "sign_in_attempts",
    "refresh_tokens",
    "memberships",
    "applications",
    "groups",
    "needs",
    "staff_details",
    "users",
]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite://{tmp_path_factory.mktemp('db') / 'haven.sqlite3'}"
        return
    name = f"haven_test_{uuid.uuid4().hex[:12]}"
    server, _, _ = base.rpartition("/")
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    yield f"{server}/{name}"
    asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    """A real SMTP server that the test server sends every e-mail to."""
    controller, mailbox = start_smtp_server()
    yield f"smtp://{controller.hostname}:{controller.port}", mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[str, Mailbox]) -> Iterator[Mailbox]:
    """What arrives at the SMTP server during this test."""
    _, mailbox = smtp_server
    mailbox.clear()
    yield mailbox
    mailbox.clear()


@pytest.fixture(scope="session")
def settings(database_url: str, smtp_server: tuple[str, Mailbox]) -> Settings:
    return load_settings(
        {
            **TEST_ENV,
            "DATABASE_URL": database_url,
            "BROADCAST_URL": os.environ.get("BROADCAST_URL", "memory://"),
            "SMTP_URL": smtp_server[0],
        }
    )


@dataclass
class Server:
    url: str
    settings: Settings

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"


@pytest.fixture(scope="session")
async def server(settings: Settings) -> AsyncIterator[Server]:
    await migrate_database(settings.database_url)
    async with serving(create_app(settings)) as url:
        yield Server(url, settings)


@pytest.fixture(autouse=True)
async def clean_database(server: Server) -> AsyncIterator[None]:
    yield
    await wipe_database(server)


async def wipe_database(server: Server) -> None:
    """Empty every table, children first, as each test leaves it for the next.

    DELETE, in one script: on PostgreSQL a TRUNCATE of sixty tables makes each a new file
    and syncs it, a quarter of a second a test, and sixty statements one by one cost five
    times one script. Ids go on counting.
    """
    sqlite = server.settings.database_url.startswith("sqlite")
    tables = (*TABLES, FTS_TABLE) if sqlite else TABLES
    # On PostgreSQL one script is one implicit transaction: all of it, or (on an error) none
    await connections.get("default").execute_script(
        " ".join(f'DELETE FROM "{table}";' for table in tables)
    )


@contextlib.asynccontextmanager
async def another_server(settings: Settings, **environ: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second Haven over the wire, configured by ``environ``, on the session's database
    and hub: production mode, a trusted proxy, whatever the test is about."""
    other = load_settings(
        {
            **TEST_ENV,
            "DATABASE_URL": settings.database_url,
            "BROADCAST_URL": settings.broadcast_url,
            **environ,
        }
    )
    async with (
        serving(create_app(other), lifespan=False) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client


class GraphQLClient:
    """Posts GraphQL to the test server the way an app would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@dataclass
class Person:
    user: User
    token: str

    @property
    def id(self) -> str:
        return str(self.user.id)


class People:
    """Makes signed-in people of any role, straight in the database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.count = 0

    async def __call__(self, role: Role = Role.MEMBER, name: str | None = None) -> Person:
        self.count += 1
        name = name or f"{role.value.title().replace('_', ' ')} {self.count}"
        user = await do_create_user(
            f"person{self.count}@example.org",
            PASSWORD,
            name,
            role,
            f"BPS-{self.count:06d}" if role == Role.FACILITATOR else None,
        )
        return Person(user, issue_access_token(self.settings, user))


@pytest.fixture
def person(settings: Settings) -> People:
    return People(settings)


async def make_group(
    facilitator: Person,
    name: str = "Tuesday group",
    need: str = "Living with cancer",
    **fields: Any,
) -> Group:
    need_row, _ = await Need.get_or_create(name=need)
    group = await Group.create(
        name=name,
        need=need_row,
        facilitator=facilitator.user,
        weekday=fields.pop("weekday", 1),
        start_minute=fields.pop("start_minute", 19 * 60),
        **fields,
    )
    await ensure_upcoming([group])  # as making a group through the API does
    return group


async def join(group: Group, member: Person) -> Membership:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return await Membership.create(
        group=group, user=member.user, starts_at=now, ends_at=now + timedelta(weeks=12)
    )


ROOT = Path(__file__).resolve().parent.parent
