"""One source of truth for what is valid: the fast path (xapi/fast.py) and `check_statement` give the same verdict on
the conformance corpus, the hostile values and generated statements, and what the fast path reads from a statement
it takes (keys, instants, facts) is what the checker and `extract` read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs_adapter.xapi.facts import extract
from lrs_adapter.xapi.fast import fast_check
from lrs_adapter.xapi.statement import StatementInvalid, check_statement
from tests.helpers.factory import make_statement
from tests.hostile.test_identifiers import HOSTILE_NAMES
from tests.hostile.test_statements import JSON, lines, mutate, put

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "conformance" / "statements-1.0.3.json").read_text("utf-8"))
TOOL_OUTPUT = sorted(CORPUS.glob("*.json"))


def slow_verdict(text: bytes, version: str) -> bool:
    """Today's checker alone, as intake ran it before the fast path."""
    try:
        check_statement(orjson.loads(text), version)
    except StatementInvalid:
        return False
    return True


def assert_same(text: bytes, version: str = "1.0.3") -> bool:
    """Both paths give one verdict; where they accept, they read the same things. Returns the verdict."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:  # quarantined as unparsable: the fast path, asked first, must refuse it too
        assert fast_check(text, version) is None, text[:300]
        return False
    fast = fast_check(text, version)
    verdict = slow_verdict(text, version)
    assert (fast is not None) == verdict, text[:300]
    if fast is not None:
        statement = orjson.loads(text)
        assert fast.checked == check_statement(statement, version)
        assert fast.facts == orjson.loads(orjson.dumps(extract(statement)))
    return verdict


@pytest.mark.parametrize("case", CASES, ids=[f"{case['file']}:{case['name']}" for case in CASES])
def test_the_conformance_corpus_gets_one_verdict(case: dict[str, Any]) -> None:
    assert_same(orjson.dumps(case["statement"]))


@pytest.mark.parametrize("path", TOOL_OUTPUT, ids=[path.name for path in TOOL_OUTPUT])
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_real_tools_output_gets_one_verdict(path: Path, version: str) -> None:
    text = path.read_bytes()
    try:
        loaded = orjson.loads(text)
    except orjson.JSONDecodeError:  # a file of the corpus that is broken on purpose
        assert_same(text, version)
        return
    for statement in loaded if isinstance(loaded, list) else [loaded]:
        assert_same(orjson.dumps(statement), version)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_identifiers_are_refused_by_both(name: str) -> None:
    statement = make_statement(1)
    statement["actor"] = {"account": {"homePage": "https://learning.example.gov.uk", "name": name}}
    assert assert_same(orjson.dumps(statement)) is False


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("result", "duration"), "P4W1D"),  # weeks mixed with days
        (("result", "duration"), "P4W"),
        (("timestamp",), "2016-12-31T23:59:60Z"),  # a leap second
        (("timestamp",), "2026-01-01T10:00:00-00:00"),
        (("result", "score"), {"raw": 11, "min": 0, "max": 10}),
        (("result", "score"), {"raw": 5, "min": 6}),
        (("result", "score"), {"scaled": 1.5}),
        (("result", "score"), {"scaled": True}),
        (("verb", "id"), "http://adlnet.gov/expapi/verbs/voided"),  # voiding an Activity
        (("object",), {"objectType": "StatementRef", "id": "not-a-uuid"}),
        (("context", "platform"), 5),
        (("context", "contextAgents"), []),  # xAPI 2.0 only
    ],
)
def test_the_rules_after_the_decode_give_the_checkers_verdict(path: tuple[str, ...], value: Any) -> None:
    statement = make_statement(3)
    statement.setdefault("result", {})
    statement.setdefault("context", {})
    put(statement, path, value)
    assert_same(orjson.dumps(statement))
    assert_same(orjson.dumps(statement), "2.0.0")


def test_substatement_rules_give_the_checkers_verdict() -> None:
    inner = make_statement(4)
    sub = {key: inner[key] for key in ("actor", "verb", "object", "context", "timestamp")} | {
        "objectType": "SubStatement"
    }
    outer = {key: value for key, value in make_statement(5).items() if key != "context"} | {"object": sub}
    assert assert_same(orjson.dumps(outer)) is True
    assert assert_same(orjson.dumps(outer | {"object": sub | {"id": inner["id"]}})) is False
    assert assert_same(orjson.dumps(outer | {"object": sub | {"object": sub}})) is False


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 9), st.data())
def test_hostile_lines_get_one_verdict(seed: int, data: st.DataObject) -> None:
    _, line = data.draw(lines(seed))
    assert_same(line)


@st.composite
def generated(draw: st.DrawFn) -> dict[str, Any]:
    """A factory statement, perhaps broken in one of the hostile ways, perhaps with any score at all."""
    statement = make_statement(draw(st.integers(0, 100_000)), seed=draw(st.integers(0, 9)))
    if draw(st.booleans()):
        mutate(draw, statement, draw(st.sampled_from(["replace", "drop", "timestamp", "duration", "actor"])))
    if draw(st.booleans()) and isinstance(statement.get("result", {}), dict):  # a mutation may have made it no object
        statement.setdefault("result", {})["score"] = draw(
            st.dictionaries(st.sampled_from(["scaled", "raw", "min", "max", "Raw"]), JSON | st.floats(-5, 5))
        )
    return statement


@settings(max_examples=400, deadline=None)
@given(generated(), st.sampled_from(["1.0.3", "2.0.0"]))
def test_generated_statements_get_one_verdict(statement: dict[str, Any], version: str) -> None:
    assert_same(orjson.dumps(statement), version)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: b"\xef\xbb\xbf" + text,  # a byte-order mark
        lambda text: text.replace(b'"name":"', b'"name":"\\ud800', 1),  # a lone surrogate
        lambda text: text.replace(b'"name":"', b'"name":"\x01', 1),  # a raw control character
        lambda text: text.replace(b'"raw":', b'"raw":1e400,"min":', 1),  # a number no double holds
        lambda text: text.replace(b'"raw":', b'"raw":NaN,"min":', 1),
        lambda text: text[:-1],  # cut short
    ],
    ids=["bom", "surrogate", "control", "overflow", "nan", "truncated"],
)
def test_a_statement_orjson_cannot_parse_is_refused_by_the_fast_path(spoil: Any) -> None:
    """Intake asks the fast path first and parses with orjson only what it leaves: it must never take a text
    orjson would have quarantined as unparsable."""
    statement = make_statement(7)
    statement["result"] = {"score": {"raw": 5, "min": 0, "max": 10}}
    text = orjson.dumps(statement)
    assert fast_check(text, "1.0.3") is not None
    spoiled = spoil(text)
    assert spoiled != text
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(spoiled)
    assert fast_check(spoiled, "1.0.3") is None
