"""Words kept only as evidence: sealed with the same keys as GP details.

A redacted message is withdrawn from every reader but may be needed by the audit, so
its text is encrypted (Fernet, newest ``GP_DETAILS_KEY`` first) rather than destroyed.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from auth.gp_details import fernet


def seal_text(keys: tuple[str, ...], text: str) -> str:
    return fernet(keys).encrypt(text.encode()).decode()


def unseal_text(keys: tuple[str, ...], sealed: str) -> str:
    try:
        return fernet(keys).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise RuntimeError("this text was sealed with a key no longer configured") from error
