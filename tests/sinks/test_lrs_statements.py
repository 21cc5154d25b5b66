"""The LRS statements sink's answers that a conformant test LRS will not give on demand (responses)."""

from __future__ import annotations

import json

import pytest
import responses

from lrs_adapter.config import SINK_EVENTS, LrsConfig, RetryPolicy, SinkConfig
from lrs_adapter.errors import REFUSED, DeliveryRefused, LrsRejected, TransientError
from lrs_adapter.sinks.lrs_statements import LrsStatementsSink
from lrs_adapter.store import Database
from lrs_adapter.store.outbox import Delivery
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.pushing import PREVENT, evaluate, take

ENDPOINT = "https://lrs.example.org/xAPI/"
URL = ENDPOINT + "statements"


@pytest.fixture
def sink() -> LrsStatementsSink:
    lrs = LrsConfig(
        name="main",
        endpoint=ENDPOINT,
        xapi_version="2.0.0",
        retry=RetryPolicy(max_attempts=2, initial_wait=0, max_wait=0, max_total=1),
    )
    config = SinkConfig(name="lrs", kind="lrs_statements", events=SINK_EVENTS["lrs_statements"], lrs="main")
    return LrsStatementsSink(config, lrs, HOME, {"prevent": PREVENT})


@pytest.fixture
def certified(db: Database) -> Delivery:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    (made,) = evaluate(db, "2026-06-01T00:00:00.000000Z", {"lrs": SINK_EVENTS["lrs_statements"]})
    return made


@responses.activate
def test_a_409_for_the_same_statement_is_delivered(sink: LrsStatementsSink, certified: Delivery) -> None:
    sent = sink.statement(certified)
    assert sent is not None
    responses.put(URL, status=409, json={"message": "conflict"})
    held = {**sent, "stored": "2026-06-01T00:00:01Z", "version": "2.0.0", "authority": {"mbox": "mailto:a@b.c"}}
    responses.get(URL, json=held, match=[responses.matchers.query_param_matcher({"statementId": sent["id"]})])
    sink.send([certified])
    put = responses.calls[0].request
    assert put.body is not None
    assert put.headers["X-Experience-API-Version"] == "2.0.0"
    assert json.loads(put.body)["id"] == sent["id"]
    assert "version" not in json.loads(put.body)


@responses.activate
def test_a_409_for_different_content_is_refused_with_a_clear_message(
    sink: LrsStatementsSink, certified: Delivery
) -> None:
    sent = sink.statement(certified)
    assert sent is not None
    responses.put(URL, status=409)
    responses.get(URL, json={**sent, "result": {"completion": False}})
    with pytest.raises(DeliveryRefused, match="holds a different statement under id " + sent["id"]):
        sink.send([certified])


@responses.activate
def test_a_400_is_refused_with_the_lrs_message_and_a_503_is_transient(
    sink: LrsStatementsSink, certified: Delivery
) -> None:
    responses.put(URL, status=400, json={"message": "result.extensions must be an object"})
    with pytest.raises(LrsRejected, match=r"result\.extensions must be an object") as refused:
        sink.send([certified])
    assert refused.value.error_class == REFUSED
    responses.replace(responses.PUT, URL, status=503)
    with pytest.raises(TransientError, match="503"):
        sink.send([certified])
