"""check_statement against real statements: ADL's conformance-suite cases and the shared corpus of tool output.

What the adapter owes them (fixtures/corpus/conformance/README.md): a statement a conformant LRS accepts
(``expect: [200]``) is never rejected; one it rejects (``[400]``) never crashes anything, and where its fault
touches what the adapter relies on (ids, identifiers, verb, object, timestamps, durations, result) it is
rejected with a field that points into that statement.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lrs_adapter.xapi.statement import StatementInvalid, check_statement

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "conformance" / "statements-1.0.3.json").read_text("utf-8"))
ACCEPTED = [case for case in CASES if case["expect"] == [200]]
REJECTED = [case for case in CASES if case["expect"] == [400]]

# Suite files whose every case breaks something the adapter relies on: all of them must be rejected.
RELIED_ON = {
    "uuids.js", "ifis.js", "agents.js", "groups.js", "accountobjects.js", "actors.js", "verbs.js", "objects.js",
    "activities.js", "statementrefs.js", "substatements.js", "timestamps.js", "timestamp_property.js",
    "durations.js", "results.js", "scores.js", "voiding.js",
}  # fmt: skip
# How many of the 295 rejected cases the checker rejects (all of them when this was written). A change that
# lets some through must lower this on purpose.
REJECTED_CAUGHT_AT_LEAST = 295


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['file']}:{case['name']}"


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def points_into(statement: Any, field: str) -> bool:
    """Whether ``field`` is a real path in ``statement``: every step exists, except that the last may name a
    property missing from an object that does exist (the fault is then that it is missing)."""
    if field == "$":
        return True
    steps = [name if name else int(index) for name, index in _STEP.findall(field)]
    if "".join(f".{s}" if isinstance(s, str) else f"[{s}]" for s in steps).lstrip(".") != field:
        return False
    node = statement
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return False
        elif not isinstance(node, dict):
            return False
        elif step not in node:
            return last
        node = node[step]
    return True


def test_points_into() -> None:
    statement = {"actor": {"member": [{"mbox": "x"}]}, "object": {}}
    assert points_into(statement, "actor.member[0].mbox")
    assert points_into(statement, "object.id")  # missing, in an object that exists
    assert points_into(statement, "$")
    assert not points_into(statement, "actor.member[1].mbox")
    assert not points_into(statement, "context.registration")
    assert not points_into(statement, "actor.member.mbox")


def test_the_corpus_is_the_expected_one() -> None:
    assert (len(CASES), len(ACCEPTED), len(REJECTED)) == (459, 164, 295)


@pytest.mark.parametrize("case", ACCEPTED, ids=_case_id)
def test_accepted_statement_is_never_rejected(case: dict[str, Any]) -> None:
    check_statement(case["statement"])


@pytest.mark.parametrize("case", REJECTED, ids=_case_id)
def test_rejected_statement_fails_cleanly_at_a_real_path(case: dict[str, Any]) -> None:
    error: StatementInvalid | None = None
    try:
        check_statement(case["statement"])
    except StatementInvalid as invalid:
        error = invalid
    if error is None:
        assert case["file"] not in RELIED_ON, "its fault is in what the adapter relies on, yet it passed"
        return
    assert error.reason
    assert points_into(case["statement"], error.field), f"{error.field!r} is not a path in the statement"


def test_how_many_rejected_statements_are_caught() -> None:
    let_through: list[str] = []
    fields: Counter[str] = Counter()
    for case in REJECTED:
        try:
            check_statement(case["statement"])
        except StatementInvalid as error:
            fields[re.sub(r"\[\d+\]", "[]", error.field)] += 1
        else:
            let_through.append(_case_id(case))
    caught = len(REJECTED) - len(let_through)
    print(f"\nconformance 1.0.3: {caught} of {len(REJECTED)} rejected statements caught; let through: {let_through}")
    print("most frequent fields:", fields.most_common(8))
    assert caught >= REJECTED_CAUGHT_AT_LEAST, let_through


# ---------------------------------------------------------------------------------- the corpus of tool output

CORPUS_FILES = sorted(CORPUS.glob("*.json"))
NOT_JSON = {"cmi5_INVALID_initialized.json", "spec103_appendixA_simple_INVALID.json"}
# The deliberately bad files that parse, and the field check_statement must reject each at (None: its fault is
# in something opaque to the adapter, here an extension value, so it passes and a later layer judges it).
INVALID_EXPECTED: dict[str, str | None] = {
    "lrsconf_v2_no_actor_INVALID.json": "actor",
    "lrsconf_v2_statementref_no_id_INVALID.json": "object.id",
    "vc_initialized_INVALID_planned_duration.json": None,
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def test_corpus_lists_are_current() -> None:
    names = {path.name for path in CORPUS_FILES}
    assert len(names) == 45
    assert names >= NOT_JSON
    assert {name for name in names if "_INVALID" in name} == NOT_JSON | set(INVALID_EXPECTED)
    for name in NOT_JSON:
        with pytest.raises(json.JSONDecodeError):
            json.loads((CORPUS / name).read_text("utf-8"))


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
# The files that are not JSON never reach the checker: tests/test_pull.py shows intake quarantining them.
@pytest.mark.parametrize("path", [p for p in CORPUS_FILES if p.name not in NOT_JSON], ids=lambda path: path.stem)
def test_corpus_statement(path: Path, version: str) -> None:
    statement = _load(path)
    expected_field = INVALID_EXPECTED.get(path.name)
    if expected_field is None:
        check_statement(statement, version)
        return
    with pytest.raises(StatementInvalid) as caught:
        check_statement(statement, version)
    assert caught.value.field == expected_field
    assert points_into(statement, caught.value.field)


def _check_file(name: str) -> Any:
    return check_statement(json.loads((CORPUS / name).read_text("utf-8")))


def test_corpus_shapes_yield_the_right_fields() -> None:
    voiding = _check_file("spec103_voiding.json")
    assert (voiding.object_type, voiding.voids) == ("StatementRef", "e05aa883-acaf-40ad-bf54-02c8ce485fb0")
    group = _check_file("spec103_appendixA_long_attended_meeting_group_actor.json")
    assert group.learner is None
    assert group.stored is not None
    planned = _check_file("spec103_substatement_planned.json")
    assert (planned.object_type, planned.object_id, planned.learner) == (
        "SubStatement",
        None,
        "mbox:mailto:test@example.com",
    )
    passed = _check_file("cmi5_passed_masteryscore.json")
    assert passed.learner == "account:http://example.org/ Learner"
    assert passed.registration == "b22893ae-a13e-406f-abb6-fd463ed7c645"
    assert passed.timestamp is not None
    assert passed.timestamp.isoformat() == "2016-06-09T17:38:26.318000+00:00"
    scorm = _check_file("scorm_initialized.json")  # "2014-08-01T15:05:04-04:00"
    assert scorm.timestamp is not None
    assert scorm.timestamp.isoformat() == "2014-08-01T19:05:04+00:00"
    ralph = _check_file("ralph_video_completed_nonconformant.json")  # 'course-v1:...' parent: a scheme, so an IRI
    assert ralph.verb_id == "http://adlnet.gov/expapi/verbs/completed"
