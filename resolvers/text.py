"""What people write: trimmed, not empty when it must say something, and not too long;
and the times they give, which must say which clock they are on."""

from __future__ import annotations

from datetime import datetime

from errors import BadUserInput

LINE = 200  # titles, subjects
NOTE = 4_000  # notes, reasons, session messages
LETTER = 10_000  # posts, personal messages, reports


def check_text(
    text: str, what: str, *, longest: int = NOTE, required: bool = True, one_line: bool = False
) -> str:
    """Return ``text`` trimmed (and on one line if asked), or refuse it with a reason."""
    text = " ".join(text.split()) if one_line else text.strip()
    if required and not text:
        raise BadUserInput(f"Say {what}.")
    if len(text) > longest:
        raise BadUserInput(f"Keep {what} to {longest} characters.")
    return text


def check_has_offset(moment: datetime, what: str) -> datetime:
    """Refuse a time without a UTC offset: it could be any of several instants."""
    if moment.tzinfo is None:
        raise BadUserInput(f"Give {what} with its UTC offset.")
    return moment
