"""An attempt's CMI values made into SCORM-profile statements: always statements xAPI accepts, the same ids each
time, and the verbs each SCORM status stands for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.model.durations import parse_duration
from lrs_adapter.xapi.scorm_profile import (
    COMPLETED,
    FAILED,
    INITIALIZED,
    PASSED,
    SCORM_12,
    Attempt,
    Cmi,
    attempt_statements,
    duration,
    registration,
)
from lrs_adapter.xapi.statement import check_statement

HOME = "https://learning.example.gov.uk"
IRI = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"
ELEMENTS_12 = [
    "cmi.core.lesson_status",
    "cmi.core.score.raw",
    "cmi.core.score.min",
    "cmi.core.score.max",
    "cmi.core.session_time",
    "cmi.core.total_time",
    "x.start.time",
    "cmi.suspend_data",
]
ELEMENTS_2004 = [
    "cmi.completion_status",
    "cmi.success_status",
    "cmi.score.scaled",
    "cmi.score.raw",
    "cmi.score.min",
    "cmi.score.max",
    "cmi.session_time",
    "cmi.total_time",
    "x.start.time",
]
STATUSES = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted", "unknown", "not attempted "]
VALUES = st.one_of(
    st.sampled_from(STATUSES),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["00:25:10.5", "0001:02:03", "99:99:99", "PT40M2.25S", "P1Y2M", "PT", "P1W1D", "1e999", ""]),
    st.text(max_size=20),
)
SECONDS = st.integers(0, 4_102_444_800)  # 1970 to 2100
NUMBERS = st.one_of(st.integers(-200, 200), st.floats(-2, 2)).map(str)
#: What each element is likely to hold, so that statuses with scores, bounds and times are often drawn together.
VERDICTS = st.sampled_from(["passed", "failed", "completed", *STATUSES])
LIKELY = {
    "lesson_status": VERDICTS,
    "completion_status": VERDICTS,
    "success_status": VERDICTS,
    "raw": NUMBERS,
    "min": NUMBERS,
    "max": NUMBERS,
    "scaled": NUMBERS,
}


def attempt(version: str, values: dict[str, Cmi], *, number: int = 1, user: int = 7) -> Attempt:
    return Attempt(IRI, version, 3, 11, "item_1", user, "P00042", number, values)


@st.composite
def attempts(draw: st.DrawFn) -> Attempt:
    """Mostly the elements the version's data model has, each likely present with a likely value; sometimes the
    other model's, or any text."""
    version = draw(st.sampled_from([SCORM_12, "SCORM_13", "SCORM_1.3", "AICC", "", "scorm_12"]))
    own = ELEMENTS_12 if version.upper() in ("SCORM_1.2", "SCORM_12", "AICC") else ELEMENTS_2004
    elements = draw(st.sampled_from([own, own, own, ELEMENTS_12 + ELEMENTS_2004]))
    chosen = [element for element in elements if draw(st.integers(0, 9)) < 8] or elements[:1]
    values = {
        element: Cmi(draw(st.one_of(*[LIKELY.get(element.rsplit(".", 1)[-1], VALUES)] * 3, VALUES)), draw(SECONDS))
        for element in chosen
    }
    return attempt(version, values, number=draw(st.integers(1, 10**6)), user=draw(st.integers(1, 2**62)))


@settings(max_examples=300)
@given(attempts())
def test_every_statement_made_is_one_xapi_accepts_with_the_same_id_each_time(made: Attempt) -> None:
    statements = attempt_statements(made, HOME)
    for version in ("1.0.3", "2.0.0"):
        for statement in statements:
            check_statement(statement, version)
    assert attempt_statements(made, HOME) == statements
    assert len({s["id"] for s in statements}) == len(statements)
    assert {s["context"]["registration"] for s in statements} == {registration(made)}
    assert statements[0]["verb"]["id"] == INITIALIZED


@given(attempts(), st.integers(1, 10**6))
def test_another_attempt_gets_other_ids(made: Attempt, other: int) -> None:
    again = attempt(made.version, dict(made.values), number=made.number + other, user=made.user_id)
    assert not {s["id"] for s in attempt_statements(made, HOME)} & {s["id"] for s in attempt_statements(again, HOME)}


def verbs(version: str, **values: str) -> list[str]:
    return [
        s["verb"]["id"] for s in attempt_statements(attempt(version, {k: Cmi(v, 100) for k, v in values.items()}), HOME)
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("passed", [INITIALIZED, COMPLETED, PASSED]),
        ("failed", [INITIALIZED, COMPLETED, FAILED]),
        ("completed", [INITIALIZED, COMPLETED]),
        ("incomplete", [INITIALIZED]),
        ("browsed", [INITIALIZED]),
        ("not attempted", [INITIALIZED]),
    ],
)
def test_scorm_12_lesson_status(status: str, expected: list[str]) -> None:
    for version in (SCORM_12, "AICC"):  # Moodle's AICC player speaks 1.2's data model
        assert verbs(version, **{"cmi.core.lesson_status": status}) == expected


@pytest.mark.parametrize(
    ("completion", "success", "expected"),
    [
        ("completed", "passed", [INITIALIZED, COMPLETED, PASSED]),
        ("completed", "failed", [INITIALIZED, COMPLETED, FAILED]),
        ("completed", "unknown", [INITIALIZED, COMPLETED]),
        ("incomplete", "passed", [INITIALIZED, PASSED]),
        ("incomplete", "unknown", [INITIALIZED]),
        ("not attempted", "unknown", [INITIALIZED]),
    ],
)
def test_scorm_2004_completion_and_success_status(completion: str, success: str, expected: list[str]) -> None:
    values = {"cmi.completion_status": completion, "cmi.success_status": success}
    for version in ("SCORM_13", "SCORM_1.3"):  # both written by Moodle over the years
        assert verbs(version, **values) == expected
    assert verbs(SCORM_12, **values) == [INITIALIZED]  # a 1.2 package's status is cmi.core.lesson_status


def test_the_verdict_is_when_the_status_was_written_and_the_start_when_the_attempt_began() -> None:
    values = {
        "x.start.time": Cmi("1790000000", 1790000000),
        "cmi.core.lesson_status": Cmi("passed", 1790001500),
        "cmi.core.score.raw": Cmi("85", 1790001500),
        "cmi.core.score.min": Cmi("0", 1790001500),
        "cmi.core.score.max": Cmi("100", 1790001500),
        "cmi.core.total_time": Cmi("00:25:10.50", 1790001500),
    }
    initialized, completed, passed = attempt_statements(attempt(SCORM_12, values), HOME)
    assert initialized["timestamp"] == "2026-09-21T14:13:20.000000Z"
    assert completed["timestamp"] == passed["timestamp"] == "2026-09-21T14:38:20.000000Z"
    assert passed["result"] == {
        "success": True,
        "score": {"raw": 85.0, "min": 0.0, "max": 100.0},
        "duration": "PT0H25M10.5S",
    }
    assert completed["result"] == {"completion": True, "duration": "PT0H25M10.5S"}
    assert completed["object"]["id"] == f"{IRI}/sco/item_1"
    assert completed["context"]["contextActivities"]["grouping"][0]["id"] == IRI


@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_a_scorm_12_timespan_is_the_same_length_in_iso_8601(hours: int, minutes: int, seconds: int, cents: int) -> None:
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}.{cents:02d}"
    iso = duration(attempt(SCORM_12, {"cmi.core.session_time": Cmi(text, 0)}))
    assert iso is not None
    expected = timedelta(hours=hours, minutes=minutes, seconds=seconds + cents / 100)
    assert abs(parse_duration(iso) - expected) < timedelta(microseconds=1)


def test_total_time_is_taken_before_the_last_session() -> None:
    values = {"cmi.total_time": Cmi("PT1H10M", 0), "cmi.session_time": Cmi("PT40M", 0)}
    assert duration(attempt("SCORM_13", values)) == "PT1H10M"
    assert duration(attempt("SCORM_13", {"cmi.session_time": Cmi("PT40M", 0)})) == "PT40M"
    assert duration(attempt("SCORM_13", {"cmi.session_time": Cmi("40 minutes", 0)})) is None


def test_bounds_that_contradict_the_raw_score_are_dropped_and_a_scaled_score_out_of_range() -> None:
    values = {
        "cmi.success_status": Cmi("passed", 0),
        "cmi.score.raw": Cmi("120", 0),
        "cmi.score.min": Cmi("0", 0),
        "cmi.score.max": Cmi("100", 0),
        "cmi.score.scaled": Cmi("1.2", 0),
    }
    _, passed = attempt_statements(attempt("SCORM_13", values), HOME)
    assert passed["result"]["score"] == {"raw": 120.0}
