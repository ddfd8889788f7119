"""Relay-style connections for the lists that grow: ``edges { cursor node }``, ``pageInfo``."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from auth.permissions import as_key
from errors import BadUserInput

MAX_PAGE = 100

Node = TypeVar("Node")
Row = TypeVar("Row")


@strawberry.type(description="Where a page stands in its list (Relay's PageInfo).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="Whether this page follows others: paging forward, whether `after` was given."
    )
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"haven:{key}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        prefix, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix == "haven" and (position := as_key(key)) is not None:
            return position
    except (ValueError, UnicodeDecodeError):
        pass
    raise BadUserInput("That cursor is not one this list gave out.")


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"Ask for 1 to {MAX_PAGE} items at a time.")
    return first


def connection(
    rows: Sequence[Row],
    first: int,
    key: Callable[[Row], int],
    node: Callable[[Row], Node],
    after: str | None,
) -> Connection[Node]:
    """Build the page after ``after`` from ``rows``, fetched as ``first + 1`` to learn
    whether more follow."""
    page = rows[:first]
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
