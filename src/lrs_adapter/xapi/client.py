"""The xAPI HTTP client: the Statement and About resources, paging, retries, and what a real LRS tells us.

It knows HTTP and xAPI, nothing about stores or cursors: it yields pages of parsed statements together with the
headers that bound them (`X-Experience-API-Consistent-Through`), and raises errors that carry an error class.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import msgspec
import orjson
import requests
import structlog
from tenacity import RetryCallState

from lrs_adapter.config import LrsConfig
from lrs_adapter.errors import LrsRejected, ProtocolError, TransientError
from lrs_adapter.model.timestamps import parse_timestamp
from lrs_adapter.xapi.refusals import (
    Redactor,
    basic_credentials,
    header_secrets,
    one_line,
    refusal_words,
    url_secrets,
)
from lrs_adapter.xapi.retry import (
    FAIL_FAST,
    RetryableFailure,
    is_retryable_status,
    parse_retry_after,
    retrying,
)

log = structlog.get_logger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


class StatementResult(msgspec.Struct):
    """A page of statements, each kept as its own JSON text: the process that reads the pages only needs `more` to
    go on, and each statement is parsed where it is checked (another process, see pipeline/pull.py). msgspec finds the
    statements' bounds at about 1 us a statement, against 7-8 us to parse them with orjson."""

    statements: list[msgspec.Raw]
    more: Any = None  # anything but a string ends the run's paging, as before


_STATEMENT_RESULT = msgspec.json.Decoder(StatementResult)


def read_statement_result(content: bytes) -> StatementResult | None:
    """The page, or None for JSON that is not a StatementResult; broken JSON raises (a torn body: ask again)."""
    try:
        return _STATEMENT_RESULT.decode(content)
    except msgspec.ValidationError:
        return None
    except RecursionError as error:  # nested deeper than msgspec goes: unreadable, as orjson says of it
        raise ValueError(f"nested too deep to read ({error})") from None


@dataclass(frozen=True)
class StatementPage:
    url: str  # as asked for, its query included
    statements: list[bytes]  # each statement's JSON text, as the LRS sent it
    more: str | None  # the `more` link as the LRS sent it; None on the last page
    consistent_through: datetime | None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Request:
    """What goes with a request besides its method and URL; `refusals` overrides FAIL_FAST's verdicts for writes."""

    params: Mapping[str, str] | None = None
    body: bytes | None = None
    headers: Mapping[str, str] | None = None
    refusals: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    read: Callable[[bytes], Any] = orjson.loads  # the body of a success; a ValueError means a torn body


def _json_or_none(response: requests.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


#: What a pull's next run does after this one gave up on its LRS (a sink's client says what becomes of deliveries).
RESUMES_FROM_CURSOR = "the next run resumes from the cursor"
RESUMES_FROM_OUTBOX = "the deliveries stay pending for the next push"


def host_and_port(url: str) -> str:
    """`host:port` of a URL, the port filled in from the scheme: what a person checks against the LRS."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and what it wraps: requests wraps urllib3's MaxRetryError (in its args), which wraps a
    NewConnectionError (its `reason`), which wraps the socket's own error (its cause)."""
    seen: set[int] = set()
    waiting: list[BaseException] = [error]
    while waiting:
        current = waiting.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        waiting += [item for item in inner if isinstance(item, BaseException)]


#: Socket errors that mean the server was never reached, in a few words.
_UNREACHED: tuple[tuple[type[OSError], int | None, str], ...] = (
    (ConnectionRefusedError, None, "connection refused"),
    (socket.gaierror, None, "host name not found"),
    (OSError, errno.ENETUNREACH, "network unreachable"),
    (OSError, errno.EHOSTUNREACH, "host unreachable"),
)


def connection_failure(error: requests.RequestException, lrs: LrsConfig) -> tuple[str, bool]:
    """What went wrong with the connection, in a few words instead of urllib3's "Max retries exceeded ...
    NewConnectionError(...)", and whether the LRS was never reached (as against a connection that broke)."""
    if isinstance(error, requests.ConnectTimeout):
        return f"no connection within connect_timeout {lrs.connect_timeout:g} s", True
    if isinstance(error, requests.ReadTimeout):
        return f"no answer within read_timeout {lrs.read_timeout:g} s", False
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS failed: {one_line(str(_innermost(error)), 120)}", True
    if isinstance(error, requests.exceptions.ProxyError):
        return f"the proxy failed: {one_line(str(_innermost(error)), 120)}", True
    for cause in _causes(error):
        for kind, number, words in _UNREACHED:
            if isinstance(cause, kind) and (number is None or cause.errno == number):
                return words, True
    return f"the connection broke: {one_line(str(_innermost(error)), 120)}", False


def _innermost(error: BaseException) -> BaseException:
    """The error at the bottom of the chain: the socket's or TLS's own words, without urllib3's wrapping."""
    current, seen = error, {id(error)}
    while True:
        wrapped = (getattr(current, "reason", None), current.__cause__, *current.args, current.__context__)
        inner = next((item for item in wrapped if isinstance(item, BaseException) and id(item) not in seen), None)
        if inner is None:
            return current
        current = inner
        seen.add(id(current))


class XapiClient:
    """One LRS, one requests.Session; safe to use for a whole run, not across threads."""

    def __init__(
        self,
        lrs: LrsConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        resumes: str = RESUMES_FROM_CURSOR,
    ) -> None:
        self.lrs = lrs
        self.resumes = resumes  # what the next run does after this one gave up, for the error's last words
        self.endpoint = lrs.endpoint if lrs.endpoint.endswith("/") else lrs.endpoint + "/"
        parts = urlsplit(self.endpoint)
        self.root = f"{parts.scheme}://{parts.netloc}/"
        self.sleep, self.clock = sleep, clock
        self.session = session or requests.Session()
        self.session.headers.update(lrs.headers)
        self.session.headers["X-Experience-API-Version"] = lrs.xapi_version
        self.session.headers["Accept"] = "application/json"
        password = lrs.password() if lrs.username is not None else None
        if lrs.username is not None:
            self.session.auth = (lrs.username, password or "")
        self.redact = lrs_redactor(lrs, password)
        if lrs.ca_bundle:
            self.session.verify = lrs.ca_bundle
        if lrs.proxy:
            self.session.proxies = {"http": lrs.proxy, "https": lrs.proxy}
        self._min_interval = 1.0 / lrs.max_requests_per_second if lrs.max_requests_per_second else 0.0
        self._last_request = -float("inf")
        self.attempts = 0

    # -- one request ------------------------------------------------------------------------------------------
    def _throttle(self) -> None:
        wait = self._last_request + self._min_interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_request = self.clock()

    def _attempt(self, method: str, url: str, request: Request, allow: frozenset[int]) -> Answer:
        self._throttle()
        self.attempts += 1
        try:
            response = self.session.request(
                method,
                url,
                params=request.params,
                data=request.body,
                headers=request.headers,
                timeout=(self.lrs.connect_timeout, self.lrs.read_timeout),
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            what, unreachable = connection_failure(error, self.lrs)
            raise RetryableFailure(f"{what} on {method} {url}", unreachable=what if unreachable else None) from error
        if response.status_code in allow:
            return Answer(response.status_code, _json_or_none(response), response.headers)
        if is_retryable_status(response.status_code):
            said = refusal_words(response, self.redact)
            raise RetryableFailure(
                f"LRS answered {response.status_code} to {method} {response.url}: {said}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400:
            error_class, hint = request.refusals.get(
                response.status_code,
                FAIL_FAST.get(response.status_code, ("config", "The LRS refused the request; its message says why.")),
            )
            raise LrsRejected(
                response.status_code,
                response.url,
                refusal_words(response, self.redact),
                error_class=error_class,
                hint=hint,
                method=method,
            )
        if not response.content and method != "GET":
            return Answer(response.status_code, None, response.headers)  # 204 to a PUT
        try:
            body = request.read(response.content)
        except ValueError as error:  # orjson's and msgspec's decode errors are ValueErrors
            # A 200 with a torn body: the connection broke mid-answer, or a proxy cut it. Ask again.
            raise RetryableFailure(f"unreadable JSON from {method} {response.url}: {error}") from error
        return Answer(response.status_code, body, response.headers)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "retrying LRS request",
            lrs=self.lrs.name,
            attempt=state.attempt_number,
            wait_s=round(wait, 3),
            error=str(error),
        )

    def request(
        self, method: str, url: str, request: Request | None = None, allow: frozenset[int] = frozenset()
    ) -> Answer:
        """One request with the retry policy; statuses in `allow` are returned rather than raised (e.g. 404 for
        `about`, 409 and 412 for writes, which the caller resolves). Every method here is idempotent."""
        started = self.clock()
        controller = retrying(self.lrs.retry, sleep=self.sleep, before_sleep=self._log_retry)
        try:
            return controller(self._attempt, method, url, request or Request(), allow)
        except RetryableFailure as error:
            tries = f"{controller.statistics.get('attempt_number', '?')} attempts over {self.clock() - started:.1f} s"
            if error.unreachable is not None:
                raise TransientError(
                    f"could not connect to LRS {self.lrs.name!r} at {host_and_port(url)} ({error.unreachable}) after"
                    f" {tries}: is it up and is the endpoint right? Nothing was lost: {self.resumes}."
                ) from error
            raise TransientError(
                f"gave up on LRS {self.lrs.name!r} after {tries}; last error: {error}."
                f" Nothing was lost: {self.resumes}."
            ) from error

    def get(self, url: str, params: Mapping[str, str] | None = None, allow: frozenset[int] = frozenset()) -> Answer:
        return self.request("GET", url, Request(params=params), allow)

    # -- resources --------------------------------------------------------------------------------------------
    def about(self) -> Answer:
        """GET about; a 404 is returned, not raised: some LRSs (Ralph) have no About resource."""
        return self.get(urljoin(self.endpoint, "about"), allow=frozenset({404}))

    def resolve_more(self, more: str) -> str:
        """`more` is relative to the LRS's server root (xAPI 1.0.3 Communication 2.1.3), not to the endpoint. A link
        to another origin (scheme, host or port) is refused before any request: the session would send it the LRS's
        credentials and configured headers."""
        url = more if urlsplit(more).scheme else urljoin(self.root, more.lstrip("/"))
        if _origin(url) != _origin(self.endpoint):
            raise ProtocolError(
                f"LRS {self.lrs.name!r} sent a `more` link to another origin, {_named(url)} (its endpoint is on"
                f" {_named(self.endpoint)}): it was not followed, and no credential or header went there. The pages"
                " before it are kept; report this to the LRS's vendor."
            )
        return url

    def statement_pages(self, params: Mapping[str, str]) -> Iterator[StatementPage]:
        """GET statements and follow `more` to the end; a `more` seen before would loop forever, so it stops the run,
        and so does a `more` to another origin (see resolve_more) once the page that sent it is handed on."""
        url: str | None = urljoin(self.endpoint, "statements")
        query: Mapping[str, str] | None = params
        followed: set[str] = set()
        while url:
            answer = self.request("GET", url, Request(params=query, read=read_statement_result))
            body: StatementResult | None = answer.body
            if body is None:
                raise ProtocolError(f"GET {url} did not answer a StatementResult (an object with 'statements').")
            more = body.more if isinstance(body.more, str) and body.more else None
            yield StatementPage(
                url=f"{url}?{urlencode(query)}" if query else url,
                statements=[bytes(statement) for statement in body.statements],
                more=more,
                consistent_through=parse_timestamp(answer.headers.get("X-Experience-API-Consistent-Through")),
            )
            next_url = self.resolve_more(more) if more is not None else None
            if next_url is not None:
                if next_url in followed:
                    raise ProtocolError(
                        f"LRS {self.lrs.name!r} sent the `more` link {more!r} twice; following it again would loop. "
                        "The pages before it are kept; report this to the LRS's vendor."
                    )
                followed.add(next_url)
            url, query = next_url, None


def lrs_redactor(lrs: LrsConfig, password: str | None) -> Redactor:
    """Every value a request to this LRS carries that must not come back out in its error bodies: the Basic user,
    password and their base64, each configured header's value (a bearer token alone too), the proxy's credentials."""
    basic = basic_credentials(lrs.username, password or "") if lrs.username is not None else []
    headers = [secret for value in lrs.headers.values() for secret in header_secrets(value)]
    return Redactor.of([lrs.username, password, *basic, *headers, *url_secrets(lrs.proxy)])


def _origin(url: str) -> tuple[str, str | None, int | None]:
    """Scheme, host and port, the port spelled out when it is the scheme's default."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # not a number: no origin the endpoint can share
        return scheme, parts.hostname, None
    return scheme, parts.hostname, port or DEFAULT_PORTS.get(scheme)


def _named(url: str) -> str:
    """An origin as a person reads it, without any user or password the URL may carry."""
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"
