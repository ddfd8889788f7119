"""The service's centres, where someone waiting for a place can call in."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Centre(Model):
    """A centre people can visit or telephone: public information, kept by the online
    manager."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    address = fields.TextField()
    phone = fields.CharField(max_length=40)
    opening_hours = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "centres"
        ordering = ("name",)
