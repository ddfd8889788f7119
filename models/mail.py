"""E-mail waiting to leave, and what each person wants to hear of by e-mail."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.accounts import EMAIL_LENGTH, User


class MailTopic(StrEnum):
    """What an e-mail is about, as a person chooses what reaches her. ``ALWAYS`` is the
    service-critical kind (a place offered, a call arranged, her own account), which no
    one can turn off; the others are on until she turns them off."""

    ALWAYS = "ALWAYS"
    MESSAGES = "MESSAGES"
    NEWS = "NEWS"
    REMINDERS = "REMINDERS"


class MailKind(StrEnum):
    """Which e-mail: each kind has one fixed wording (``mail.templates``), so an e-mail
    can only ever say what its kind says, never what the notice behind it says."""

    NEW_MESSAGE = "NEW_MESSAGE"
    NEWS = "NEWS"
    ACTION_NEEDED = "ACTION_NEEDED"
    URGENT = "URGENT"
    REMINDER = "REMINDER"
    VERIFY_ADDRESS = "VERIFY_ADDRESS"
    ADDRESS_IN_USE = "ADDRESS_IN_USE"
    PASSWORD_RESET = "PASSWORD_RESET"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"
    CONFIRM_NEW_ADDRESS = "CONFIRM_NEW_ADDRESS"
    ADDRESS_CHANGED = "ADDRESS_CHANGED"
    CALL_ARRANGED = "CALL_ARRANGED"

    @property
    def topic(self) -> MailTopic:
        return TOPICS.get(self, MailTopic.ALWAYS)


TOPICS = {
    MailKind.NEW_MESSAGE: MailTopic.MESSAGES,
    MailKind.NEWS: MailTopic.NEWS,
    MailKind.REMINDER: MailTopic.REMINDERS,
}


class OutgoingMail(Model):
    """One e-mail, written in the transaction of the change it announces, sent after.

    ``next_attempt_at`` is set while the e-mail is still to be sent, and cleared once it
    is sent or given up. A sender takes a row by setting ``claimed_until`` where nobody
    holds it, so two processes never send one row at the same time; ``message_id`` stays
    the same on every attempt, so a row sent again after a crash (sent, not yet marked)
    is the same message to the receiving server and the same file on disk.

    ``link_token`` is the secret of a single-use link (a password reset), erased once sent.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "haven.User", related_name="outgoing_mail", null=True, on_delete=fields.CASCADE
    )
    to_address = fields.CharField(max_length=EMAIL_LENGTH)
    kind = fields.CharEnumField(MailKind, max_length=30)
    link_token = fields.CharField(max_length=200, null=True)
    event_at = fields.DatetimeField(null=True)  # a call's time, sent as a calendar invitation
    message_id = fields.CharField(max_length=100, unique=True)
    queued_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    sent_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=200, default="")

    user_id: int | None

    class Meta:
        table = "outgoing_mail"


class MailPreferences(Model):
    """The optional e-mails a person has turned off, all on while she has no row."""

    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "haven.User", related_name="mail_preferences", on_delete=fields.CASCADE, primary_key=True
    )
    messages = fields.BooleanField(default=True)
    news = fields.BooleanField(default=True)
    reminders = fields.BooleanField(default=True)

    class Meta:
        table = "mail_preferences"

    def wants(self, topic: MailTopic) -> bool:
        if topic == MailTopic.ALWAYS:
            return True
        return bool(getattr(self, topic.value.lower()))
