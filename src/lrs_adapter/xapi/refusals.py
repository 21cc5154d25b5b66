"""What a server said when it refused a request, as one short line with the adapter's secrets taken out.

Every error body an LRS, an agent-profile LRS or a webhook receiver sends on its way to an error message, a log line,
the run log or the outbox passes through `refusal_words`: a server that echoes the request's `Authorization` header
(or a configured token, or the webhook's secret) in its 401 page would otherwise have it stored and shown by `runs`.
The secrets are taken out of the whole text before it is cut, so a secret straddling the cut leaves no half behind.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, quote_plus, urlsplit

import orjson
import requests

#: The longest a server's own words get in an error message or a log line.
MESSAGE_LENGTH = 200
#: What stands where a secret was.
REDACTED = "[redacted]"
#: Values shorter than this are not looked for: replacing every "ab" would garble the message and hide nothing.
SHORTEST_SECRET = 4


class _HtmlText(HTMLParser):
    """The words of an HTML page (an error page from a proxy or a web framework): its title and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.title: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if "script" not in self._in and "style" not in self._in:
            (self.title if "title" in self._in else self.text).append(data)


def one_line(text: str, limit: int = MESSAGE_LENGTH) -> str:
    """`text` with its whitespace runs made single spaces, cut to `limit` characters (an ellipsis says so)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def basic_credentials(username: str, password: str) -> list[str]:
    """The base64 of `username:password` as HTTP Basic sends it (requests encodes latin-1; others UTF-8)."""
    joined = f"{username}:{password}"
    forms = [base64.b64encode(joined.encode()).decode()]
    with contextlib.suppress(UnicodeEncodeError):  # then requests could not have sent it in latin-1 either
        forms.append(base64.b64encode(joined.encode("latin-1")).decode())
    return forms


def header_secrets(value: str) -> list[str]:
    """A header's value, and its credentials alone when it reads `<scheme> <credentials>` (`Bearer abc`)."""
    scheme, _, credentials = value.strip().partition(" ")
    return [value, credentials.strip()] if scheme and credentials.strip() else [value]


def url_secrets(url: str | None) -> list[str]:
    """What a URL may carry that is secret: its path and query (a webhook URL's token), and the user and password
    of a proxy's `http://user:pass@host` with their Basic form."""
    parts = urlsplit(url or "")
    user, password = parts.username or "", parts.password
    basic = basic_credentials(user, password) if password is not None else []
    return [parts.path, parts.query, user, password or "", *basic]


@dataclass(frozen=True)
class Redactor:
    """Takes the values a request carried (credentials, header values, signing secrets) out of a text, in each form
    a server may echo them in: as sent, with whitespace collapsed, percent-encoded."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Redactor:
        forms: set[str] = set()
        for value in values:
            if value:
                forms.update((value, " ".join(value.split()), quote(value, safe=""), quote_plus(value)))
        wanted = sorted((form for form in forms if len(form) >= SHORTEST_SECRET), key=len, reverse=True)
        return cls(re.compile("|".join(map(re.escape, wanted))) if wanted else None)

    def __call__(self, text: str) -> str:
        return self.pattern.sub(REDACTED, text) if self.pattern else text


def _html_words(content: str) -> str:
    """What an HTML page says: its body's text, or its title when the body says nothing."""
    page = _HtmlText()
    page.feed(content)
    page.close()
    return " ".join(" ".join(page.text).split()) or " ".join(" ".join(page.title).split())


def _said(response: requests.Response) -> str:
    """The server's own words, whole (Learning Locker says `message`, Ralph `detail`): an HTML error page (a
    proxy's, or a server that has no such route) is reduced to its text, so no markup reaches a log."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = response.content.decode(response.encoding or "utf-8", errors="replace")
        is_html = "html" in response.headers.get("Content-Type", "") or text.lstrip()[:1] == "<"
        return _html_words(text) if is_html else text
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "errorMessage"):
            if body.get(key):
                return str(body[key])
    return str(body)


def refusal_words(response: requests.Response, redact: Redactor) -> str:
    """What the server said about a refusal, its secrets taken out, cut to a short line."""
    return one_line(redact(" ".join(_said(response).split())))
