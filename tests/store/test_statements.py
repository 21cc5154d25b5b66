"""Statements by id on both stores: dedupe, conflicts, and voids whichever arrives first."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from lrs_adapter.model.statements import Accepted, content_hash
from lrs_adapter.pipeline.intake import take_in, take_in_text
from lrs_adapter.store import Database
from lrs_adapter.store.statement_keys import id_bytes
from lrs_adapter.store.statements import SaveCounts, save_statements, statement_count, statement_origins
from tests.helpers.factory import make_statement

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def accepted(statement: dict[str, Any]) -> Accepted:
    outcome = take_in(copy.deepcopy(statement), source="test", received_at=NOW)
    assert isinstance(outcome, Accepted), outcome
    return outcome


def voiding(target_id: str, i: int) -> dict[str, Any]:
    base = make_statement(i)
    return {
        "id": base["id"],
        "actor": base["actor"],
        "verb": {"id": VOIDED, "display": {"en-GB": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
        "timestamp": base["timestamp"],
    }


def save(db: Database, *statements: dict[str, Any]) -> SaveCounts:
    with db.transaction():
        return save_statements(db, [accepted(s) for s in statements], connector="c", run_id=1, received_at="now")


def voided_by(db: Database, statement_id: str) -> str | None:
    row = db.one("SELECT voided_by FROM statements WHERE id = ?", (id_bytes(statement_id),))
    assert row is not None
    voiding_id = row[0]
    assert voiding_id is None or isinstance(voiding_id, str), voiding_id
    return voiding_id


def test_new_then_duplicate_then_conflict(db: Database) -> None:
    first = make_statement(1)
    assert save(db, first).new == 1
    counts = save(db, first)
    assert (counts.new, counts.duplicate, counts.conflicts) == (0, 1, 0)
    changed = copy.deepcopy(first)
    changed["result"] = {"success": False}
    counts = save(db, changed)
    assert (counts.new, counts.duplicate, counts.conflicts) == (0, 0, 1)
    raw = db.one("SELECT raw FROM statements WHERE id = ?", (id_bytes(first["id"]),))
    assert raw is not None, "a conflict must never overwrite what was stored"
    assert '"success":false' not in raw[0], "a conflict must never overwrite what was stored"
    assert db.one("SELECT COUNT(*) FROM statement_conflicts WHERE statement_id = ?", (first["id"],)) == (1,)


def test_same_id_twice_in_one_batch(db: Database) -> None:
    first = make_statement(2)
    counts = save(db, first, first)
    assert (counts.new, counts.duplicate) == (1, 1)


def test_only_lrs_assigned_fields_differ_is_a_duplicate(db: Database) -> None:
    first = make_statement(3)
    save(db, first)
    again = copy.deepcopy(first) | {"stored": "2030-01-01T00:00:00Z", "authority": {"mbox": "mailto:lrs@x.org"}}
    assert save(db, again).duplicate == 1


def test_void_after_target(db: Database) -> None:
    target = make_statement(4)
    save(db, target)
    void = voiding(target["id"], 5)
    assert save(db, void).voided == 1
    assert voided_by(db, target["id"]) == void["id"]


def test_void_before_target(db: Database) -> None:
    target = make_statement(6)
    void = voiding(target["id"], 7)
    save(db, void)
    save(db, target)
    assert voided_by(db, target["id"]) == void["id"]


@pytest.mark.parametrize("void_first", [True, False])
def test_void_and_target_in_one_batch(db: Database, void_first: bool) -> None:
    target = make_statement(8)
    void = voiding(target["id"], 9)
    save(db, *((void, target) if void_first else (target, void)))
    assert voided_by(db, target["id"]) == void["id"]


def test_a_voiding_statement_cannot_be_voided(db: Database) -> None:
    target = make_statement(10)
    void = voiding(target["id"], 11)
    void_of_void = voiding(void["id"], 12)
    save(db, target, void, void_of_void)
    assert voided_by(db, void["id"]) is None
    assert voided_by(db, target["id"]) == void["id"]


def test_group_actor_is_stored_for_nobody(db: Database) -> None:
    statement = make_statement(13)
    statement["actor"] = {"objectType": "Group", "member": [statement["actor"]]}
    save(db, statement)
    assert db.one("SELECT learner_key FROM statements WHERE id = ?", (id_bytes(statement["id"]),)) == (None,)


def test_statement_count_and_origins(db: Database) -> None:
    assert statement_count(db) == 0
    first, second = make_statement(1), make_statement(2)
    save(db, first, second)
    assert statement_count(db) == 2
    origins = statement_origins(db, [first["id"], "no-such-id"])
    assert list(origins) == [first["id"]]
    assert origins[first["id"]][0] == "c"


def test_statements_taken_by_the_fast_path_still_meet_their_conflicts(db: Database) -> None:
    """The fast path keeps each statement's bytes as received, so the same statement sent again with other spacing,
    key order and `stored` is a duplicate (the content hash reads the parsed content), and a changed result is a
    conflict."""
    first = make_statement(7) | {"stored": "2026-01-05T11:00:00.000Z"}  # as an LRS serves it
    text = orjson.dumps(first)
    again = json.dumps(dict(reversed(list((first | {"stored": "2026-01-05T12:00:00.000Z"}).items()))), indent=2)
    changed = orjson.dumps(first | {"result": {"success": False}})
    rows = [take_in_text(raw, source="test", received_at=NOW) for raw in (text, again.encode(), changed)]
    assert all(isinstance(row, Accepted) for row in rows), rows
    assert rows[0].raw == text.decode(), "the raw text is kept as received"
    with db.transaction():
        counts = save_statements(db, rows, connector="c", run_id=1, received_at="now")  # type: ignore[arg-type]
    assert (counts.new, counts.duplicate, counts.conflicts) == (1, 1, 1)


def test_a_statement_met_again_is_hashed_only_then_and_its_conflict_found(db: Database) -> None:
    """The fast path hashes nothing; the store hashes a statement whose id it holds already, both the stored text and
    the new one, so a real conflict across pulls is still found and recorded with both hashes."""
    first = make_statement(21) | {"stored": "2026-01-05T11:00:00.000Z"}
    changed = first | {"result": {"success": False}}
    reordered = json.dumps(dict(reversed(list(first.items())))).encode()
    taken = [take_in_text(orjson.dumps(s), source="test", received_at=NOW) for s in (first, changed)]
    taken.append(take_in_text(reordered, source="test", received_at=NOW))
    rows = [row for row in taken if isinstance(row, Accepted)]
    assert [row.content_hash for row in rows] == [None, None, None], "the fast path computes no hash"
    for row in rows:
        with db.transaction():
            save_statements(db, [row], connector="c", run_id=1, received_at="now")
    assert db.one("SELECT content_hash FROM statements") == (None,), "nothing hashed for a statement met once"
    conflicts = db.execute("SELECT statement_id, stored_hash, new_hash FROM statement_conflicts")
    assert conflicts == [(first["id"], content_hash(first), content_hash(changed))]


def test_an_uppercase_id_and_its_lowercase_twin_are_one_statement(db: Database) -> None:
    """Intake lower-cases ids, and the store keys them by their 16 bytes: the text an LRS wrote does not matter."""
    first = make_statement(22)
    save(db, first, first | {"id": first["id"].upper()})
    assert statement_count(db) == 1
    assert list(statement_origins(db, [first["id"]])) == [first["id"]]
