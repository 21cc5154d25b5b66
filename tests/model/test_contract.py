"""The contract: the same certification-state record and completion record, under the same names, whichever door
they come through. A sync's events are POSTed to a receiver that checks each body against the event's JSON Schema;
the feed's records and the API's answers are checked against the same schemas; and the same fact reads the same
in all three."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from lrs_adapter.api import create_app
from lrs_adapter.config import SINK_EVENTS, load_config
from lrs_adapter.feed.changes import read_changes
from lrs_adapter.feed.records import feed_records
from lrs_adapter.model import contract
from lrs_adapter.model.contract import NOT_ON_ROSTER, Contact, LearnerFacts
from lrs_adapter.pipeline.push import push
from lrs_adapter.rules.events import erasure_event
from lrs_adapter.store import Database
from tests.helpers.changelog import settle
from tests.helpers.contract import CERTIFICATION, COMPLETION, EVENT, CheckingReceiver
from tests.helpers.prevent import IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import evaluate, take, webhook_sink

NOW = "2026-06-01T00:00:00.000000Z"
SECRET = "contract-secret"
TOKEN = "contract-token-0123456789"
FEED_HEAD = ("seq", "changed_at", "deleted")


def roster(db: Database) -> None:
    with db.transaction():
        db.executemany(
            "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
            " on_roster, updated_at) VALUES (?, ?, 'Highways', ?, 'Admin', 0, NULL, NULL, 1, 'n')",
            [("P00001", "Ann Example", "P00900"), ("P00900", "Mo Manager", None)],
        )
        db.executemany(
            "INSERT INTO learner_identifiers (ifi, learner_id) VALUES (?, ?)",
            [("mbox:mailto:ann@example.org", "P00001"), ("mbox:mailto:mo@example.org", "P00900")],
        )


def synced_and_pushed(db: Database, receiver: CheckingReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ann certified then her completion voided (certified, revoked); P00002, off the roster, certified long ago
    and now overdue (certified, overdue): each event pushed to the receiver with the learner's contact."""
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    roster(db)
    done = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    take(db, done, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002", timestamp="2024-01-10T10:00:00Z"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    take(db, voiding(done))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    settle(db)
    sink = webhook_sink(receiver.url)
    sink.include_contact = True
    counts = push(db, {"hook": sink}, now=lambda: NOW, max_attempts=3)
    assert receiver.refused == []
    assert counts.sinks["hook"].delivered == 4


def api(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("CONTRACT_TOKEN", TOKEN)
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n[api]\ntokens_env = ["CONTRACT_TOKEN"]\n')
    return TestClient(create_app(load_config(config)), headers={"Authorization": f"Bearer {TOKEN}"})


def without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in keys}


def test_the_webhook_the_feed_and_the_api_say_the_same_thing_under_the_same_names(
    db: Database, store_url: str, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = CheckingReceiver(httpserver, SECRET)
    synced_and_pushed(db, receiver, monkeypatch)
    events = receiver.accepted
    assert [(e["learner_id"], e["event"]) for e in events] == [
        ("P00001", "certified"),
        ("P00002", "certified"),
        ("P00002", "overdue"),
        ("P00001", "revoked"),
    ]
    ann_state = events[-1]["certification_state"]
    assert ann_state["contact"] == {
        "name": "Ann Example",
        "email": "ann@example.org",
        "manager_name": "Mo Manager",
        "manager_email": "mo@example.org",
    }
    assert isinstance(events[0]["cycle"]["evidence_ids"], list)  # lists as lists, never JSON in a string

    states = feed_records(db, read_changes(db, "state"))
    completions = feed_records(db, read_changes(db, "completion"))
    for record in states:
        CERTIFICATION.validate(record)
    for record in completions:
        COMPLETION.validate(record)
    client = api(store_url, tmp_path, monkeypatch)
    answers = {
        "certifications": client.get("/certifications").json()["records"],
        "changes": client.get("/certifications/changes").json()["records"],
        "completions": client.get("/completions").json()["records"],
        "learner": client.get("/learners/P00001").json(),
    }
    for record in answers["certifications"] + answers["changes"] + answers["learner"]["certifications"]:
        CERTIFICATION.validate(record)
    for record in answers["completions"] + answers["learner"]["completions"]:
        COMPLETION.validate(record)

    # Ann's state now: the event's record, the feed's newest record and the API's are the same record.
    feed_ann = [r for r in states if r["learner_id"] == "P00001"][-1]
    api_ann = next(r for r in answers["certifications"] if r["learner_id"] == "P00001")
    assert without(ann_state, "contact") == without(feed_ann, *FEED_HEAD) == without(api_ann, "contact")
    assert api_ann["contact"] == ann_state["contact"]
    assert answers["changes"] == states  # the HTTP feed is the CLI's feed
    # Ann's completion as it stands: the feed's newest record of it and the learner's answer agree.
    [api_completion] = answers["learner"]["completions"]
    feed_completion = [r for r in completions if r["id"] == api_completion["id"]][-1]
    assert without(feed_completion, *FEED_HEAD) == api_completion
    assert (api_completion["counted"], api_completion["reason"]) == (False, "voided")


def test_version_1_webhook_bodies_are_still_sent_on_request(
    db: Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[push] schema_version = 1`: the body as it was before the contract, for a receiver not moved yet."""
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"]})
    httpserver.expect_request("/old", method="POST").respond_with_data(status=204)
    sink = webhook_sink(httpserver.url_for("/old"))
    sink.schema_version = 1
    push(db, {"hook": sink}, now=lambda: NOW, max_attempts=3)
    [body] = [request.get_json() for request, _ in httpserver.log]
    assert set(body) == {"event_id", "event", "learner", "certification", "occurred_at", "cycle", "state"}
    assert isinstance(body["state"]["evidence_ids"], str)  # as version 1 had it
    assert not EVENT.is_valid(body)


def test_an_erased_event_names_no_one_and_keeps_the_contract() -> None:
    body = contract.event(erasure_event("prevent", ["e2", "e1"]).payload(NOW), NOT_ON_ROSTER, with_contact=True)
    EVENT.validate(body)
    assert (body["learner_id"], body["certification_state"], body["cycle"], body["erases"]) == (
        None,
        None,
        None,
        ["e1", "e2"],
    )


def test_contact_goes_only_where_asked_and_is_refused_by_the_feeds_schema() -> None:
    facts = LearnerFacts(True, "P00900", "Highways", "Admin", Contact("Ann", "ann@example.org", "Mo", None))
    state = {"status": "green", "certified_on": "2025-01-10", "due_on": "2027-01-10"}
    state |= {"window_opens_on": "2026-07-10", "option_id": "elearning", "evidence_ids": '["e1"]'}
    plain = contract.certification_state("P00001", "prevent", state, status_as_of="2026-06-01", facts=facts)
    assert "contact" not in plain
    CERTIFICATION.validate(plain)
    with_contact = contract.certification_state(
        "P00001", "prevent", state, status_as_of="2026-06-01", facts=facts, with_contact=True
    )
    CERTIFICATION.validate(with_contact)
    feed_head = {"seq": 1, "changed_at": NOW, "deleted": False}
    CERTIFICATION.validate(plain | feed_head)
    assert not CERTIFICATION.is_valid(with_contact | feed_head)  # a feed record never carries personal contact
    assert not CERTIFICATION.is_valid(without(plain, "option"))  # every field the contract promises is there
