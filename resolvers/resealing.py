"""Sealing stored secrets again under the newest key, so that an older key can be retired.

``GP_DETAILS_KEY`` lists keys newest first. New values are sealed with the first; values
sealed with any listed key still open. Rotating a key is therefore: put a new key in
front, run ``haven reseal-gp-details`` (``do_reseal``), then drop the old key. Every
column sealed with these keys is covered: GP details, applicants' telephone numbers, the
evidence kept of withdrawn messages and webhooks' signing secrets.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from tortoise.models import Model

from models import Application, SessionMessage, Webhook

BATCH = 500
SEALED_COLUMNS: tuple[tuple[type[Model], str, str], ...] = (
    (Application, "gp_details", "GP details"),
    (Application, "phone", "telephone numbers"),
    (SessionMessage, "sealed_body", "withdrawn messages kept as evidence"),
    (Webhook, "secret", "webhook secrets"),
)


@dataclass
class Resealed:
    what: str
    resealed: int = 0  # sealed under an older key, now under the newest
    current: int = 0  # under the newest key already
    unreadable: int = 0  # opened by no listed key: its key must stay until this is resolved


async def do_reseal(keys: tuple[str, ...]) -> list[Resealed]:
    """Seal every stored value that an older key sealed again under ``keys[0]``.

    Rows are read in batches by id and each is written back only if it still holds what
    was read, so a value changed meanwhile (or erased by the purge) is left as it is.
    Running it twice does nothing the second time.
    """
    newest = Fernet(keys[0].encode())
    every = MultiFernet([Fernet(key.encode()) for key in keys])
    report = []
    for model, column, what in SEALED_COLUMNS:
        counts = Resealed(what)
        after = 0
        while (
            rows := await model.filter(id__gt=after, **{f"{column}__isnull": False})
            .order_by("id")
            .limit(BATCH)
            .values_list("id", column)
        ):
            for row_id, sealed in rows:
                after = row_id
                token = sealed.encode()
                if _opens(newest, token):
                    counts.current += 1
                    continue
                try:
                    fresh = every.rotate(token).decode()
                except InvalidToken:
                    counts.unreadable += 1
                    continue
                unchanged = model.filter(id=row_id, **{column: sealed})
                counts.resealed += await unchanged.update(**{column: fresh})
        report.append(counts)
    return report


def _opens(key: Fernet, token: bytes) -> bool:
    try:
        key.decrypt(token)
    except InvalidToken:
        return False
    return True
