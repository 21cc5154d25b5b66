"""Settling a batch of learners at once (their stored state read in a few queries, their results written one
statement per table) ends exactly where settling them one at a time does: the same evidence, completions and
states, the same change log in the same order, the same outbox, over generated populations and two syncs (the
second voiding some statements, so that cycles are revoked and certified again)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs_adapter.pipeline import settle as settle_module
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.rules.events import EVENTS
from lrs_adapter.store import Database, open_store
from tests.helpers.changelog import PREVENT, store_statements
from tests.helpers.prevent import ATTENDED, COMPLETED, HOME, IRI, PASSED, SATISFIED, statement, voiding

SINKS = {"hook": frozenset(EVENTS)}
FIRST, SECOND = "2026-06-01T00:00:00.000000Z", "2027-09-01T00:00:00.000000Z"
#: Statements a learner may make: (verb, activity, result), each evidence of some Prevent option or none.
KINDS: list[tuple[str, str, dict[str, Any] | None]] = [
    (COMPLETED, f"{IRI}/prevent-elearning", None),
    (PASSED, f"{IRI}/prevent-elearning", {"success": True}),
    (SATISFIED, f"{IRI}/prevent-elearning", None),
    (ATTENDED, f"{IRI}/prevent-briefing", None),
    (COMPLETED, f"{IRI}/unrelated-course", None),
]
#: One learner's statements: (kind, days after 2025-01-06, voided at the second sync).
Made = tuple[int, int, bool]
populations = st.lists(
    st.lists(st.tuples(st.integers(0, len(KINDS) - 1), st.integers(0, 800), st.booleans()), max_size=4),
    min_size=1,
    max_size=7,
)


def statements_of(population: list[list[Made]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The population's statements, and the voiding statements of those it voids at the second sync."""
    made, voids = [], []
    for number, history in enumerate(population):
        for kind, days, voided in history:
            verb, activity, result = KINDS[kind]
            at = (datetime(2025, 1, 6, 9, tzinfo=UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
            made.append(statement(verb, activity, learner=f"P{number:05d}", timestamp=at, result=result))
            if voided:
                voids.append(voiding(made[-1]))
    return made, voids


def two_syncs(db: Database, population: list[list[Made]]) -> None:
    made, voids = statements_of(population)
    store_statements(db, *made)
    map_queued(db, [PREVENT], FIRST, home_page=HOME, sinks=SINKS)
    if voids:
        store_statements(db, *voids)
    map_queued(db, [PREVENT], SECOND, home_page=HOME, sinks=SINKS)


def contents(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """What settling wrote, the change log and the outbox in their order (seq and id themselves left out: two
    stores number alike only if written alike, which the order already shows)."""
    queries = {
        "evidence": "SELECT * FROM evidence ORDER BY learner, certification, id",
        "completions": "SELECT * FROM completions ORDER BY learner, certification, id",
        "states": "SELECT * FROM certification_states ORDER BY learner, certification",
        "changes": "SELECT learner, certification, kind, subject, record, changed_at FROM changes ORDER BY seq",
        "outbox": "SELECT event_id, sink, event, learner, certification, payload, status FROM outbox ORDER BY id",
    }
    return {table: [tuple(row) for row in db.execute(sql)] for table, sql in queries.items()}


def settled(url: str, population: list[list[Made]], batch: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(settle_module, "BATCH", batch)
    db = open_store(url)
    try:
        two_syncs(db, population)
        return contents(db)
    finally:
        db.close()


Store = Callable[[], str]


@pytest.fixture
def sqlite_stores(tmp_path: Path) -> Store:
    made = iter(range(1_000_000))
    return lambda: f"sqlite:///{tmp_path / f'store{next(made)}.db'}"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=populations)
def test_a_batch_of_learners_settles_as_they_would_one_at_a_time(
    population: list[list[Made]], sqlite_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_at_a_time = settled(sqlite_stores(), population, 1, monkeypatch)
    assert settled(sqlite_stores(), population, 3, monkeypatch) == one_at_a_time


def test_batched_on_either_database_as_one_at_a_time(
    store_url: str, sqlite_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    population = [[(0, 10, True), (3, 400, False)], [(1, 20, False)], [(4, 5, False)], [(2, 700, True), (0, 30, False)]]
    one_at_a_time = settled(sqlite_stores(), population, 1, monkeypatch)
    batched = settled(store_url, population, 200, monkeypatch)
    assert batched == one_at_a_time
    assert {row[2] for row in batched["outbox"]} >= {"certified", "revoked"}
