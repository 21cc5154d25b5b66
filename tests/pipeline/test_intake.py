"""Intake: what an LRS would add is added, deterministically; bad input is described, never raised."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.model.statements import Accepted, Rejected, content_hash
from lrs_adapter.pipeline.intake import take_in
from tests.helpers.factory import make_statement

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def without_lrs_fields(i: int = 1) -> dict[str, Any]:
    statement = make_statement(i)
    for key in ("id", "stored", "timestamp"):
        statement.pop(key, None)
    return statement


def test_a_statement_without_id_stored_timestamp_gets_them_as_an_lrs_would() -> None:
    outcome = take_in(without_lrs_fields(), source="f:1", received_at=NOW)
    assert isinstance(outcome, Accepted)
    assert outcome.stored == outcome.timestamp == "2026-03-01T09:30:00.000000Z"
    assert len(outcome.id) == 36


def test_the_derived_id_depends_on_content_not_on_import_time() -> None:
    first = take_in(without_lrs_fields(), source="f:1", received_at=NOW)
    later = take_in(without_lrs_fields(), source="g:9", received_at=NOW + timedelta(days=30))
    other = take_in(without_lrs_fields(2), source="f:2", received_at=NOW)
    assert isinstance(first, Accepted)
    assert isinstance(later, Accepted)
    assert isinstance(other, Accepted)
    assert first.id == later.id
    assert first.content_hash == later.content_hash
    assert other.id != first.id


def test_lrs_assigned_fields_do_not_change_the_content_hash() -> None:
    statement = make_statement(3)
    copy_from_another_lrs = copy.deepcopy(statement) | {
        "stored": "2031-01-01T00:00:00Z",
        "authority": {"mbox": "mailto:other-lrs@example.org"},
        "version": "1.0.0",
    }
    assert content_hash(statement) == content_hash(copy_from_another_lrs)
    changed = copy.deepcopy(statement) | {"result": {"completion": False}}
    assert content_hash(changed) != content_hash(statement)


def test_a_rejected_statement_is_kept_as_received() -> None:
    statement = without_lrs_fields()
    statement["verb"] = {"id": "completed"}
    outcome = take_in(copy.deepcopy(statement), source="f:7", received_at=NOW)
    assert isinstance(outcome, Rejected)
    assert (outcome.field, outcome.source, outcome.statement_id) == ("verb.id", "f:7", None)
    assert "stored" not in outcome.raw
    assert '"completed"' in outcome.raw


def test_a_timestamp_after_stored_is_kept_as_sent() -> None:
    statement = make_statement(4) | {"timestamp": "2026-05-01T00:00:00Z", "stored": "2026-04-01T00:00:00Z"}
    outcome = take_in(statement, source="x", received_at=NOW)
    assert isinstance(outcome, Accepted)
    assert outcome.timestamp > outcome.stored  # the rules decide, not intake


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_intake_never_raises_on_any_json_value(value: object) -> None:
    outcome = take_in(value, source="fuzz", received_at=NOW)
    assert isinstance(outcome, Accepted | Rejected)
    if isinstance(outcome, Rejected):
        assert outcome.field
        assert outcome.reason


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(["id", "stored", "timestamp", "authority"]))
def test_reimporting_is_idempotent(i: int, drop: str) -> None:
    statement = make_statement(i)
    statement.pop(drop, None)
    first = take_in(copy.deepcopy(statement), source="a", received_at=NOW)
    second = take_in(copy.deepcopy(statement), source="b", received_at=NOW + timedelta(hours=1))
    assert isinstance(first, Accepted)
    assert isinstance(second, Accepted)
    assert (first.id, first.content_hash) == (second.id, second.content_hash)
