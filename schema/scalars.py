"""Dates and times as Haven reads them: ISO 8601, within years people mean; times of
day as London clocks show them.

Strawberry's own scalars accept any year Python can hold; a session in year 9999
or a report since year 1 then overflows the arithmetic on it deep in a resolver.
These refuse such values where they arrive, as a bad variable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

import dateutil.parser
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

T = TypeVar("T")
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def _within_reach(moment: dt.date) -> None:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise GraphQLError(f"Use a year from {EARLIEST_YEAR} to {LATEST_YEAR}.")


def _read(value: object, parse: Callable[[str], T], example: str) -> T:
    """``parse`` a string, or refuse with an example; the message never repeats the value."""
    try:
        if not isinstance(value, str):
            raise TypeError
        return parse(value)
    except (TypeError, ValueError, OverflowError):
        raise GraphQLError(f"Write {example}.") from None


LONDON = ZoneInfo("Europe/London")
DATETIME_EXAMPLE = "2026-07-02T19:00"


def parse_datetime(value: object) -> dt.datetime:
    """A moment. Without a UTC offset it is read as London clocks show it, summer or
    winter, as the people who type it mean it: ``2026-07-02T19:00`` is 7 pm in London."""
    moment = _read(
        value,
        dateutil.parser.isoparse,
        f"a date and time in ISO 8601, such as {DATETIME_EXAMPLE} (London time) or "
        "2026-07-02T18:00:00+00:00",
    )
    _within_reach(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


def readable(moment: dt.datetime) -> str:
    """A moment as a person in the UK reads it: ``Tuesday 3 March, 19:00``."""
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"


def parse_date(value: object) -> dt.date:
    day = _read(value, dt.date.fromisoformat, "a date in ISO 8601, such as 2026-12-02")
    _within_reach(day)
    return day


def parse_time(value: object) -> dt.time:
    """A wall-clock time: a group meets at 19:00 in London, summer or winter."""
    moment = _read(value, dt.time.fromisoformat, "a time in ISO 8601, such as 19:00")
    if moment.tzinfo is not None:
        raise GraphQLError("Give the time as London clocks show it, without a UTC offset.")
    return moment


def to_the_second(value: dt.datetime | dt.time) -> str:
    """A moment or time of day as people read it: no fractions of a second. A message's
    order is its ``sequence``, never its time."""
    return value.isoformat(timespec="seconds")


def _iso_scalar(
    kind: type[dt.date] | type[dt.time],
    name: str,
    description: str,
    parse: Callable[[object], object],
    serialize: Callable[[T], str] = dt.date.isoformat,
) -> ScalarDefinition:
    return ScalarDefinition(
        name=name,
        description=description,
        specified_by_url=None,
        serialize=serialize,
        parse_value=parse,
        parse_literal=None,
        origin=kind,
    )


YEARS = f"in the years {EARLIEST_YEAR} to {LATEST_YEAR}"
OVERRIDES = {
    dt.datetime: _iso_scalar(
        dt.datetime,
        "DateTime",
        f"Date with time (ISO 8601), {YEARS}. Without a UTC offset it is London time: "
        f"{DATETIME_EXAMPLE} is 7 pm in London. Answers are in UTC, to the second.",
        parse_datetime,
        to_the_second,
    ),
    dt.date: _iso_scalar(dt.date, "Date", f"Date (ISO 8601), {YEARS}", parse_date),
    dt.time: _iso_scalar(
        dt.time,
        "Time",
        "Time of day (ISO 8601) as London clocks show it",
        parse_time,
        to_the_second,
    ),
}
