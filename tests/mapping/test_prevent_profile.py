"""Every row of the Prevent profile's table, both columns, through the real mappings/prevent.toml.

"Evidence" rows must give the named components; "not evidence" rows must give none of that option's.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.mapper import Evidence, map_learner
from prevent import (
    ATTENDED,
    CMI5_CATEGORY,
    CMI5_SESSION,
    COMPLETED,
    FAILED,
    IRI,
    JOIN,
    LEAVE,
    PASSED,
    PAUSED,
    PLAYED,
    PROGRESS,
    REGISTERED,
    SATISFIED,
    WAIVED,
    facts,
    statement,
    voiding,
)

ROOT = Path(__file__).resolve().parents[2]
PREVENT = load_mapping(ROOT / "mappings" / "prevent.toml")
ELEARNING = f"{IRI}/prevent-elearning"
LIVE = f"{IRI}/prevent-webinar-live"
SESSION = f"{LIVE}/session/2026-03-02"
RECORDING = f"{IRI}/prevent-webinar-recording"
WRAP = f"{IRI}/prevent-wrap"
BRIEFING = f"{IRI}/prevent-briefing"
REG = "4eb0e063-669b-479a-86b3-f9be9ac88a1d"


def found(*statements: dict) -> set[tuple[str, str]]:
    return {(e.option, e.component) for e in map_learner("P00001", facts(*statements), PREVENT)}


# ------------------------------------------------------------------------------------------------- e-learning
def test_elearning_completed_and_passed_scorm_object() -> None:
    assert found(
        statement(COMPLETED, ELEARNING, result={"completion": True}),
        statement(PASSED, ELEARNING, result={"success": True, "score": {"scaled": 0.9}}),
    ) == {("elearning", "completed"), ("elearning", "passed")}


def test_elearning_cmi5_au_in_grouping_with_the_cmi5_category() -> None:
    cmi5 = {"category": [CMI5_CATEGORY], "registration": REG, "context_extensions": {CMI5_SESSION: "s-1"}}
    au = "https://lms.example.org/au/prevent-module-1"
    assert found(
        statement(COMPLETED, au, grouping=[ELEARNING], **cmi5),
        statement(PASSED, au, grouping=[ELEARNING], result={"success": True}, **cmi5),
    ) == {("elearning", "completed"), ("elearning", "passed")}


def test_elearning_satisfied_by_the_lms() -> None:
    assert found(statement(SATISFIED, ELEARNING)) == {("elearning", "satisfied")}


@pytest.mark.parametrize(
    "case",
    [
        statement(FAILED, ELEARNING, result={"success": False}),
        statement(PASSED, ELEARNING, result={"success": False}),
        statement(WAIVED, ELEARNING),
        statement(COMPLETED, ELEARNING, result={"completion": False}),
        # cmi5 "allowed": in a cmi5 session but without the cmi5 category
        statement(
            PASSED, ELEARNING, result={"success": True}, registration=REG, context_extensions={CMI5_SESSION: "s-2"}
        ),
        statement(PASSED, f"{IRI}/prevent-elearning-old", result={"success": True}),
    ],
    ids=["failed", "passed-success-false", "waived", "completed-completion-false", "cmi5-allowed", "other-course"],
)
def test_elearning_not_evidence(case: dict) -> None:
    assert not {c for o, c in found(case) if o == "elearning"}


def test_completed_without_passed_is_only_half_the_option() -> None:
    assert found(statement(COMPLETED, ELEARNING)) == {("elearning", "completed")}


# ----------------------------------------------------------------------------------------------- live webinar
def test_live_attended_for_at_least_an_hour() -> None:
    assert found(statement(ATTENDED, SESSION, parent=LIVE, result={"duration": "PT1H30M"})) == {
        ("webinar_live", "attended")
    }


def test_live_join_leave_pairs_add_up_to_an_hour_overlaps_once() -> None:
    pairs = [
        statement(JOIN, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:00:00Z"),
        statement(LEAVE, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:40:00Z"),
        statement(JOIN, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:30:00Z"),  # second device
        statement(LEAVE, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T11:05:00Z"),
    ]
    evidence = [e for e in map_learner("P00001", facts(*pairs), PREVENT) if e.component == "present"]
    assert len(evidence) == 1 and len(evidence[0].statement_ids) == 4
    assert evidence[0].instant.isoformat() == "2026-03-02T11:05:00+00:00"


@pytest.mark.parametrize(
    "case",
    [
        [statement(ATTENDED, SESSION, parent=LIVE, result={"duration": "PT45M"})],
        [statement(REGISTERED, SESSION, parent=LIVE)],
        [statement(JOIN, SESSION, parent=LIVE, registration=REG)],
        [  # 40 + 35 minutes, but overlapping: 55 minutes present
            statement(JOIN, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:00:00Z"),
            statement(LEAVE, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:40:00Z"),
            statement(JOIN, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:20:00Z"),
            statement(LEAVE, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:55:00Z"),
        ],
        [statement(ATTENDED, f"{IRI}/other-webinar/session/1", parent=LIVE, result={"duration": "PT2H"})],
        [statement(ATTENDED, SESSION, result={"duration": "PT2H"})],  # no parent
    ],
    ids=[
        "under-an-hour",
        "registered-only",
        "join-without-leave",
        "overlap-under-an-hour",
        "other-session",
        "no-parent",
    ],
)
def test_live_not_evidence(case: list[dict]) -> None:
    assert not {c for o, c in found(*case) if o == "webinar_live"}


# ------------------------------------------------------------------------------------------ recorded webinar
VIDEO = "https://w3id.org/xapi/video/activity-type/video"


def test_recorded_watched_to_progress_and_check_passed() -> None:
    assert found(
        statement(COMPLETED, RECORDING, object_type=VIDEO, result={"completion": True, "extensions": {PROGRESS: 0.95}}),
        statement(PASSED, f"{RECORDING}/check", result={"success": True}),
    ) == {("webinar_recorded", "video"), ("webinar_recorded", "check")}


def test_recorded_without_progress_completion_true_counts() -> None:
    assert found(statement(COMPLETED, RECORDING, result={"completion": True})) == {("webinar_recorded", "video")}


@pytest.mark.parametrize(
    "case",
    [
        statement(PLAYED, RECORDING, result={"extensions": {PROGRESS: 0.5}}),
        statement(PAUSED, RECORDING, result={"extensions": {PROGRESS: 0.95}}),
        statement(COMPLETED, RECORDING, result={"completion": True, "extensions": {PROGRESS: 0.8}}),
        statement(COMPLETED, RECORDING),
        statement(FAILED, f"{RECORDING}/check", result={"success": False}),
        statement(PASSED, f"{RECORDING}/check", result={"success": False}),
    ],
    ids=["played", "paused", "progress-under-0.9", "no-progress-no-completion", "check-failed", "check-success-false"],
)
def test_recorded_not_evidence(case: dict) -> None:
    assert not {c for o, c in found(case) if o == "webinar_recorded"}


# ------------------------------------------------------------------------------------------------------ WRAP
def test_wrap_attended_recorded_by_the_trainer() -> None:
    assert found(statement(ATTENDED, f"{WRAP}/event/17", parent=WRAP, instructor="T0001")) == {("wrap", "attended")}


@pytest.mark.parametrize(
    "case",
    [
        statement(REGISTERED, f"{WRAP}/event/17", parent=WRAP),
        statement(ATTENDED, f"{WRAP}/event/17", parent=WRAP, result={"completion": False}),
    ],
    ids=["registered-only", "left-early"],
)
def test_wrap_not_evidence(case: dict) -> None:
    assert not found(case)


# -------------------------------------------------------------------------------------------------- briefing
def test_briefing_attended_statement() -> None:
    assert found(statement(ATTENDED, BRIEFING)) == {("briefing", "attended")}


# ------------------------------------------------------------------------------------------ across the table
def test_a_voided_statement_gives_no_evidence() -> None:
    completion = statement(SATISFIED, ELEARNING)
    assert found(completion, voiding(completion)) == set()


def test_evidence_keeps_its_statements_and_a_deterministic_id() -> None:
    s = statement(SATISFIED, ELEARNING)
    [first] = map_learner("P00001", facts(s), PREVENT)
    [again] = map_learner("P00001", facts(s), PREVENT)
    assert first == again and first.statement_ids == (s["id"],)
    assert first.learner == "P00001"


MIXED = [
    statement(COMPLETED, ELEARNING, timestamp="2026-01-05T09:00:00Z"),
    statement(PASSED, ELEARNING, result={"success": True}, timestamp="2026-01-05T09:00:00Z"),
    statement(ATTENDED, SESSION, parent=LIVE, result={"duration": "PT1H20M"}, timestamp="2026-02-01T10:00:00Z"),
    statement(JOIN, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T10:00:00Z"),
    statement(LEAVE, SESSION, parent=LIVE, registration=REG, timestamp="2026-03-02T11:10:00Z"),
    statement(COMPLETED, RECORDING, result={"extensions": {PROGRESS: 1}}, timestamp="2026-04-01T10:00:00Z"),
    statement(PASSED, f"{RECORDING}/check", result={"success": True}, timestamp="2026-04-01T10:30:00Z"),
    statement(ATTENDED, f"{WRAP}/event/3", parent=WRAP, timestamp="2026-05-01T10:00:00Z"),
    statement(ATTENDED, BRIEFING, timestamp="2026-05-02T10:00:00Z"),
]


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_same_statements_in_any_order_give_the_same_evidence(rnd: random.Random) -> None:
    expected: list[Evidence] = map_learner("P00001", facts(*MIXED), PREVENT)
    shuffled = list(MIXED)
    rnd.shuffle(shuffled)
    assert map_learner("P00001", facts(*shuffled), PREVENT) == expected
    assert len(expected) == 8  # join and leave make one piece of evidence
