"""Statements in the shapes the Prevent profile describes (shared/profile/prevent-statements.md), for the mapping
tests: each builder gives one statement as a real tool would send it, with the knobs a test needs to turn."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.xapi.facts import StatementFacts, from_row

IRI = "https://learning.example.gov.uk/xapi/activities"
HOME = "https://learning.example.gov.uk"
ADL = "http://adlnet.gov/expapi/verbs/"
COMPLETED, PASSED, FAILED, ATTENDED = ADL + "completed", ADL + "passed", ADL + "failed", ADL + "attended"
REGISTERED, PLAYED, PAUSED, VOIDED = (
    ADL + "registered",
    "https://w3id.org/xapi/video/verbs/played",
    "https://w3id.org/xapi/video/verbs/paused",
    ADL + "voided",
)
SATISFIED, WAIVED = "https://w3id.org/xapi/adl/verbs/satisfied", "https://w3id.org/xapi/adl/verbs/waived"
JOIN, LEAVE = "http://activitystrea.ms/join", "http://activitystrea.ms/leave"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
PROGRESS = "https://w3id.org/xapi/video/extensions/progress"
RECEIVED = datetime(2026, 6, 1, tzinfo=UTC)


def statement(
    verb: str,
    object_id: str,
    *,
    learner: str = "P00001",
    timestamp: str = "2026-03-02T10:00:00Z",
    parent: str | None = None,
    grouping: list[str] | None = None,
    category: list[str] | None = None,
    result: dict[str, Any] | None = None,
    registration: str | None = None,
    context_extensions: dict[str, Any] | None = None,
    instructor: str | None = None,
    object_type: str | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    activities: dict[str, Any] = {}
    if parent:
        activities["parent"] = [{"objectType": "Activity", "id": parent}]
    if grouping:
        activities["grouping"] = [{"id": iri} for iri in grouping]
    if category:
        activities["category"] = [{"id": iri} for iri in category]
    if activities:
        context["contextActivities"] = activities
    if registration:
        context["registration"] = registration
    if context_extensions:
        context["extensions"] = context_extensions
    if instructor:
        context["instructor"] = {"objectType": "Agent", "account": {"homePage": HOME, "name": instructor}}
    key = f"{verb}|{object_id}|{learner}|{timestamp}|{result}|{registration}|{parent}|{grouping}|{category}"
    built: dict[str, Any] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        "actor": {"objectType": "Agent", "name": f"Learner {learner}", "account": {"homePage": HOME, "name": learner}},
        "verb": {"id": verb, "display": {"en-GB": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": object_id}
        | ({"definition": {"type": object_type}} if object_type else {}),
        "timestamp": timestamp,
        "stored": "2026-06-01T00:00:00Z",
    }
    if result is not None:
        built["result"] = result
    if context:
        built["context"] = context
    return built


def voiding(target: dict[str, Any], timestamp: str = "2026-04-01T10:00:00Z") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "void|" + target["id"])),
        "actor": target["actor"],
        "verb": {"id": VOIDED, "display": {"en-GB": "voided"}},
        "object": {"objectType": "StatementRef", "id": target["id"]},
        "timestamp": timestamp,
        "stored": "2026-06-01T00:00:00Z",
    }


def facts(*statements: dict[str, Any]) -> list[StatementFacts]:
    """Through real intake, as the store would hold them; a voiding statement marks its target voided."""
    accepted = []
    for s in statements:
        outcome = take_in(dict(s), source="test", received_at=RECEIVED)
        assert isinstance(outcome, Accepted), outcome
        accepted.append(outcome)
    voided = {a.voids for a in accepted if a.voids}
    return [
        from_row(
            a.id,
            a.learner,
            a.verb_id,
            a.object_id,
            a.registration,
            a.timestamp,
            a.stored,
            a.id in voided,
            a.facts,
        )
        for a in accepted
    ]
