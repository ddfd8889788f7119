"""A calendar invitation for a telephone call: its time, and a title that says nothing.

The invitation goes with the e-mail that a call is arranged, so that the time lands in
the person's calendar. A calendar is as open to a family's eyes as an inbox: the event
is called "Telephone call" and carries nothing else, no group, no name, no notes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

CALL_TITLE = "Telephone call"
CALL_LENGTH = timedelta(minutes=30)
PRODUCT = "-//Haven//Calls//EN"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def call_invitation(uid: str, at: datetime, now: datetime | None = None) -> str:
    """An iCalendar (RFC 5545) file with the one event, in UTC, lines ended by CRLF."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(now or datetime.now(UTC))}",
        f"DTSTART:{_stamp(at)}",
        f"DTEND:{_stamp(at + CALL_LENGTH)}",
        f"SUMMARY:{CALL_TITLE}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
