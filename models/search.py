"""Full-text search of public topics: one function, each backend's own engine.

PostgreSQL ranks with its text search (``to_tsvector``/``ts_rank``, GIN indexes made by
the migration). The embedded SQLite keeps an FTS5 table of the posts shown, written
as posts are written, edited or hidden (``index_post``, ``unindex_post``), and ranks
with BM25. Either way a hidden post is found by no search, and a topic ranks by its
best-matching post or title.
"""

from __future__ import annotations

import re

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

FTS_TABLE = "topic_search"
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "post_id UNINDEXED, topic_id UNINDEXED, category_id UNINDEXED, title, body, "
    "tokenize = 'porter unicode61')"
)
POSTGRES_INDEXES = (
    "CREATE INDEX IF NOT EXISTS topic_posts_search ON topic_posts "
    "USING GIN (to_tsvector('english', body))",
    "CREATE INDEX IF NOT EXISTS topics_search ON topics USING GIN (to_tsvector('english', title))",
)
WORD = re.compile(r"\w+", re.UNICODE)
MOST_WORDS = 12
MOST_HITS = 5_000  # posts ranked on the embedded default, enough for its scale


def words_of(text: str) -> list[str]:
    """The words searched for: letters and digits only, so nothing typed is syntax."""
    return WORD.findall(text.lower())[:MOST_WORDS]


def _client() -> BaseDBAsyncClient:
    return connections.get("default")


def on_sqlite(client: BaseDBAsyncClient) -> bool:
    return client.capabilities.dialect == "sqlite"


async def install_search(client: BaseDBAsyncClient) -> None:
    """Make what search needs on this backend (idempotent); run by a migration."""
    if on_sqlite(client):
        await client.execute_script(SQLITE_TABLE)
    else:
        for statement in POSTGRES_INDEXES:
            await client.execute_script(statement)


async def index_post(post_id: int, topic_id: int, category_id: int, title: str, body: str) -> None:
    client = _client()
    if not on_sqlite(client):
        return  # PostgreSQL searches the tables themselves
    await unindex_post(post_id)
    await client.execute_query(
        f"INSERT INTO {FTS_TABLE} (post_id, topic_id, category_id, title, body) "
        "VALUES (?, ?, ?, ?, ?)",
        [post_id, topic_id, category_id, title, body],
    )


async def unindex_post(post_id: int) -> None:
    client = _client()
    if on_sqlite(client):
        await client.execute_query(f"DELETE FROM {FTS_TABLE} WHERE post_id = ?", [post_id])


async def find_topics(text: str, category_id: int | None, offset: int, limit: int) -> list[int]:
    """Ids of the topics matching every word of ``text``, best first."""
    words = words_of(text)
    if not words:
        return []
    client = _client()
    if on_sqlite(client):
        match = " ".join(f'"{word}"' for word in words)
        in_category = "AND category_id = ?" if category_id is not None else ""
        params: list[object] = [match]
        if category_id is not None:
            params.append(category_id)
        _, rows = await client.execute_query(
            f"SELECT topic_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? {in_category} "
            "ORDER BY rank LIMIT ?",
            [*params, MOST_HITS],
        )
        # Best post first: a topic's first appearance is its best rank.
        ranked = list(dict.fromkeys(int(row["topic_id"]) for row in rows))
        return ranked[offset : offset + limit]
    query = " ".join(words)
    in_category = "AND t.category_id = $2" if category_id is not None else ""
    params = [query] + ([category_id] if category_id is not None else [])
    n = len(params)
    _, rows = await client.execute_query(
        "SELECT t.id, max(ts_rank(to_tsvector('english', t.title), q) "
        "  + ts_rank(to_tsvector('english', p.body), q)) AS rank "
        "FROM topics t JOIN topic_posts p ON p.topic_id = t.id AND p.hidden_at IS NULL, "
        "  plainto_tsquery('english', $1) q "
        "WHERE (to_tsvector('english', t.title) @@ q OR to_tsvector('english', p.body) @@ q) "
        f"{in_category} "
        f"GROUP BY t.id ORDER BY rank DESC, t.id LIMIT ${n + 1} OFFSET ${n + 2}",
        [*params, limit, offset],
    )
    return [int(row["id"]) for row in rows]
