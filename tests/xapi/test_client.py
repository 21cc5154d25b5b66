"""The xAPI client against what a real LRS will not do on demand: 429, 503, timeouts, torn bodies, loops, 401.

`responses` stands in for the LRS only here; the same client is tested against real LRSs in tests/integration.
"""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import requests
import responses
from responses import matchers

from lrs_adapter.config import LrsConfig, RetryPolicy
from lrs_adapter.errors import LrsRejected, ProtocolError, TransientError
from lrs_adapter.xapi.client import StatementPage, XapiClient
from lrs_adapter.xapi.refusals import MESSAGE_LENGTH
from lrs_adapter.xapi.retry import parse_retry_after

ENDPOINT = "https://lrs.example.org/data/xAPI/"
STATEMENTS = ENDPOINT + "statements"


class Sleeps(list[float]):
    """Records the waits the client asks for instead of sleeping through them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(sleeps: Sleeps | None = None, **overrides: object) -> XapiClient:
    settings: dict[str, object] = {
        "name": "main",
        "endpoint": ENDPOINT,
        "retry": RetryPolicy(max_attempts=5, initial_wait=0.5, max_wait=30, max_total=120),
    }
    settings.update(overrides)
    return XapiClient(LrsConfig(**settings), sleep=sleeps if sleeps is not None else Sleeps())  # type: ignore[arg-type]


def parsed(page: StatementPage) -> list[Any]:
    """A page's statements are handed on as JSON text, to be parsed where they are checked."""
    return [orjson.loads(statement) for statement in page.statements]


def page(ids: list[str], more: str = "") -> dict[str, object]:
    return {"statements": [{"id": i} for i in ids], "more": more}


@responses.activate
def test_pages_follow_more_from_the_server_root_and_send_the_version_header() -> None:
    responses.get(
        STATEMENTS,
        json=page(["a"], more="/data/xAPI/statements?cursor=xyz"),
        match=[
            matchers.query_param_matcher({"ascending": "true", "limit": "2"}),
            matchers.header_matcher({"X-Experience-API-Version": "1.0.3"}),
        ],
        headers={"X-Experience-API-Consistent-Through": "2026-01-01T10:00:00.000Z"},
    )
    responses.get(
        STATEMENTS + "?cursor=xyz",
        json=page(["b"]),
        match=[matchers.header_matcher({"X-Experience-API-Version": "1.0.3"})],
    )
    pages = list(client().statement_pages({"ascending": "true", "limit": "2"}))
    assert [[s["id"] for s in parsed(p)] for p in pages] == [["a"], ["b"]]
    assert pages[0].consistent_through == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert pages[1].more is None


@responses.activate
def test_xapi_2_version_header() -> None:
    responses.get(STATEMENTS, json=page([]), match=[matchers.header_matcher({"X-Experience-API-Version": "2.0.0"})])
    assert parsed(next(iter(client(xapi_version="2.0.0").statement_pages({})))) == []


@responses.activate
def test_a_repeating_more_stops_instead_of_looping() -> None:
    responses.get(STATEMENTS, json=page(["a"], more="/data/xAPI/statements?page=2"))
    responses.get(STATEMENTS + "?page=2", json=page(["b"], more="/data/xAPI/statements?page=2"))
    pages = client().statement_pages({})
    assert parsed(next(pages)) == [{"id": "a"}]
    assert parsed(next(pages)) == [{"id": "b"}]
    with pytest.raises(ProtocolError, match="twice"):
        next(pages)


@responses.activate
@pytest.mark.parametrize(
    ("more", "named"),
    [
        ("https://elsewhere.example/data/xAPI/statements?page=2", "https://elsewhere.example:443"),
        ("http://lrs.example.org/data/xAPI/statements?page=2", "http://lrs.example.org:80"),
        ("https://lrs.example.org:8443/data/xAPI/statements?page=2", "https://lrs.example.org:8443"),
        ("https://user:secret@elsewhere.example/x", "https://elsewhere.example:443"),
    ],
)
def test_a_more_link_to_another_origin_is_refused_after_its_page(more: str, named: str) -> None:
    """Another scheme, host or port: the page that sent it is handed on, then a protocol error names the origin,
    and no request goes there (responses would refuse one it does not know; none is registered)."""
    responses.get(STATEMENTS, json=page(["a"], more=more))
    pages = client(username="adapter").statement_pages({})
    assert parsed(next(pages)) == [{"id": "a"}]
    with pytest.raises(ProtocolError, match="another origin") as refused:
        next(pages)
    assert named in str(refused.value)
    assert "secret" not in str(refused.value)
    assert refused.value.error_class == "protocol"
    assert [call.request.url for call in responses.calls] == [STATEMENTS]


@responses.activate
def test_a_more_link_on_the_same_origin_spelled_out_is_followed() -> None:
    responses.get(STATEMENTS, json=page(["a"], more="HTTPS://lrs.example.org:443/data/xAPI/statements?page=2"))
    responses.get("https://lrs.example.org:443/data/xAPI/statements?page=2", json=page(["b"]))
    assert [parsed(p) for p in client().statement_pages({})] == [[{"id": "a"}], [{"id": "b"}]]


@responses.activate
def test_429_waits_as_long_as_retry_after_says_in_seconds() -> None:
    responses.get(STATEMENTS, status=429, headers={"Retry-After": "7"})
    responses.get(STATEMENTS, json=page(["a"]))
    sleeps = Sleeps()
    assert parsed(next(iter(client(sleeps).statement_pages({})))) == [{"id": "a"}]
    assert sleeps == [7.0]


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    header = email.utils.format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(header, now=now) == 42
    assert parse_retry_after(email.utils.format_datetime(now - timedelta(days=1), usegmt=True), now=now) == 0
    assert parse_retry_after("soon", now=now) is None


@responses.activate
def test_retry_after_is_capped_by_max_wait() -> None:
    responses.get(STATEMENTS, status=503, headers={"Retry-After": "3600"})
    responses.get(STATEMENTS, json=page([]))
    sleeps = Sleeps()
    list(client(sleeps).statement_pages({}))
    assert sleeps == [30.0]


@responses.activate
def test_503_then_success_backs_off_with_jitter_within_the_cap() -> None:
    for _ in range(3):
        responses.get(STATEMENTS, status=503, json={"message": "overloaded"})
    responses.get(STATEMENTS, json=page(["a"]))
    sleeps = Sleeps()
    assert parsed(next(iter(client(sleeps).statement_pages({})))) == [{"id": "a"}]
    assert len(sleeps) == 3
    assert all(0 <= s <= 30 for s in sleeps)


@responses.activate
def test_read_timeouts_then_gives_up_with_a_transient_error() -> None:
    for _ in range(5):
        responses.get(STATEMENTS, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransientError, match="after 5 attempts") as caught:
        list(client().statement_pages({}))
    assert caught.value.error_class == "transient"


@responses.activate
def test_total_wait_budget_stops_retries_early() -> None:
    for _ in range(5):
        responses.get(STATEMENTS, status=429, headers={"Retry-After": "25"})
    sleeps = Sleeps()
    with pytest.raises(TransientError):
        list(client(sleeps, retry=RetryPolicy(max_attempts=5, max_wait=30, max_total=60)).statement_pages({}))
    assert sum(sleeps) <= 60


@responses.activate
def test_torn_json_body_is_retried() -> None:
    responses.get(STATEMENTS, body='{"statements": [{"id": "a"}, {"id": "b', content_type="application/json")
    responses.get(STATEMENTS, json=page(["a", "b"]))
    assert len(next(iter(client().statement_pages({}))).statements) == 2


@pytest.mark.parametrize(
    ("status", "hint"), [(400, "filters"), (401, "password_env"), (403, "read access"), (404, "endpoint")]
)
@responses.activate
def test_client_errors_fail_fast_with_the_lrs_message_as_config_errors(status: int, hint: str) -> None:
    responses.get(STATEMENTS, status=status, json={"message": "the LRS's own words"})
    sleeps = Sleeps()
    with pytest.raises(LrsRejected) as caught:
        list(client(sleeps).statement_pages({}))
    assert caught.value.error_class == "config"
    assert "the LRS's own words" in str(caught.value)
    assert sleeps == []
    assert len(responses.calls) == 1


@responses.activate
def test_401_never_shows_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LRS_PASSWORD", "s3cret-Value")
    responses.get(STATEMENTS, status=401, body="Unauthorized")
    with pytest.raises(LrsRejected) as caught:
        list(client(username="adapter", password_env="LRS_PASSWORD").statement_pages({}))
    assert "s3cret-Value" not in str(caught.value)
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_about_404_is_an_answer_not_an_error() -> None:
    responses.get(ENDPOINT + "about", status=404)
    assert client().about().status == 404


@responses.activate
def test_request_rate_cap_spaces_requests() -> None:
    responses.get(STATEMENTS, json=page(["a"], more="/data/xAPI/statements?p=2"))
    responses.get(STATEMENTS + "?p=2", json=page(["b"]))
    sleeps = Sleeps()
    capped = XapiClient(
        LrsConfig(name="main", endpoint=ENDPOINT, max_requests_per_second=2.0), sleep=sleeps, clock=lambda: 100.0
    )
    assert len(list(capped.statement_pages({}))) == 2
    assert sleeps == [0.5]


#: What Learning Locker's statements service sends for a route it does not have (seen against the real one: see
#: tests/integration/test_check_lrs.py); here `responses` sends it for any status the tests need.
HTML_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
<style>body { font-family: sans-serif }</style>
</head>
<body>
<pre>Cannot GET /data/xAPI/statements</pre>
<script>console.log("never shown")</script>
</body>
</html>
"""


@responses.activate
def test_an_html_error_page_is_cut_to_its_text() -> None:
    responses.get(STATEMENTS, status=404, body=HTML_ERROR_PAGE, content_type="text/html; charset=utf-8")
    with pytest.raises(LrsRejected) as caught:
        list(client().statement_pages({}))
    assert caught.value.lrs_message == "Cannot GET /data/xAPI/statements"
    assert "<" not in str(caught.value)
    assert "never shown" not in str(caught.value)


@responses.activate
def test_an_html_page_with_no_body_text_gives_its_title() -> None:
    responses.get(
        STATEMENTS, status=403, body="<html><head><title>Forbidden by proxy</title></head><body></body></html>"
    )
    with pytest.raises(LrsRejected) as caught:
        list(client().statement_pages({}))
    assert caught.value.lrs_message == "Forbidden by proxy"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("word " * 500, "text/plain"),
        (orjson.dumps({"message": "line one\n" + "a long line " * 100}).decode(), "application/json"),
        ("<html><body><p>" + "paragraph " * 300 + "</p></body></html>", "text/html"),
    ],
)
@responses.activate
def test_an_lrs_message_is_one_short_line_whatever_its_length(body: str, content_type: str) -> None:
    responses.get(STATEMENTS, status=400, body=body, content_type=content_type)
    with pytest.raises(LrsRejected) as caught:
        list(client().statement_pages({}))
    message = caught.value.lrs_message
    assert len(message) <= MESSAGE_LENGTH
    assert message.endswith("…")
    assert "\n" not in str(caught.value)


@responses.activate
def test_a_retried_5xx_html_page_is_cut_in_the_retry_log_and_the_error() -> None:
    for _ in range(5):
        responses.get(STATEMENTS, status=502, body=HTML_ERROR_PAGE.replace("Cannot GET", "Bad gateway:"))
    with pytest.raises(TransientError) as caught:
        list(client().statement_pages({}))
    assert "Bad gateway: /data/xAPI/statements" in str(caught.value)
    assert "<" not in str(caught.value)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 bound by this test and not listening: a connection to it is refused by the kernel."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_an_lrs_that_is_down_is_named_with_its_address_and_the_next_step(closed_port: int) -> None:
    sleeps = Sleeps()
    down = client(sleeps, endpoint=f"http://127.0.0.1:{closed_port}/xAPI/")
    with pytest.raises(TransientError) as caught:
        list(down.statement_pages({}))
    message = str(caught.value)
    assert message.startswith(f"could not connect to LRS 'main' at 127.0.0.1:{closed_port} (connection refused)")
    assert "is it up and is the endpoint right? Nothing was lost: the next run resumes from the cursor." in message
    assert "Max retries" not in message
    assert "NewConnectionError" not in message
    assert len(sleeps) == 4  # refused connections are retried like any transient fault


def test_a_host_name_that_does_not_resolve_is_said_so() -> None:
    unknown = client(endpoint="http://lrs.does-not-exist.invalid/xAPI/", retry=RetryPolicy(max_attempts=1))
    with pytest.raises(TransientError) as caught:
        unknown.about()
    assert str(caught.value).startswith(
        "could not connect to LRS 'main' at lrs.does-not-exist.invalid:80 (host name not found)"
    )
    assert "NameResolutionError" not in str(caught.value)


def test_an_lrs_that_takes_the_connection_and_never_answers_is_a_read_timeout() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        silent = client(
            endpoint=f"http://127.0.0.1:{server.getsockname()[1]}/xAPI/",
            read_timeout=0.2,
            retry=RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01),
        )
        with pytest.raises(TransientError) as caught:
            silent.about()
    message = str(caught.value)
    assert message.startswith("gave up on LRS 'main' after 2 attempts")
    assert "no answer within read_timeout 0.2 s on GET" in message
    assert message.endswith("Nothing was lost: the next run resumes from the cursor.")
    assert "HTTPConnectionPool" not in message
