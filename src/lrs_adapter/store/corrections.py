"""Corrections: an administrator records a completion the sources missed, or withdraws one they got wrong (a
register row typed against the wrong person). A recorded completion is a recorded_completions row of kind
`correction`, mapped like a row of the replaced LMS's history; a withdrawal keeps everything it rests on and lists
its evidence here, which every evaluation leaves out, so the completion no longer stands (the feed tombstones it)
however often the learner is mapped again."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import orjson

from lrs_adapter.model.evidence import CORRECTION, Evidence
from lrs_adapter.store.database import Database


@dataclass(frozen=True)
class Correction:
    learner: str
    learner_key: str  # an identifier that resolves to the learner, as recorded rows are found by
    certification: str
    option: str
    completed_on: date
    reason: str
    actor: str


def add_correction(db: Database, correction: Correction, now: str) -> str:
    """The new row's id (the same correction recorded twice is one row)."""
    c = correction
    identity = f"{CORRECTION}|{c.learner}|{c.certification}|{c.option}|{c.completed_on.isoformat()}"
    row_id = hashlib.sha256(identity.encode()).hexdigest()[:32]
    name_row = db.one("SELECT name, department FROM learners WHERE id = ?", (c.learner,))
    name, department = (str(name_row.name), str(name_row.department)) if name_row else ("", "")
    db.execute(
        "INSERT INTO recorded_completions (id, certification, kind, option_id, learner_key, payroll_number, name,"
        " completed_on, recorded_by, department, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (
            row_id,
            c.certification,
            CORRECTION,
            c.option,
            c.learner_key,
            c.learner,
            name,
            c.completed_on.isoformat(),
            c.actor,
            department,
            f"correction by {c.actor}: {c.reason}",
            now,
        ),
    )
    return row_id


@dataclass(frozen=True)
class StoredCompletion:
    id: str
    certification: str
    option: str
    completed_on: str
    counted: bool
    evidence_ids: tuple[str, ...]


def completion_of(db: Database, learner: str, completion_id: str) -> StoredCompletion | None:
    row = db.one(
        "SELECT id, certification, option_id, completed_on, counted, evidence_ids FROM completions"
        " WHERE learner = ? AND id = ?",
        (learner, completion_id),
    )
    if row is None:
        return None
    evidence_ids = tuple(orjson.loads(row.evidence_ids))
    return StoredCompletion(row.id, row.certification, row.option_id, row.completed_on, bool(row.counted), evidence_ids)


def retract(db: Database, learner: str, completion: StoredCompletion, reason: str, actor: str, now: str) -> None:
    db.executemany(
        "INSERT INTO retractions (learner, evidence_id, completion_id, reason, actor, retracted_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(learner, e, completion.id, reason, actor, now) for e in completion.evidence_ids],
    )


def retracted_evidence(db: Database, learner: str) -> set[str]:
    return {row.evidence_id for row in db.execute("SELECT evidence_id FROM retractions WHERE learner = ?", (learner,))}


def without_retracted(evidence: Sequence[Evidence], retracted: set[str]) -> list[Evidence]:
    return [e for e in evidence if e.id not in retracted]
