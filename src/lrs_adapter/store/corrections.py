"""Corrections: an administrator records a completion the sources missed, or withdraws one they got wrong (a
register row typed against the wrong person). A recorded completion is a recorded_completions row of kind
`correction`, mapped like a row of the replaced LMS's history; a withdrawal keeps everything it rests on and lists
its evidence here, which every evaluation leaves out, so the completion no longer stands (the feed tombstones it)
however often the learner is mapped again. Restoring a withdrawn completion removes its retraction: the next
evaluation finds the same evidence, so the same completion (the same id) stands again."""

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


@dataclass(frozen=True)
class Retraction:
    completion_id: str
    evidence_ids: tuple[str, ...]
    reason: str
    actor: str
    retracted_at: str


def retractions_of(db: Database, learner: str) -> list[Retraction]:
    """The learner's withdrawn completions, oldest withdrawal first."""
    rows = db.execute(
        "SELECT completion_id, evidence_id, reason, actor, retracted_at FROM retractions WHERE learner = ?"
        " ORDER BY retracted_at, completion_id, evidence_id",
        (learner,),
    )
    found: dict[str, Retraction] = {}
    for row in rows:
        before = found.get(row.completion_id)
        ids = (*before.evidence_ids, row.evidence_id) if before else (row.evidence_id,)
        found[row.completion_id] = Retraction(row.completion_id, ids, row.reason, row.actor, row.retracted_at)
    return list(found.values())


def unretract(db: Database, learner: str, completion_id: str) -> Retraction | None:
    """The completion's retraction removed (its evidence counts again from the next evaluation); what it was, or
    None when there was none."""
    found = [r for r in retractions_of(db, learner) if r.completion_id == completion_id]
    if not found:
        return None
    db.execute("DELETE FROM retractions WHERE learner = ? AND completion_id = ?", (learner, completion_id))
    return found[0]


def retracted_evidence(db: Database, learner: str) -> set[str]:
    return {row.evidence_id for row in db.execute("SELECT evidence_id FROM retractions WHERE learner = ?", (learner,))}


def without_retracted(evidence: Sequence[Evidence], retracted: set[str]) -> list[Evidence]:
    return [e for e in evidence if e.id not in retracted]
