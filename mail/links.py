"""The links an e-mail carries: into the app, and the one that stops a kind of e-mail.

An unsubscribe link must work without signing in (that is the point of it) and must
not let anyone turn off someone else's e-mail, so it carries a signed token naming the
person and the topic. It can only ever turn e-mail off, so it does not expire: people
find old e-mails.
"""

from __future__ import annotations

from urllib.parse import urlencode

import jwt

from models.mail import MailTopic
from settings import Settings

UNSUBSCRIBE_PATH = "/email/unsubscribe"
AUDIENCE = "haven-unsubscribe"


def app_link(settings: Settings, path: str, token: str | None = None) -> str:
    query = f"?{urlencode({'token': token})}" if token else ""
    return f"{settings.app_url}{path}{query}"


def unsubscribe_link(settings: Settings, user_id: int, topic: MailTopic) -> str:
    token = jwt.encode(
        {"sub": str(user_id), "topic": topic.value, "aud": AUDIENCE, "iss": settings.jwt_issuer},
        settings.jwt_secret,
        algorithm="HS256",
    )
    return app_link(settings, UNSUBSCRIBE_PATH, token)


def read_unsubscribe_token(settings: Settings, token: str) -> tuple[int, MailTopic] | None:
    """Whose e-mail of which topic the token stops, or ``None`` for a token not ours."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "topic", "aud", "iss"]},
        )
        topic = MailTopic(claims["topic"])
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if topic == MailTopic.ALWAYS:
        return None
    return user_id, topic
