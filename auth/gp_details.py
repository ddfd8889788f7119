"""GP details are sealed (Fernet: AES-128-CBC with HMAC-SHA256) before they are stored.

``GP_DETAILS_KEY`` lists keys newest first: new details are sealed with the newest,
and details sealed with any listed key still open, so keys can be rotated by putting
a new key in front and, once ``reseal`` has run, dropping the old one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


@dataclass(frozen=True)
class GPDetails:
    practice_name: str
    gp_name: str
    address: str
    phone: str


def fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def seal(keys: tuple[str, ...], details: GPDetails) -> str:
    return fernet(keys).encrypt(json.dumps(asdict(details)).encode()).decode()


def unseal(keys: tuple[str, ...], sealed: str) -> GPDetails:
    try:
        return GPDetails(**json.loads(fernet(keys).decrypt(sealed.encode())))
    except InvalidToken as error:
        raise RuntimeError("GP details were sealed with a key no longer configured") from error


def reseal(keys: tuple[str, ...], sealed: str) -> str:
    """The same details sealed with the newest key."""
    return fernet(keys).rotate(sealed.encode()).decode()
