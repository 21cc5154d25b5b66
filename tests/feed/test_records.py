"""Feed records against their JSON Schemas: a completion, one not counted, a tombstone, a certification state with
the roster's facts, and an erasure's tombstones (version 2), which name no one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lrs_adapter.feed.changes import read_changes
from lrs_adapter.feed.records import feed_records
from lrs_adapter.store import Database
from lrs_adapter.store.erasure import erase
from tests.helpers.changelog import settle, sync
from tests.helpers.contract import schema_of, validator
from tests.helpers.prevent import HOME, IRI, PASSED, SATISFIED, statement, voiding

COMPLETION, CERTIFICATION = validator("completion-v2.schema.json"), validator("certification-v2.schema.json")


#: The change log's kinds and their schemas' names.
KINDS = {"completion": "completion", "state": "certification"}


def records(db: Database, kind: str, version: int = 2) -> list[dict[str, Any]]:
    return feed_records(db, read_changes(db, kind), version)


def test_completions_and_their_retraction_match_the_schema(db: Database) -> None:
    done = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    sync(db, done)
    sync(db, voiding(done))
    found = records(db, "completion")
    for record in found:
        COMPLETION.validate(record)
    first = found[0]
    assert first["schema_version"] == 2
    assert (first["option"], first["completed_on"], first["counted"], first["reason"]) == (
        "elearning",
        "2025-01-10",
        True,
        None,
    )
    assert first["source"] == {"connectors": ["c"], "statement_ids": [done["id"]], "records": []}
    assert first["recorded_at"] == "2026-06-01T00:00:00.000000Z"
    assert first["cycle_due_on"] == "2027-01-10"
    # Voided: the same completion again, not counted and why, never a silent disappearance.
    voided = found[-1]
    assert (voided["id"], voided["deleted"], voided["counted"], voided["reason"]) == (
        first["id"],
        False,
        False,
        "voided",
    )


def test_a_completion_that_no_longer_stands_is_a_tombstone(db: Database) -> None:
    sync(db, statement(SATISFIED, f"{IRI}/prevent-elearning"))
    subject = db.execute("SELECT subject FROM changes WHERE kind = 'completion'")[0][0]
    # What the evaluation writes when a completion is no longer among the engine's results: a NULL record.
    with db.transaction():
        db.execute(
            "INSERT INTO changes (learner, certification, kind, subject, record, changed_at)"
            " VALUES ('P00001', 'prevent', 'completion', ?, NULL, '2026-06-02T00:00:00.000000Z')",
            (subject,),
        )
    settle(db)
    tombstone = records(db, "completion")[-1]
    COMPLETION.validate(tombstone)
    assert (tombstone["id"], tombstone["deleted"]) == (subject, True)
    assert "option" not in tombstone


def test_a_certification_state_carries_the_certifying_statement_and_the_learners_place(db: Database) -> None:
    db.execute(
        "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
        " on_roster, updated_at) VALUES ('P00001', 'Ann', 'Highways', 'P00900', 'Admin', 0, NULL, NULL, 1, 'n')"
    )
    done = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    sync(db, done, statement(PASSED, f"{IRI}/prevent-elearning", learner="P00002"))
    found = {r["learner_id"]: r for r in records(db, "state")}
    for record in found.values():
        CERTIFICATION.validate(record)
    ann = found["P00001"]
    assert (ann["status"], ann["certified_on"], ann["due_on"], ann["window_opens_on"]) == (
        "green",
        "2025-01-10",
        "2027-01-10",
        "2026-07-10",
    )
    assert ann["certified_by"] == {"option": "elearning", "statement_ids": [done["id"]]}
    assert (ann["on_roster"], ann["manager"], ann["department"]) == (True, "P00900", "Highways")
    assert found["P00002"]["on_roster"] is False


@pytest.mark.parametrize("version", [2, 3])
def test_an_erasure_tombstones_every_record_of_the_person_by_seq_and_names_no_one(db: Database, version: int) -> None:
    sync(
        db,
        statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002", timestamp="2025-01-10T10:00:00Z"),
    )
    read = {kind: records(db, kind, version) for kind in ("completion", "state")}
    schemas = {kind: validator(f"{name}-v{version}.schema.json") for kind, name in KINDS.items()}
    with db.transaction():
        erase(db, "P00001", home_page=HOME, now="2026-06-02T00:00:00.000000Z")
    settle(db)
    for kind, schema in schemas.items():
        now = records(db, kind, version)
        erased_seqs = {r["seq"] for r in read[kind] if r["learner_id"] == "P00001"}
        assert erased_seqs
        # The person's records are no longer served under their seq; the others' are, unchanged.
        assert [r for r in now if "erased_seq" not in r] == [r for r in read[kind] if r["seq"] not in erased_seqs]
        tombstones = [r for r in now if "erased_seq" in r]
        assert {t["erased_seq"] for t in tombstones} == erased_seqs
        for tombstone in tombstones:
            schema.validate(tombstone)
            assert (tombstone["id"], tombstone["learner_id"], tombstone["deleted"]) == (None, None, True)
            assert "P00001" not in json.dumps(tombstone)


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("kind", ["completion", "certification"])
def test_the_schemas_refuse_a_record_missing_what_they_promise(kind: str, version: int) -> None:
    schema = validator(f"{kind}-v{version}.schema.json")
    record = {"schema_version": version, "seq": 1, "id": "x", "learner_id": "P1", "certification": "prevent"}
    record |= {"changed_at": "2026-06-01T00:00:00Z", "deleted": False}
    assert not schema.is_valid(record)
    assert schema.is_valid(record | {"deleted": True})
    erasure = record | {"id": None, "learner_id": None, "deleted": True, "erased_seq": 7}
    assert schema.is_valid(erasure)
    assert not schema.is_valid(erasure | {"learner_id": "P1"})  # an erasure's tombstone names no one
    assert not schema.is_valid(record | {"id": None, "deleted": True})  # nor is an id left out of any other record


@pytest.mark.parametrize("kind", ["completion", "certification"])
def test_version_2_describes_version_1_records_and_adds_only_the_erasure_tombstone(kind: str) -> None:
    old, new = validator(f"{kind}-v1.schema.json"), validator(f"{kind}-v2.schema.json")
    record = {"schema_version": 1, "seq": 1, "id": "x", "learner_id": "P1", "certification": "prevent"}
    record |= {"changed_at": "2026-06-01T00:00:00Z", "deleted": True}
    assert old.is_valid(record)
    assert new.is_valid(record | {"schema_version": 2})
    added = set(schema_of(f"{kind}-v2.schema.json")["properties"]) - set(
        schema_of(f"{kind}-v1.schema.json")["properties"]
    )
    assert added == {"erased_seq"}


def test_version_3_state_records_are_the_contracts_with_the_feeds_head(db: Database) -> None:
    db.execute(
        "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
        " on_roster, updated_at) VALUES ('P00001', 'Ann', 'Highways', 'P00900', 'Admin', 0, NULL, NULL, 1, 'n')"
    )
    sync(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    [ann] = records(db, "state", 3)
    validator("certification-v3.schema.json").validate(ann)
    assert (ann["schema_version"], ann["option"], ann["staff_group"], ann["manager"]) == (
        3,
        "elearning",
        "Admin",
        "P00900",
    )
    assert "certified_by" not in ann
    assert "contact" not in ann  # personal contact never goes into the feed
    [done] = records(db, "completion", 3)
    validator("completion-v3.schema.json").validate(done)
    assert without_version(done) == without_version(records(db, "completion", 2)[0])  # the same fields as version 2


def without_version(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "schema_version"}
