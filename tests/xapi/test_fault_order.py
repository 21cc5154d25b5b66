"""check_statement's exact field and reason for the faults of a score, a context and an activity definition, and
which fault is reported first when a part has several: written down when those checks were split into helpers
(issue 15, the complexity limits), so that a reshaping can never change what a quarantine reason says."""

from __future__ import annotations

from typing import Any

import pytest

from lrs_adapter.xapi.statement import StatementInvalid, check_statement

ACTIVITY = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"
UUID = "b22893ae-a13e-406f-abb6-fd463ed7c645"


def statement(**parts: Any) -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:ann@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"id": ACTIVITY},
    } | parts


def fault(value: dict[str, Any], version: str = "1.0.3") -> tuple[str, str]:
    with pytest.raises(StatementInvalid) as caught:
        check_statement(value, version)
    return caught.value.field, caught.value.reason


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ({"scaled": 1.5, "min": 5, "max": 1}, ("result.score.scaled", "1.5 is outside [-1, 1]")),
        ({"raw": 0, "min": 5, "max": 1}, ("result.score.min", "min 5 is greater than max 1")),
        ({"raw": 0, "min": 5, "max": -1}, ("result.score.min", "min 5 is greater than max -1")),
        ({"raw": 0, "min": 5, "max": 10}, ("result.score.raw", "raw 0 is less than min 5")),
        ({"raw": 11, "min": 5, "max": 10}, ("result.score.raw", "raw 11 is greater than max 10")),
        ({"raw": 11, "max": 10}, ("result.score.raw", "raw 11 is greater than max 10")),
        ({"raw": -1, "min": 0}, ("result.score.raw", "raw -1 is less than min 0")),
        ({"max": "10", "scaled": 2}, ("result.score.max", "must be a number, not '10'")),
        ({"raw": 1, "Max": 10}, ("result.score.Max", "not an allowed property here (names are case-sensitive)")),
    ],
)
def test_score_faults_and_their_order(score: dict[str, Any], expected: tuple[str, str]) -> None:
    assert fault(statement(result={"score": score})) == expected


def test_a_score_within_its_bounds_passes() -> None:
    check_statement(statement(result={"score": {"scaled": -1, "raw": 5, "min": 5, "max": 5}}))


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"registration": "x", "language": "!"}, ("context.registration", "'x' is not a UUID")),
        ({"language": "!", "registration": "x"}, ("context.language", "'!' is not a language tag")),
        ({"platform": 7}, ("context.platform", "must be a string, not 7")),
        ({"revision": None}, ("context.revision", "must be a string, not null")),
        ({"bogus": 1, "registration": "x"}, ("context.bogus", "not an allowed property here (names are case-sensitive)")),
        ({"registration": UUID, "contextAgents": []}, ("context.contextAgents", "not an allowed property here (names are case-sensitive)")),
        ({"contextActivities": {"parent": [{"id": "no"}]}}, ("context.contextActivities.parent[0].id", "'no' is not an absolute IRI")),
        ({"instructor": {"name": "x"}, "team": 1}, ("context.instructor", "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")),
        ({"statement": {"objectType": "StatementRef"}}, ("context.statement.id", "missing: a StatementRef needs the id of the statement it refers to")),
    ],
)  # fmt: skip
def test_context_faults_are_found_in_the_context_s_own_order(
    context: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert fault(statement(context=context)) == expected


def test_revision_and_platform_describe_an_activity_only() -> None:
    agent = {"objectType": "Agent", "mbox": "mailto:bob@example.org"}
    assert fault(statement(object=agent, context={"platform": "Teams"})) == (
        "context.platform",
        "only allowed when the object is an Activity, not Agent",
    )


def test_xapi_2_context_members_are_checked_and_the_registration_returned() -> None:
    members = {"contextGroups": [{"objectType": "contextGroup"}]}
    assert fault(statement(context=members), "2.0.0") == (
        "context.contextGroups[0].group",
        "missing: a contextGroup needs its group",
    )
    checked = check_statement(statement(context={"registration": UUID.upper(), "contextAgents": []}), "2.0.0")
    assert checked.registration == UUID


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({"interactionType": "liKert", "type": "no"}, ("object.definition.interactionType", "'liKert' is not an interaction type (they are case-sensitive)")),
        ({"correctResponsesPattern": ["a", 1]}, ("object.definition.correctResponsesPattern", "must be an array of strings, not an array")),
        ({"whatever": 1, "choices": [{"id": 1}]}, ("object.definition.choices", "item 0 needs a string id")),
        ({"type": "no", "name": 1}, ("object.definition.type", "'no' is not an absolute IRI")),
    ],
)  # fmt: skip
def test_definition_faults_are_found_in_the_definition_s_own_order(
    definition: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert fault(statement(object={"id": ACTIVITY, "definition": definition})) == expected


def test_a_voiding_statement_needs_a_statement_ref() -> None:
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    assert fault(voiding) == ("object", "a voiding statement's object must be a StatementRef, not Activity")
    voiding["object"] = {"objectType": "StatementRef", "id": UUID.upper()}
    assert check_statement(voiding).voids == UUID
