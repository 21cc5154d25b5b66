"""The agent profile sink, with `responses`: neither test LRS has the document resources."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from responses import matchers

from lrs_adapter.config import SINK_EVENTS, LrsConfig, RetryPolicy, SinkConfig
from lrs_adapter.errors import DeliveryRefused
from lrs_adapter.sinks.agent_profile import KEY, AgentProfileSink
from lrs_adapter.store import Database
from lrs_adapter.store.outbox import Delivery
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import evaluate, take

NOW = "2026-06-01T00:00:00.000000Z"
ENDPOINT = "https://lrs.example.org/xAPI/"
URL = ENDPOINT + "agents/profile"
PROFILE = "https://lrs-adapter.example/profiles/certification-state/prevent"


@pytest.fixture
def sink() -> AgentProfileSink:
    lrs = LrsConfig(name="main", endpoint=ENDPOINT, retry=RetryPolicy(max_attempts=2, initial_wait=0, max_total=1))
    return AgentProfileSink(
        SinkConfig(name="profile", kind="agent_profile", events=SINK_EVENTS["agent_profile"]), lrs, HOME
    )


def certified_then_revoked(db: Database) -> list[Delivery]:
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    take(db, completion)
    made = evaluate(db, NOW, {"profile": SINK_EVENTS["agent_profile"]})
    take(db, voiding(completion))
    return made + evaluate(db, "2026-06-02T00:00:00.000000Z", {"profile": SINK_EVENTS["agent_profile"]})


def puts() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (dict(call.request.headers), json.loads(call.request.body or b"{}"))
        for call in responses.calls
        if call.request.method == "PUT"
    ]


@responses.activate
def test_a_new_document_is_created_only_if_none_exists(db: Database, sink: AgentProfileSink) -> None:
    certified = certified_then_revoked(db)[0]
    agent = json.dumps({"objectType": "Agent", "account": {"name": "P00001", "homePage": HOME}})
    query = matchers.query_param_matcher({"agent": agent, "profileId": PROFILE})
    responses.get(URL, status=404, match=[query])
    responses.put(URL, status=204, match=[query, matchers.header_matcher({"If-None-Match": "*"})])
    sink.send([certified])
    ((headers, document),) = puts()
    assert headers["X-Experience-API-Version"] == "1.0.3"
    assert document[KEY]["status"] == "green"
    assert document[KEY]["due_on"] == "2027-01-10"
    assert document[KEY]["last_event"] == "certified"


@responses.activate
def test_an_existing_document_is_merged_and_replaced_if_it_still_matches(db: Database, sink: AgentProfileSink) -> None:
    revoked = certified_then_revoked(db)[-1]
    assert revoked.event == "revoked"
    responses.get(URL, json={"theme": "dark", KEY: {"revision": "2026-01-01|000000000001"}}, headers={"ETag": '"v1"'})
    responses.put(URL, status=204, match=[matchers.header_matcher({"If-Match": '"v1"'})])
    sink.send([revoked])
    ((_, document),) = puts()
    assert document["theme"] == "dark"  # another writer's key survives
    assert document[KEY]["last_event"] == "revoked"
    assert document[KEY]["status"] == "none"


@responses.activate
def test_412_means_read_again_merge_and_write_again(db: Database, sink: AgentProfileSink) -> None:
    certified = certified_then_revoked(db)[0]
    responses.get(URL, status=404)
    responses.put(URL, status=412, match=[matchers.header_matcher({"If-None-Match": "*"})])
    responses.get(URL, json={"theme": "light"}, headers={"ETag": '"v2"'})
    responses.put(URL, status=204, match=[matchers.header_matcher({"If-Match": '"v2"'})])
    sink.send([certified])
    assert [call.request.method for call in responses.calls] == ["GET", "PUT", "GET", "PUT"]
    assert puts()[-1][1]["theme"] == "light"


@responses.activate
def test_an_older_revision_never_overwrites_a_newer_one(db: Database, sink: AgentProfileSink) -> None:
    made = certified_then_revoked(db)
    certified, revoked = made[0], made[-1]
    responses.get(URL, status=404)
    responses.put(URL, status=204)
    sink.send([revoked])
    newer = puts()[0][1]
    responses.replace(responses.GET, URL, json=newer, headers={"ETag": '"v3"'})
    sink.send([certified])  # a dead letter replayed late
    assert len(puts()) == 1


@responses.activate
def test_a_document_that_keeps_changing_is_refused_after_a_few_rounds(db: Database, sink: AgentProfileSink) -> None:
    certified = certified_then_revoked(db)[0]
    responses.get(URL, json={}, headers={"ETag": '"busy"'})
    responses.put(URL, status=412)
    with pytest.raises(DeliveryRefused, match="412"):
        sink.send([certified])
