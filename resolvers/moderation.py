"""What public posts and comments share: reports from readers, counted for moderators."""

from __future__ import annotations

from tortoise.functions import Count
from tortoise.models import Model


async def most_reported(reports: type[Model], reported: str) -> list[tuple[int, int]]:
    """``(id, reports)`` of what ``reports`` (a model with ``settled_at`` and a ``reported``
    foreign key) report and is not yet settled, the most reported first."""
    counted = (
        await reports.filter(settled_at=None)
        .annotate(n=Count("id"))
        .group_by(reported)
        .order_by("-n", reported)
        .values_list(reported, "n")
    )
    return [(int(key), int(n)) for key, n in counted]
