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


class Webhook(Model):
    """Where an integration's events are posted, signed, and how far they have got.

    ``secret`` signs each delivery (HMAC-SHA256); it is sealed at rest like GP details.
    Events go in order: ``delivered_position`` is the last one the receiver accepted.
    After ``failures`` in a row the webhook is disabled and the online manager told.
    """

    id = fields.IntField(primary_key=True)
    integration: fields.OneToOneRelation[Integration] = fields.OneToOneField(
        "haven.Integration", related_name="webhook", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=500)
    secret = fields.TextField()
    delivered_position = fields.IntField(default=0)
    failures = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhooks"


class WebhookDelivery(Model):
    """One try at posting one event to a webhook, and what came of it."""

    id = fields.IntField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "haven.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    attempted_at = fields.DatetimeField(db_index=True)
    status_code = fields.IntField(null=True)
    error = fields.CharField(max_length=200, default="")
    succeeded = fields.BooleanField()

    class Meta:
        table = "webhook_deliveries"
