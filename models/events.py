"""Domain events, kept for the integrations that follow them: types and ids, no content."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DomainEvent(Model):
    """What happened, to which ids, and when, written in the transaction of the change.

    ``position`` numbers the events in the order they became visible, not the order they
    were written: it is given after commit, under the single ``EventCounter`` row, so an
    integration that has seen position N can never later meet an event numbered below N.
    """

    id = fields.IntField(primary_key=True)
    type = fields.CharField(max_length=40)
    group_id = fields.IntField(null=True)
    application_id = fields.IntField(null=True)
    session_id = fields.IntField(null=True)
    occurred_at = fields.DatetimeField(db_index=True)
    position = fields.IntField(null=True, unique=True)

    class Meta:
        table = "domain_events"


class EventCounter(Model):
    """The last position given to an event: one row, its id 1, never lowering, so that
    positions are never given twice even after old events are forgotten."""

    id = fields.IntField(primary_key=True)
    last_position = fields.IntField(default=0)

    class Meta:
        table = "event_counter"
