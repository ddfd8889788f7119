"""Channel names: every channel Haven publishes on is named here and nowhere else."""

from __future__ import annotations


def session_messages(session_id: int) -> str:
    return f"session:{session_id}:messages"


def session_presence(session_id: int) -> str:
    return f"session:{session_id}:presence"


def application_updates(user_id: int) -> str:
    """Changes to applications a user follows: their own, or those to groups they run."""
    return f"user:{user_id}:applications"


def access_changes(user_id: int) -> str:
    """A user's access changed (a membership ended): their streams re-check at once."""
    return f"user:{user_id}:access"


def events() -> str:
    """Domain events for integrations: types and ids only; and the revocations of
    integrations (``{"revoked_integration_id": …}``), which end that integration's streams."""
    return "events"


def events_recorded() -> str:
    """An event was recorded: every process's event relay wakes to number it (no payload)."""
    return "events:recorded"


def inbox(user_id: int) -> str:
    return f"user:{user_id}:inbox"


def conversation_posts(conversation_id: int) -> str:
    return f"conversation:{conversation_id}:posts"


def mail_queued() -> str:
    """An e-mail was queued: every process's relay wakes to send it (ids only, no address)."""
    return "mail:queued"


def sign_ins_ended() -> str:
    """Sign-ins ended (signed out, a new password, a closed profile): the WebSockets opened
    under them close, in every process (``{"user_id": …, "sign_ins": […]}``)."""
    return "sign-ins:ended"


def topic_posts(topic_id: int) -> str:
    """A public topic's posts, written, edited or hidden (``{"post_id": …}``)."""
    return f"topic:{topic_id}:posts"
