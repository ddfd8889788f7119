"""What each kind of e-mail says: a fixed wording, and nothing from the notice behind it.

An e-mail can be read by whoever shares the inbox or glances at a phone's lock screen.
So the words live in Haven's inbox, behind a sign-in, and an e-mail only says that
something is waiting: never a group's name or need, a message, GP details, notes of a
call or anyone else's name. Every kind's words are written here, in full, so that a
reader can check this file alone for what e-mail may ever carry; the only parts that
vary are the links.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from mail.calendar import call_invitation
from models.mail import MailKind, MailTopic

SIGN_IN = "Sign in to Haven to read it:"
PRIVACY = (
    "For your privacy, Haven never puts what it is about in an e-mail; it is in your "
    "inbox in Haven."
)


@dataclass(frozen=True)
class Wording:
    subject: str
    paragraphs: tuple[str, ...]
    link_label: str
    path: str  # where the link leads in the app; a token, if any, rides in its query


WORDINGS: dict[MailKind, Wording] = {
    MailKind.NEW_MESSAGE: Wording(
        "You have a new message in Haven",
        ("A new message is waiting for you in Haven.", PRIVACY),
        SIGN_IN,
        "/inbox",
    ),
    MailKind.NEWS: Wording(
        "There is news for you in Haven",
        ("Something new is waiting for you in your Haven inbox.", PRIVACY),
        SIGN_IN,
        "/inbox",
    ),
    MailKind.ACTION_NEEDED: Wording(
        "Please sign in to Haven: something needs your answer",
        (
            "Something in your Haven inbox needs your answer, and it may not wait long.",
            PRIVACY,
        ),
        SIGN_IN,
        "/inbox",
    ),
    MailKind.URGENT: Wording(
        "An urgent notice is waiting for you in Haven",
        ("An urgent notice is waiting for you in Haven. Please read it as soon as you can.",),
        SIGN_IN,
        "/inbox",
    ),
    MailKind.REMINDER: Wording(
        "A reminder from Haven",
        ("You have something coming up in Haven.", PRIVACY),
        "Sign in to Haven to see when:",
        "/inbox",
    ),
    MailKind.CALL_ARRANGED: Wording(
        "A telephone call with Haven is arranged",
        (
            "A telephone call is arranged for you. Its time is in your Haven inbox, and in "
            "the invitation attached, which puts it in your calendar as a telephone call.",
        ),
        SIGN_IN,
        "/inbox",
    ),
    MailKind.VERIFY_ADDRESS: Wording(
        "Confirm your e-mail address for Haven",
        (
            "Someone, we hope you, made a profile on Haven with this e-mail address. "
            "Open the link below to confirm it and sign in. It works once, for a day.",
            "If it was not you, ignore this e-mail: no profile opens without this link.",
        ),
        "Confirm your address:",
        "/verify-email",
    ),
    MailKind.ADDRESS_IN_USE: Wording(
        "Someone tried to make a Haven profile with your address",
        (
            "Someone tried to make a new profile on Haven with this e-mail address, which "
            "already has one. Nothing was changed.",
            "If it was you, sign in instead; if you have forgotten your password, you can "
            "set a new one from the sign-in page.",
        ),
        "Sign in:",
        "/sign-in",
    ),
    MailKind.PASSWORD_RESET: Wording(
        "Set a new password for Haven",
        (
            "Someone, we hope you, asked to set a new password for your Haven profile. "
            "Open the link below to choose one. It works once, for an hour.",
            "If it was not you, ignore this e-mail: your password stays as it is.",
        ),
        "Choose a new password:",
        "/reset-password",
    ),
    MailKind.PASSWORD_CHANGED: Wording(
        "Your Haven password was changed",
        (
            "The password of your Haven profile was just changed, and every other "
            "sign-in was ended.",
            "If this was not you, set a new password from the sign-in page at once and "
            "tell the online manager.",
        ),
        "Sign in:",
        "/sign-in",
    ),
    MailKind.CONFIRM_NEW_ADDRESS: Wording(
        "Confirm your new e-mail address for Haven",
        (
            "Someone, we hope you, asked to use this address for a Haven profile. Open the "
            "link below to confirm it. It works once, for a day.",
            "If it was not you, ignore this e-mail: nothing changes without this link.",
        ),
        "Confirm this address:",
        "/confirm-email",
    ),
    MailKind.ADDRESS_CHANGED: Wording(
        "Your Haven e-mail address was changed",
        (
            "Your Haven profile now uses another e-mail address; Haven will not write to "
            "this one again.",
            "If this was not you, tell the online manager at once.",
        ),
        "Haven:",
        "/sign-in",
    ),
}


@dataclass(frozen=True)
class Envelope:
    """What one e-mail needs beyond its kind: whom it goes to and the links it carries."""

    to_address: str
    kind: MailKind
    message_id: str
    link: str
    unsubscribe: str | None = None  # the one-click link, for what may be turned off
    event_at: datetime | None = None  # a call's time, attached as an invitation


def message_id(key: str, sender: str) -> str:
    """The Message-ID of the outbox row keyed ``key``, under the sender's domain: the same
    on every attempt, so that a second delivery is recognised as the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "haven.localhost"
    return f"<{key}@{domain}>"


def render(envelope: Envelope, sender: str) -> EmailMessage:
    """The whole e-mail: a plain-text part, an HTML part, and the headers mail clients
    read for a one-click unsubscribe (RFC 8058) where the topic may be turned off."""
    wording = WORDINGS[envelope.kind]
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = formataddr((name or "Haven", address))
    message["To"] = envelope.to_address
    message["Subject"] = wording.subject
    message["Message-ID"] = envelope.message_id
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    footer = []
    unsubscribe = envelope.unsubscribe if envelope.kind.topic != MailTopic.ALWAYS else None
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        footer.append(
            "You get e-mails like this one because you have not turned them off. "
            f"To stop them: {unsubscribe}"
        )
    text = [
        "Hello,",
        *wording.paragraphs,
        f"{wording.link_label}\n{envelope.link}",
        "Haven",
        *footer,
    ]
    plain = "\n\n".join(text) + "\n"
    html_part = _html(wording, envelope.link, unsubscribe)
    # Plain ASCII as it is, not quoted-printable: a link read from an .eml file by eye,
    # or by a mail client, is the link itself (lines stay far below SMTP's 998).
    message.set_content(plain, cte=_encoding(plain))
    message.add_alternative(html_part, subtype="html", cte=_encoding(html_part))
    if envelope.event_at is not None:
        invitation = call_invitation(envelope.message_id.strip("<>"), envelope.event_at)
        message.add_attachment(
            invitation.encode(), maintype="text", subtype="calendar", filename="call.ics"
        )
    return message


def _encoding(text: str) -> str:
    return "7bit" if text.isascii() else "quoted-printable"


def _html(wording: Wording, link: str, unsubscribe: str | None) -> str:
    def para(text: str) -> str:
        return f"<p>{html.escape(text)}</p>"

    parts = [
        para("Hello,"),
        *(para(text) for text in wording.paragraphs),
        f'<p>{html.escape(wording.link_label)}<br><a href="{html.escape(link)}">'
        f"{html.escape(link)}</a></p>",
        para("Haven"),
    ]
    if unsubscribe:
        parts.append(
            '<p style="font-size:smaller">You get e-mails like this one because you have '
            f'not turned them off. <a href="{html.escape(unsubscribe)}">Stop them</a>.</p>'
        )
    body = "\n".join(parts)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(wording.subject)}</title></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
