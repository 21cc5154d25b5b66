"""Mapping queued learners: evidence stored per learner, replaced whole, and withdrawn when its statement is voided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.store import Database
from lrs_adapter.store.database import Row
from lrs_adapter.store.evidence import statement_ids_of
from lrs_adapter.store.statements import save_statements
from tests.helpers.prevent import ATTENDED, HOME, IRI, RECEIVED, SATISFIED, statement, voiding

PREVENT = load_mapping(Path(__file__).resolve().parents[2] / "mappings" / "prevent.toml")
ANN = "P00001"


def pull(db: Database, *statements: dict[str, Any]) -> None:
    accepted = [take_in(dict(s), source="t", received_at=RECEIVED) for s in statements]
    assert all(isinstance(a, Accepted) for a in accepted)
    with db.transaction():
        save_statements(db, accepted, connector="c", run_id=1, received_at="now")  # type: ignore[arg-type]


def evidence(db: Database) -> list[Row]:
    return db.execute("SELECT learner, option_id, component FROM evidence ORDER BY learner, option_id, component")


def test_new_statements_queue_their_learners_and_mapping_empties_the_queue(db: Database) -> None:
    pull(
        db,
        statement(SATISFIED, f"{IRI}/prevent-elearning"),
        statement(ATTENDED, f"{IRI}/prevent-briefing", learner="P00002"),
    )
    counts = map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert (counts.learners, counts.evidence) == (2, 2)
    assert evidence(db) == [(ANN, "elearning", "satisfied"), ("P00002", "briefing", "attended")]
    assert db.execute("SELECT * FROM learners_to_map") == []
    assert map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME).learners == 0


def test_a_void_arriving_later_requeues_the_target_learner_and_withdraws_the_evidence(db: Database) -> None:
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning")
    pull(db, completion)
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert evidence(db) == [(ANN, "elearning", "satisfied")]
    void = voiding(completion)
    void["actor"] = {"mbox": "mailto:lms-admin@learning.example.gov.uk"}  # voided by an administrator
    pull(db, void)
    assert map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME).learners >= 1
    assert evidence(db) == []


def test_remapping_is_idempotent(db: Database) -> None:
    pull(db, statement(SATISFIED, f"{IRI}/prevent-elearning"))
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    first = db.execute("SELECT id FROM evidence")
    db.execute("INSERT INTO learners_to_map (learner) VALUES (?)", (f"account:{HOME} {ANN}",))
    map_queued(db, [PREVENT], "2026-06-02T00:00:00.000000Z", home_page=HOME)
    assert db.execute("SELECT id FROM evidence") == first


def test_a_voided_counted_completion_turns_the_learner_red_and_a_resend_under_a_new_id_back(db: Database) -> None:
    """DESIGN.md rule 5, through the store: the state follows the evidence, whichever arrives when."""
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    pull(db, completion)
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert db.one("SELECT status, certified_on, due_on FROM certification_states") == (
        "green",
        "2025-01-10",
        "2027-01-10",
    )
    assert db.one("SELECT counted, reason, completed_on FROM completions") == (1, None, "2025-01-10")
    void = voiding(completion)
    void["actor"] = {"mbox": "mailto:lms-admin@learning.example.gov.uk"}
    pull(db, void)
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert db.one("SELECT status, certified_on FROM certification_states") == ("none", None)
    assert db.execute("SELECT counted, reason FROM completions") == [(0, "voided")]  # kept, with why
    resent = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:01Z")  # a new id
    pull(db, resent)
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert db.one("SELECT status, certified_on FROM certification_states") == ("green", "2025-01-10")


def test_the_change_log_records_each_change_once_in_commit_order(db: Database) -> None:
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    pull(db, completion)
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    first = db.execute("SELECT seq, kind, record IS NULL FROM changes ORDER BY seq")
    assert [(kind, gone) for _, kind, gone in first] == [("completion", 0), ("state", 0)]
    db.execute("INSERT INTO learners_to_map (learner) VALUES (?)", (f"account:{HOME} {ANN}",))
    map_queued(db, [PREVENT], "2026-06-02T00:00:00.000000Z", home_page=HOME)
    assert db.execute("SELECT COUNT(*) FROM changes") == [(2,)], "nothing changed: nothing logged"
    void = voiding(completion)
    void["actor"] = {"mbox": "mailto:lms-admin@learning.example.gov.uk"}
    pull(db, void)
    map_queued(db, [PREVENT], "2026-06-03T00:00:00.000000Z", home_page=HOME)
    later = db.execute("SELECT kind, record FROM changes ORDER BY seq")[2:]
    assert sorted(kind for kind, _ in later) == ["completion", "state"]
    assert {kind: orjson.loads(record) for kind, record in later}["completion"]["reason"] == "voided"


def test_status_changes_with_time_alone_when_the_next_transition_comes(db: Database) -> None:
    from datetime import date

    from lrs_adapter.store.certifications import requeue_due

    pull(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert db.one("SELECT status, next_transition FROM certification_states") == ("green", "2026-07-10")
    assert requeue_due(db, date(2026, 7, 9), HOME) == 0  # the window has not opened yet: nobody to look at
    assert requeue_due(db, date(2026, 7, 10), HOME) == 1
    map_queued(db, [PREVENT], "2026-07-10T06:00:00.000000Z", home_page=HOME)
    assert db.one("SELECT status, as_of, next_transition FROM certification_states") == (
        "amber",
        "2026-07-10",
        "2027-01-11",
    )
    assert db.execute("SELECT kind FROM changes ORDER BY seq")[-1] == ("state",)


def test_statement_ids_of_stored_evidence(db: Database) -> None:
    with db.transaction():
        db.executemany(
            "INSERT INTO evidence (id, learner, certification, option_id, component, instant, statement_ids, mapped_at)"
            " VALUES (?, 'p1', 'c', 'o', 'k', 'now', ?, 'now')",
            [("e1", '["s1", "s2"]'), ("e2", "[]")],
        )
    assert statement_ids_of(db, {"e1", "e2", "e3"}) == {"e1": ["s1", "s2"], "e2": []}
