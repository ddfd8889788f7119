"""Writes a client named with its own id, so that sending one again changes nothing."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class ClientWrite(Model):
    """A message written under an author's ``clientMessageId``: what it made, and a digest
    of what was asked, to tell a retry (the same) from a mistake (another message).

    The unique pair (author, id) is what makes a retry safe across processes: the second
    of two writes racing with one id fails to record it, and its transaction, message and
    all, is undone.
    """

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="client_writes", on_delete=fields.CASCADE
    )
    client_id = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=40)
    digest = fields.CharField(max_length=64)
    object_id = fields.IntField()
    written_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    author_id: int

    class Meta:
        table = "client_writes"
        unique_together = (("author", "client_id"),)
