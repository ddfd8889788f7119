"""What people write: trimmed, not empty when it must say something, and not too long."""

from __future__ import annotations

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
