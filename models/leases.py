"""Leases: which server process does a piece of scheduled work, for now."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Lease(Model):
    """``name``'s work belongs to ``holder`` until ``expires_at``, then to whoever takes
    it next. The row is taken by a conditional update that only one process can win."""

    name = fields.CharField(max_length=40, primary_key=True)
    holder = fields.CharField(max_length=120)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "leases"
