"""Other systems that follow Haven's events, each with a token of its own."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Integration(Model):
    """A system allowed to subscribe to events: ids and types, never content.

    Only the SHA-256 of its token is stored; ``scopes`` is space-separated.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "integrations"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
