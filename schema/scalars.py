"""Dates and times as Haven reads them: ISO 8601, within years people mean.

Strawberry's own scalars accept any year Python can hold; a session in year 9999
or a report since year 1 then overflows the arithmetic on it deep in a resolver.
These refuse such values where they arrive, as a bad variable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import dateutil.parser
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def _within_reach(moment: dt.date) -> None:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise GraphQLError(f"Use a year from {EARLIEST_YEAR} to {LATEST_YEAR}.")


def parse_datetime(value: object) -> dt.datetime:
    """Read an ISO 8601 date and time; the message never repeats the value."""
    try:
        if not isinstance(value, str):
            raise TypeError
        moment = dateutil.parser.isoparse(value)
    except (TypeError, ValueError, OverflowError):
        raise GraphQLError(
            "Write a date and time in ISO 8601, such as 2026-12-02T18:00:00+00:00."
        ) from None
    _within_reach(moment)
    return moment


def parse_date(value: object) -> dt.date:
    """Read an ISO 8601 date; the message never repeats the value."""
    try:
        if not isinstance(value, str):
            raise TypeError
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise GraphQLError("Write a date in ISO 8601, such as 2026-12-02.") from None
    _within_reach(day)
    return day


def _iso_scalar(
    kind: type[dt.date], name: str, what: str, parse: Callable[[object], dt.date]
) -> ScalarDefinition:
    return ScalarDefinition(
        name=name,
        description=f"{what} (ISO 8601), in the years {EARLIEST_YEAR} to {LATEST_YEAR}",
        specified_by_url=None,
        serialize=kind.isoformat,
        parse_value=parse,
        parse_literal=None,
        origin=kind,
    )


OVERRIDES = {
    dt.datetime: _iso_scalar(dt.datetime, "DateTime", "Date with time", parse_datetime),
    dt.date: _iso_scalar(dt.date, "Date", "Date", parse_date),
}
