"""Opening, migrating and closing the database named by ``DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from models import bounded
from models.versions import close_version_readers
from settings import tortoise_config

# WAL lets readers and the writer proceed together; NORMAL is durable across crashes
# of the process in WAL mode; busy_timeout makes a second process wait, not fail.
PROBE_SECONDS = 1.0  # a readiness probe answers within this, whatever the database does
SQLITE_PRAGMAS = {"journal_mode": "WAL", "synchronous": "NORMAL", "busy_timeout": "5000"}


def with_sqlite_pragmas(database_url: str) -> str:
    """Add our SQLite pragmas to a ``sqlite://`` URL (those it sets itself win)."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite" or database_url.endswith(":memory:"):
        return database_url
    given = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    query = "&".join(f"{k}={v}" for k, v in {**SQLITE_PRAGMAS, **given}.items())
    return f"{database_url.split('?', 1)[0]}?{query}"


def _ensure_sqlite_folder(database_url: str) -> None:
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite" and not database_url.endswith(":memory:"):
        Path(parts.path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(database_url: str) -> None:
    """Initialise Tortoise for this process; every task may then use the models."""
    _ensure_sqlite_folder(database_url)
    close_version_readers()
    await Tortoise.init(
        config=tortoise_config(with_sqlite_pragmas(database_url)),
        _enable_global_fallback=True,
    )


async def close_database() -> None:
    close_version_readers()
    await Tortoise.close_connections()


async def migrate_database(database_url: str) -> None:
    """Apply every migration not yet applied (Tortoise's own migration framework)."""
    _ensure_sqlite_folder(database_url)
    try:
        await migrate(config=tortoise_config(with_sqlite_pragmas(database_url), bounded=False))
    finally:
        close_version_readers()
        await Tortoise.close_connections()


async def database_is_ready(within: float = PROBE_SECONDS) -> bool:
    """Whether the database answers a trivial query within ``within`` seconds."""
    try:
        await bounded.within(within, connections.get("default").execute_query("SELECT 1"))
    except Exception:  # any driver error, or none in time, means not ready
        return False
    return True
