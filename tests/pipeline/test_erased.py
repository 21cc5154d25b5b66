"""Statements of an erased person at intake (SQLite and PostgreSQL): a new one is held as a quarantine entry under
the erasure's id, with the reason and without the person; one the store already holds, pseudonymised by the
erasure, passes as the duplicate it is; everyone else's statements go through in page order."""

from __future__ import annotations

from typing import Any

import orjson

from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.erased import hold_erased
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.store import Database
from lrs_adapter.store.erasure import ERASED_HOME, erase
from lrs_adapter.store.erasure_log import remember_erasure
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
