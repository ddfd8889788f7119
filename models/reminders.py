"""Reminders already given: what makes each one go once, however many processes look."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SentReminder(Model):
    """One reminder given: of ``kind``, about the record ``subject_id``, to one person, for
    the moment ``due_at`` it was due. The unique key is the whole guarantee: of two
    processes giving the same reminder at once, the second fails to record it and its
    transaction, notice and e-mail with it, is undone."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=30)
    subject_id = fields.IntField()
    recipient_id = fields.IntField()
    due_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "sent_reminders"
        unique_together = (("kind", "subject_id", "recipient_id", "due_at"),)
