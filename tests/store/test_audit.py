"""The audit trail in the store: appended with its change and gone with it when the change rolls back, read back
filtered by learner, by day and from an entry on."""

from __future__ import annotations

from datetime import date

import pytest

from lrs_adapter.store import Database
from lrs_adapter.store.audit import append_audit, list_audit


def test_entries_are_read_back_in_order_with_their_before_and_after(db: Database) -> None:
    with db.transaction():
        append_audit(db, actor="ann", action="roster.import", at="2026-11-01T09:00:00.000000Z", after={"added": 3})
        append_audit(
            db,
            actor="bob",
            action="exempt",
            at="2026-11-20T09:00:00.000000Z",
            learner="P00001",
            reason="long-term leave",
            before={"status": "amber"},
            after={"status": "exempt", "until": "2027-03-01"},
        )
    everything = list_audit(db)
    assert [(e.actor, e.action) for e in everything] == [("ann", "roster.import"), ("bob", "exempt")]
    assert everything[0].before is None
    assert everything[0].after == {"added": 3}
    assert everything[1].before == {"status": "amber"}
    assert everything[1].reason == "long-term leave"
    assert [e.action for e in list_audit(db, learner="P00001")] == ["exempt"]
    assert [e.action for e in list_audit(db, since=date(2026, 11, 20))] == ["exempt"]
    assert list_audit(db, since=date(2026, 11, 21)) == []
    assert [e.action for e in list_audit(db, after=everything[0].id)] == ["exempt"]
    assert [e.action for e in list_audit(db, limit=1)] == ["roster.import"]


def test_an_entry_goes_with_its_rolled_back_change(db: Database) -> None:
    def change_that_fails() -> None:
        with db.transaction():
            append_audit(db, actor="ann", action="remap", at="2026-11-01T09:00:00.000000Z")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        change_that_fails()
    assert list_audit(db) == []
