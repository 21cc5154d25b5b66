"""The webhook sink against a real local HTTP server (pytest-httpserver) that fails on purpose."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lrs_adapter.config import SINK_EVENTS
from lrs_adapter.errors import ConfigError
from lrs_adapter.pipeline.push import push
from lrs_adapter.sinks.webhook import EVENT, EVENT_ID, SIGNATURE, WebhookSink, verify
from lrs_adapter.store import Database
from lrs_adapter.store.outbox import DEAD, DELIVERED, deliveries, requeue
from tests.helpers.contract import EVENT as EVENT_SCHEMA
from tests.helpers.prevent import IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import evaluate, take, webhook_sink

NOW = "2026-06-01T00:00:00.000000Z"
SECRET = "s3cret-for-tests"


@pytest.fixture
def hook(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> WebhookSink:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    return webhook_sink(httpserver.url_for("/events"))


def received(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [request.get_json() for request, response in httpserver.log if response.status_code == 204]


def test_events_are_posted_signed_and_in_order(db: Database, httpserver: HTTPServer, hook: WebhookSink) -> None:
    httpserver.expect_request("/events", method="POST").respond_with_response(Response(status=204))
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    take(db, completion)
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    take(db, voiding(completion))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    counts = push(db, {"hook": hook}, now=lambda: NOW, max_attempts=3)
    assert counts.sinks["hook"].delivered == 2
    assert [e["event"] for e in received(httpserver)] == ["certified", "revoked"]
    for request, _ in httpserver.log:
        assert verify(SECRET.encode(), request.headers[SIGNATURE], request.get_data(), now=time.time())
        assert not verify(b"another secret", request.headers[SIGNATURE], request.get_data(), now=time.time())
        assert request.headers[EVENT] == request.get_json()["event"]
        assert request.headers[EVENT_ID] == request.get_json()["event_id"]
    for body in received(httpserver):
        EVENT_SCHEMA.validate(body)
        assert "contact" not in body["certification_state"]  # personal contact only with [push] include_contact
    revoked = received(httpserver)[1]
    assert revoked["certification_state"]["status"] == "none"
    assert revoked["cycle"]["due_on"] == "2027-01-10"


def test_an_old_signature_is_refused_by_the_receiver_check() -> None:
    from lrs_adapter.sinks.webhook import signature

    header = signature(SECRET.encode(), 1_000_000, b"{}")
    assert verify(SECRET.encode(), header, b"{}", now=1_000_100)
    assert not verify(SECRET.encode(), header, b"{}", now=1_000_000 + 3600)
    assert not verify(SECRET.encode(), header, b"{ }", now=1_000_100)


def test_server_errors_are_retried_and_retry_after_is_honoured(
    db: Database, httpserver: HTTPServer, hook: WebhookSink
) -> None:
    answers = iter([Response("busy", status=503, headers={"Retry-After": "0"}), Response(status=500)])

    def flaky(request: Request) -> Response:
        return next(answers, Response(status=204))

    httpserver.expect_request("/events").respond_with_handler(flaky)
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    assert push(db, {"hook": hook}, now=lambda: NOW, max_attempts=3).sinks["hook"].delivered == 1
    assert [response.status_code for _, response in httpserver.log] == [503, 500, 204]


def test_a_down_receiver_dead_letters_after_max_attempts_and_outbox_retry_delivers(
    db: Database, httpserver: HTTPServer, hook: WebhookSink
) -> None:
    httpserver.expect_request("/events").respond_with_response(Response("down for maintenance", status=503))
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    for _ in range(2):
        counts = push(db, {"hook": hook}, now=lambda: NOW, max_attempts=2)
        assert counts.sinks["hook"].delivered == 0
    (dead,) = deliveries(db, status=DEAD)
    assert "503" in str(dead.last_error)
    assert dead.attempts == 2
    httpserver.clear()
    httpserver.expect_request("/events").respond_with_response(Response(status=204))
    assert requeue(db, [dead.id]) == 1
    assert push(db, {"hook": hook}, now=lambda: NOW, max_attempts=2).sinks["hook"].delivered == 1
    assert [d.status for d in deliveries(db)] == [DELIVERED]


def test_a_4xx_fails_that_delivery_and_holds_the_learners_later_ones(
    db: Database, httpserver: HTTPServer, hook: WebhookSink
) -> None:
    def refuse_p1(request: Request) -> Response:
        if request.get_json()["learner_id"] == "P00001":
            return Response("unknown user", status=422)
        return Response(status=204)

    httpserver.expect_request("/events").respond_with_handler(refuse_p1)
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    take(db, completion, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    take(db, voiding(completion))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    counts = push(db, {"hook": hook}, now=lambda: NOW, max_attempts=5).sinks["hook"]
    assert (counts.delivered, counts.failed, counts.waiting) == (1, 1, 1)  # P00001's revocation waits
    assert [e["learner_id"] for e in received(httpserver)] == ["P00002"]
    (failed,) = [d for d in deliveries(db) if d.last_error]
    assert failed.last_error is not None
    assert "422" in failed.last_error
    assert "unknown user" in failed.last_error


def test_a_missing_secret_is_a_config_error_that_names_the_variable(
    db: Database, hook: WebhookSink, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HOOK_SECRET")
    with pytest.raises(ConfigError, match="HOOK_SECRET") as raised:
        hook.sink.secret()
    assert "sinks.hook.secret_env" in str(raised.value)


def test_a_configuration_fault_stops_the_sink_without_spending_attempts(
    db: Database, httpserver: HTTPServer, hook: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing secret is no fault of the deliveries: fixed, they go out; none was dead-lettered meanwhile."""
    httpserver.expect_request("/events").respond_with_response(Response(status=204))
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    monkeypatch.delenv("HOOK_SECRET")
    for _ in range(3):
        counts = push(db, {"hook": hook}, now=lambda: NOW, max_attempts=2).sinks["hook"]
        assert (counts.delivered, counts.failed, counts.waiting, counts.error_class) == (0, 0, 1, "config")
    assert [(d.status, d.attempts) for d in deliveries(db)] == [("pending", 0)]
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    assert push(db, {"hook": hook}, now=lambda: NOW, max_attempts=2).sinks["hook"].delivered == 1
    assert httpserver.log[0][1].status_code == 204


def test_a_wrong_secret_stops_the_sink_as_a_configuration_fault_spending_no_attempt(
    db: Database, httpserver: HTTPServer, hook: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver checks the signature under its own secret and answers 401: no event could pass, so the first
    refusal stops the sink for the run, and no delivery is any nearer to being dead-lettered."""
    receivers_secret = b"the receiver's secret"

    def check_signature(request: Request) -> Response:
        if verify(receivers_secret, request.headers[SIGNATURE], request.get_data(), now=time.time()):
            return Response(status=204)
        return Response("<html><body>bad signature</body></html>", status=401)

    httpserver.expect_request("/events").respond_with_handler(check_signature)
    take(db, *(statement(SATISFIED, f"{IRI}/prevent-elearning", learner=p) for p in ("P00001", "P00002")))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    for run in range(1, 4):
        counts = push(db, {"hook": hook}, now=lambda: NOW, max_attempts=2).sinks["hook"]
        assert (counts.delivered, counts.failed, counts.waiting, counts.error_class) == (0, 0, 2, "config")
        assert "answered 401" in str(counts.error)
        assert "sinks.hook.secret_env" in str(counts.error)
        assert "<html>" not in str(counts.error)
        assert len(httpserver.log) == run  # one request a run: the first event's
    assert [(d.status, d.attempts) for d in deliveries(db)] == [("pending", 0), ("pending", 0)]
    monkeypatch.setenv("HOOK_SECRET", receivers_secret.decode())
    assert push(db, {"hook": hook}, now=lambda: NOW, max_attempts=2).sinks["hook"].delivered == 2
    assert [response.status_code for _, response in httpserver.log][-2:] == [204, 204]
