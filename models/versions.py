"""The data version: a number that every committed write moves.

Answers to queries may be kept and given again only while nothing they could have
read has changed (``schema.answers``). Rather than trusting every write path to say
so, the database itself keeps the count, whichever process, command or migration
wrote:

- On PostgreSQL, triggers on every table bump ``data_version.n`` in the writing
  transaction, so a write and its new version commit together or not at all. The
  bump is a deferred constraint trigger: it runs at commit, after the transaction has
  taken every other lock, so the one version row cannot take part in a deadlock and
  is held only for the moment of the commit.
- On SQLite, ``PRAGMA data_version`` asked on a connection of our own changes whenever
  any other connection, in any process, has committed. (Triggers would do the same
  but would count their own writes in the changes Tortoise reports for an update.)
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote

from tortoise import connections, fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from models import bounded

logger = logging.getLogger("haven.versions")

VERSION_TABLE = "data_version"
VERSION_READ_SECONDS = 0.5  # unknown after this: the request is computed, not kept

# Tables no answer reads: the throttle's attempts (read only by sign-in and registration,
# which are mutations), presence beats (read only by the presence stream), and what only
# the server's own work reads: the e-mail outbox, reminders given, links waiting to be
# followed, the leases of scheduled work (renewed every minute). Writing them must not
# make every kept answer be computed again.
UNVERSIONED_TABLES = frozenset(
    {
        VERSION_TABLE,
        "sign_in_attempts",
        "session_presence",
        "client_writes",
        "outgoing_mail",
        "sent_reminders",
        "registrations",
        "account_tokens",
        "leases",
        "domain_events",
        "event_counter",
        "webhooks",
        "webhook_deliveries",
    }
)
MIGRATION_TABLES = frozenset({"tortoise_migrations"})


class DataVersion(Model):
    """The single row whose ``n`` every committed write to a versioned table increases."""

    id = fields.IntField(primary_key=True)
    n = fields.BigIntField(default=0)

    class Meta:
        table = VERSION_TABLE


def _trigger(table: str) -> str:
    return f"{table}_write_moves_version"


POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION move_data_version() RETURNS trigger AS $$
BEGIN
    UPDATE {VERSION_TABLE} SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def postgres_trigger_statements(table: str) -> list[str]:
    name = _trigger(table)
    return [
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
        f'CREATE CONSTRAINT TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION move_data_version()",
    ]


async def versioned_tables(client: BaseDBAsyncClient) -> list[str]:
    """Every table of a PostgreSQL database whose writes must move the version."""
    _, rows = await client.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    skipped = UNVERSIONED_TABLES | MIGRATION_TABLES
    return sorted(row["tablename"] for row in rows if row["tablename"] not in skipped)


def _on_sqlite(client: BaseDBAsyncClient) -> bool:
    return client.capabilities.dialect == "sqlite"


async def install_version_triggers(client: BaseDBAsyncClient) -> None:
    """Make every write to every versioned table move the version (idempotent).

    A migration that adds a table calls this again; ``tests/test_answers`` checks that
    no table was left without its trigger.
    """
    if _on_sqlite(client):
        return
    await client.execute_script(
        f"INSERT INTO {VERSION_TABLE} (id, n) SELECT 1, 0 "
        f"WHERE NOT EXISTS (SELECT 1 FROM {VERSION_TABLE} WHERE id = 1)"
    )
    await client.execute_script(POSTGRES_FUNCTION)
    for table in await versioned_tables(client):
        for statement in postgres_trigger_statements(table):
            await client.execute_script(statement)


async def remove_version_triggers(client: BaseDBAsyncClient) -> None:
    """Undo ``install_version_triggers``, before the version table is dropped."""
    if _on_sqlite(client):
        return
    for table in await versioned_tables(client):
        await client.execute_script(f'DROP TRIGGER IF EXISTS "{_trigger(table)}" ON "{table}"')
    await client.execute_script("DROP FUNCTION IF EXISTS move_data_version()")


@dataclass
class _Source:
    """Where this process reads the version: a SQLite connection of its own, or the pool."""

    sqlite: sqlite3.Connection | None = None
    client: BaseDBAsyncClient | None = None


_source: _Source | None = None  # found on first use, forgotten with the database
_NO_VERSION = _Source()


async def read_version() -> int | None:
    """The data version as committed now, seen alike by every process; None if unknown.

    Asked on every request that could be answered from what was kept, so on a SQLite
    file it is read through a connection of its own, on the loop: the pragma reads no
    table and never waits for a writer, and costs far less than a hop to aiosqlite's
    thread. An in-memory SQLite database has no version: nothing is kept.
    """
    source = _source or _find_source()
    if source.sqlite is not None:
        try:
            return int(source.sqlite.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:  # unknown from now on: nothing is kept or given
            _give_up("the data version could not be read")
            return None
    if source.client is not None:
        try:
            query = f"SELECT n FROM {VERSION_TABLE} WHERE id = 1"
            _, rows = await bounded.within(VERSION_READ_SECONDS, source.client.execute_query(query))
        except Exception:  # the database is away: unknown for this request, which will say so
            return None
        return int(rows[0]["n"]) if rows else None
    return None


def _find_source() -> _Source:
    global _source
    client = connections.get("default")
    if not _on_sqlite(client):
        _source = _Source(client=client)
        return _source
    filename = getattr(client, "filename", ":memory:")
    if filename == ":memory:":
        _source = _NO_VERSION
        return _source
    uri = f"file://{quote(os.path.abspath(filename))}?mode=ro"  # the path begins with /
    try:
        _source = _Source(sqlite=sqlite3.connect(uri, uri=True, isolation_level=None))
    except sqlite3.Error:
        _give_up("the SQLite file could not be opened to read the data version")
        return _NO_VERSION
    return _source


def _give_up(problem: str) -> None:
    """Say once why, and keep nothing until the database is opened again."""
    global _source
    logger.warning(problem, exc_info=True)
    close_version_readers()
    _source = _NO_VERSION


def close_version_readers() -> None:
    """Forget where the version was read: the database is being closed."""
    global _source
    if _source is not None and _source.sqlite is not None:
        _source.sqlite.close()
    _source = None
