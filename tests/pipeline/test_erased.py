"""Statements of an erased person at intake (SQLite and PostgreSQL): a new one is held as a quarantine entry under
the erasure's id, with the reason and without the person; one the store already holds, pseudonymised by the
erasure, passes as the duplicate it is; everyone else's statements go through in page order."""

from __future__ import annotations

from typing import Any

import orjson

from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.erased import hold_erased
from lrs_adapter.pipeline.intake import take_in, take_in_text
from lrs_adapter.store import Database
from lrs_adapter.store.erasure import ERASED_HOME, erase
from lrs_adapter.store.erasure_log import remember_erasure
from lrs_adapter.store.statements import save_statements
from tests.helpers.prevent import HOME, IRI, RECEIVED, SATISFIED, statement
from tests.helpers.pushing import take

NAME = "Learner P00001"


def accepted(made: dict[str, Any]) -> Accepted:
    outcome = take_in(dict(made), source="t", received_at=RECEIVED)
    assert isinstance(outcome, Accepted)
    return outcome


def test_an_erased_persons_new_statement_is_held_without_them_and_an_erased_duplicate_passes(db: Database) -> None:
    before = statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2025-01-10T10:00:00Z")
    take(db, before)
    with db.transaction():
        erasure = remember_erasure(db, "P00001", home_page=HOME, action="learners.erase", at="2026-06-01T10:00:00Z")
        erase(db, "P00001", home_page=HOME, now="2026-06-01T10:00:00Z")
    after = statement(SATISFIED, f"{IRI}/prevent-wrap", learner="P00001", timestamp="2026-06-02T10:00:00Z")
    other = statement(SATISFIED, f"{IRI}/prevent-wrap", learner="P00002", timestamp="2026-06-02T10:00:00Z")
    page = [accepted(other), accepted(before), accepted(after)]

    with db.transaction():
        kept, held = hold_erased(db, page, source="page 1")
    assert [item.id for item in kept] == [other["id"], before["id"]]
    [entry] = held
    assert (entry.statement_id, entry.field, entry.source) == (after["id"], "actor", "page 1")
    assert entry.reason == erasure.reason
    raw = orjson.loads(entry.raw)
    assert raw["actor"] == {"objectType": "Agent", "account": {"homePage": ERASED_HOME, "name": f"erased-{erasure.id}"}}
    assert raw["object"] == after["object"]
    assert "P00001" not in entry.raw
    assert NAME not in entry.raw


def test_without_any_erasure_every_statement_goes_through(db: Database) -> None:
    page = [accepted(statement(SATISFIED, f"{IRI}/prevent-wrap", learner=p)) for p in ("P00001", "P00002")]
    with db.transaction():
        assert hold_erased(db, page, source="page 1") == (page, [])


def test_a_statement_the_fast_path_took_passes_again_after_the_erasure_rewrote_it(db: Database) -> None:
    """Stored unhashed (the fast path hashes nothing), then pseudonymised: the erasure keeps the hash of what was
    received, so the same text met again is the duplicate it is, not a new statement of the erased person."""
    made = statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2025-01-10T10:00:00Z")
    text = orjson.dumps(made | {"stored": "2025-01-10T10:00:01.000Z"})
    first = take_in_text(text, source="t", received_at=RECEIVED)
    assert isinstance(first, Accepted)
    assert first.content_hash is None
    with db.transaction():
        save_statements(db, [first], connector="c", run_id=1, received_at="then")
        remember_erasure(db, "P00001", home_page=HOME, action="learners.erase", at="2026-06-01T10:00:00Z")
        erase(db, "P00001", home_page=HOME, now="2026-06-01T10:00:00Z")
    again = take_in_text(text, source="t", received_at=RECEIVED)
    assert isinstance(again, Accepted)
    with db.transaction():
        assert hold_erased(db, [again], source="page 2") == ([again], [])
        counts = save_statements(db, [again], connector="c", run_id=2, received_at="now")
    assert (counts.new, counts.duplicate, counts.conflicts) == (0, 1, 0)
