"""The few plain HTML pages Haven serves itself: where an e-mail's link leads when the
person is not signed in to any app.

``/email/unsubscribe?token=…`` turns one optional kind of e-mail off. Opening the link
(GET) only asks; the button posts, as does a mail client's one-click unsubscribe
(RFC 8058), so a scanner that follows links in e-mail changes nothing.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mail.links import read_unsubscribe_token
from models import MailTopic
from resolvers.notices import do_unsubscribe
from settings import Settings

TOPIC_WORDS = {
    MailTopic.MESSAGES: "e-mails telling you of new personal messages",
    MailTopic.NEWS: "e-mails telling you of news in your inbox",
    MailTopic.REMINDERS: "reminder e-mails",
}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",  # the token must not travel on to another site
    "Cache-Control": "no-store",
}


def page(title: str, *paragraphs: str, form: str = "", status: int = 200) -> HTMLResponse:
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Haven</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}{form}</body></html>",
        status_code=status,
        headers=PAGE_HEADERS,
    )


async def unsubscribe(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    token = request.query_params.get("token", "")
    found = read_unsubscribe_token(settings, token)
    if found is None:
        return page(
            "This link does not work",
            "It may have been copied only in part. You can choose which e-mails you get "
            "in Haven's settings once signed in.",
            status=400,
        )
    user_id, topic = found
    if request.method == "GET":
        form = (
            f'<form method="post" action="?token={html.escape(token)}">'
            '<button type="submit">Stop these e-mails</button></form>'
        )
        return page(
            "Stop these e-mails?", f"Haven will stop sending you {TOPIC_WORDS[topic]}.", form=form
        )
    if not await do_unsubscribe(user_id, topic):
        return page("This profile is closed", "Haven sends it no more e-mail.", status=404)
    return page(
        "Done",
        f"Haven will send you no more {TOPIC_WORDS[topic]}. Messages still arrive in your "
        "inbox in Haven, and you can turn these e-mails on again in its settings.",
    )
