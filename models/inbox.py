"""Personal messages: what staff and the service send to one person, and their replies."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class PersonalMessage(Model):
    """A message in one person's inbox. ``sender`` is ``None`` for the service itself.

    ``thread`` is the first message of the exchange a reply belongs to; ``kind`` tells
    a personal message from a notice of the service or a breach report. A notice about
    a record (a safeguarding concern, a breach report) links to it by ``link_type`` and
    ``link_id`` and says nothing of its content; ``urgent`` asks for attention now.
    """

    id = fields.IntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="inbox", on_delete=fields.CASCADE
    )
    sender: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="sent_messages", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=20, default="MESSAGE")
    thread: fields.ForeignKeyNullableRelation[PersonalMessage] = fields.ForeignKeyField(
        "haven.PersonalMessage", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    sent_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    urgent = fields.BooleanField(default=False)
    link_type = fields.CharField(max_length=40, default="")
    link_id = fields.IntField(null=True)

    recipient_id: int
    sender_id: int | None
    thread_id: int | None

    class Meta:
        table = "personal_messages"
        ordering = ("-id",)
        indexes = (("recipient_id", "id"),)  # an inbox is read a page at a time, newest first
