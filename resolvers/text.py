"""What people write: trimmed, not empty when it must say something, and not too long;
and the times they give, which must say which clock they are on."""

from __future__ import annotations

import re
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


PHONE = re.compile(r"^\+?[0-9 ()-]{7,24}$")
PHONE_DIGITS = range(7, 16)  # E.164 numbers have at most 15 digits


def check_phone(phone: str | None) -> str | None:
    """A telephone number as people write one: digits, spaces, brackets, a leading +."""
    if phone is None or not phone.strip():
        return None
    phone = " ".join(phone.split())
    if not PHONE.match(phone) or len(re.sub(r"\D", "", phone)) not in PHONE_DIGITS:
        raise BadUserInput("Give a telephone number such as 0113 496 0000 or +44 113 496 0000.")
    return phone
