"""Every row of the Prevent profile's table, both columns, through the real mappings/prevent.toml.

"Evidence" rows must give the named components; "not evidence" rows must give none of that option's.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.mapper import map_learner
from lrs_adapter.model.evidence import Evidence
from tests.helpers.prevent import (
    ATTENDED,
    COMPLETED,
    IRI,
    JOIN,
    LEAVE,
    PASSED,
    PROGRESS,
    SATISFIED,
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


def found(*statements: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e.option, e.component) for e in map_learner("P00001", facts(*statements), PREVENT)}


CASES = [
    orjson.loads(line)
    for line in (ROOT / "fixtures" / "statements" / "prevent-profile.jsonl").read_bytes().splitlines()
]


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_profile_row(case: dict[str, Any]) -> None:
    """fixtures/statements/prevent-profile.jsonl: each row of the profile, both columns, and exactly what it gives."""
    assert found(*case["statements"]) == {tuple(pair) for pair in case["expect"]}


def test_every_option_has_both_columns() -> None:
    for option in PREVENT.options:
        columns = {case["column"] for case in CASES if case["case"].startswith(f"{option}:")}
        assert columns == {"evidence", "not evidence"} or option == "briefing", option  # briefing: see register tests


def test_live_presence_is_dated_by_the_leave_that_completes_the_hour() -> None:
    [case] = [c for c in CASES if c["case"].startswith("webinar_live: join/leave pairs")]
    [evidence] = map_learner("P00001", facts(*case["statements"]), PREVENT)
    assert evidence.instant.isoformat() == "2026-03-02T11:05:00+00:00"
    assert len(evidence.statement_ids) == 4


# ------------------------------------------------------------------------------------------ across the table
def test_a_voided_statement_gives_no_evidence() -> None:
    completion = statement(SATISFIED, ELEARNING)
    assert found(completion, voiding(completion)) == set()


def test_evidence_keeps_its_statements_and_a_deterministic_id() -> None:
    s = statement(SATISFIED, ELEARNING)
    [first] = map_learner("P00001", facts(s), PREVENT)
    [again] = map_learner("P00001", facts(s), PREVENT)
    assert first == again
    assert first.statement_ids == (s["id"],)
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
