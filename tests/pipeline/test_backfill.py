"""Backfilling a sink added later: it gets what it would hold had it been there all along, and nothing twice."""

from __future__ import annotations

from lrs_adapter.pipeline.backfill import backfill
from lrs_adapter.rules.events import EVENTS
from lrs_adapter.store import Database
from lrs_adapter.store.outbox import deliveries
from tests.helpers.prevent import IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import PREVENT, evaluate, take

NOW = "2026-06-01T00:00:00.000000Z"
ALL = frozenset(EVENTS)


def held(db: Database, sink: str) -> set[tuple[str, str]]:
    return {(d.event, d.event_id) for d in deliveries(db, sink=sink, limit=10_000)}


def test_a_late_sink_gets_the_standing_cycles_and_current_status_with_the_original_event_ids(db: Database) -> None:
    voided = statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2024-02-10T10:00:00Z")
    take(
        db,
        voided,
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002", timestamp="2025-01-10T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00003", timestamp="2024-03-01T10:00:00Z"),
    )
    evaluate(db, NOW, {"early": ALL})
    take(db, voiding(voided))
    evaluate(db, NOW, {"early": ALL})
    counts = backfill(db, [PREVENT], "late", ALL, NOW)
    # P00002 and P00003 certified (P00001's cycle was revoked: nothing to withdraw from a sink that never heard of
    # it), and P00003's current status: due 2026-03-01, overdue on 1 June.
    assert counts == {"certified": 2, "overdue": 1}
    late = held(db, "late")
    assert late <= held(db, "early")  # the original events, by their ids: a receiver that has one drops it
    assert {d.learner for d in deliveries(db, sink="late")} == {"P00002", "P00003"}
    assert backfill(db, [PREVENT], "late", ALL, NOW) == {}  # nothing twice


def test_a_sink_configured_from_the_start_lacks_nothing(db: Database) -> None:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW, {"early": ALL})
    assert backfill(db, [PREVENT], "early", ALL, NOW) == {}
