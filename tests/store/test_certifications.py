"""Completions and the change log as the store reads them back: a learner's completions, and changes in order."""

from __future__ import annotations

import pytest

from lrs_adapter.store import Database
from lrs_adapter.store.certifications import (
    COMPLETION_COLUMNS,
    append_changes,
    changes_after,
    completions_of,
    replace_completions,
    settled_change,
)


def completion(id_: str, completed_at: str, *, counted: int, reason: str | None = None) -> dict[str, object]:
    record: dict[str, object] = dict.fromkeys(COMPLETION_COLUMNS)
    record |= {
        "id": id_,
        "option_id": "course",
        "completed_at": completed_at,
        "completed_on": completed_at[:10],
        "evidence_ids": "[]",
        "statement_ids": "[]",
        "sources": "[]",
        "counted": counted,
        "reason": reason,
    }
    return record


def test_completions_of_a_learner_every_certification_oldest_first(db: Database) -> None:
    with db.transaction():
        replace_completions(
            db,
            [
                ("p1", "fire", [completion("b", "2025-02-01T09:00:00Z", counted=1)]),
                ("p1", "first-aid", [completion("a", "2025-01-01T09:00:00Z", counted=0, reason="too early")]),
                ("p2", "fire", [completion("c", "2024-01-01T09:00:00Z", counted=1)]),
            ],
            "now",
        )
    found = completions_of(db, "p1")
    assert [(c.id, c.certification, c.counted, c.reason) for c in found] == [
        ("a", "first-aid", 0, "too early"),
        ("b", "fire", 1, None),
    ]
    assert found[0].completed_on == "2025-01-01"
    assert completions_of(db, "nobody") == []


def test_changes_after_a_seq_of_one_kind_in_order(db: Database) -> None:
    with db.transaction():
        append_changes(db, [("p1", "fire", "x1", {"n": 1}), ("p1", "fire", "p1|fire", {"status": "green"})], "now")
    with db.transaction():
        append_changes(db, [("p1", "fire", "x2", None)], "now")
    completions = changes_after(db, "completion", after=0)
    assert [(c.subject, c.record) for c in completions] == [("x1", '{"n":1}'), ("x2", None)]
    first = completions[0]
    found = settled_change(db, first.seq)
    assert found is not None
    writer = None if found.writer_xid is None else str(found.writer_xid)
    assert [c.subject for c in changes_after(db, "completion", after=first.seq, writer=writer)] == ["x2"]
    assert [c.subject for c in changes_after(db, "completion", after=0, limit=1)] == ["x1"]
    assert [c.subject for c in changes_after(db, "state", after=0)] == ["p1|fire"]


@pytest.mark.parametrize("seq", [0, 999])
def test_settled_change_is_none_for_no_row(db: Database, seq: int) -> None:
    assert settled_change(db, seq) is None
