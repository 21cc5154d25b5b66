"""Component evidence as stored, the statement facts it is mapped from, and the queue of learners to map.

Each learner's evidence for a certification is replaced whole in one transaction with the removal of that
learner from the queue (pipeline/settle.py), so a killed run leaves every learner either mapped or still queued.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import orjson

from lrs_adapter.model.evidence import Evidence
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.statement_keys import WITH_STATEMENTS, id_text
from lrs_adapter.xapi.facts import StatementFacts, from_row


def learner_facts(db: Database, keys: Sequence[str]) -> list[StatementFacts]:
    """The facts of every statement made under any of one learner's identifiers."""
    by_key = facts_by_identifier(db, keys)
    return [f for key in keys for f in by_key.get(key, [])]


def facts_by_identifier(db: Database, keys: Sequence[str]) -> dict[str, list[StatementFacts]]:
    """The facts of every statement made under each of `keys` (many learners' identifiers), by identifier: a batch
    of learners read in a few queries, not one each."""
    rows = rows_in(
        db,
        "SELECT s.id, k.learner, s.verb_id, s.object_id, s.registration, s.timestamp, s.stored,"
        " s.voided_by IS NOT NULL AS voided, s.facts FROM statements s"
        " JOIN statement_learners k ON k.id = s.learner_key WHERE s.voids IS NULL AND k.learner IN ({})",
        sorted(set(keys)),
    )
    found: dict[str, list[StatementFacts]] = defaultdict(list)
    for r in rows:
        found[r.learner].append(
            from_row(
                id_text(r.id),
                r.learner,
                r.verb_id,
                r.object_id,
                r.registration,
                r.timestamp,
                r.stored,
                bool(r.voided),
                r.facts,
            )
        )
    return found


def save_evidence(db: Database, evidence: Sequence[Evidence], replacing: Sequence[tuple[str, str]], now: str) -> None:
    """`evidence` stored in place of all the evidence of each (learner, certification) of `replacing`."""
    db.executemany("DELETE FROM evidence WHERE learner = ? AND certification = ?", replacing)
    db.executemany(
        "INSERT INTO evidence (id, learner, certification, option_id, component, instant, statement_ids, mapped_at,"
        " source, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                e.id,
                e.learner,
                e.certification,
                e.option,
                e.component,
                format_instant(e.instant),
                orjson.dumps(e.statement_ids).decode(),
                now,
                e.source,
                ",".join(e.flags),
            )
            for e in evidence
        ],
    )


def queued(db: Database, limit: int) -> list[str]:
    """The next identifiers waiting in the queue of learners to map."""
    return [row.learner for row in db.execute("SELECT learner FROM learners_to_map ORDER BY learner LIMIT ?", (limit,))]


def dequeue(db: Database, keys: Sequence[str]) -> None:
    db.executemany("DELETE FROM learners_to_map WHERE learner = ?", [(key,) for key in keys])


def enqueue_learner(db: Database, key: str) -> None:
    db.execute("INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING", (key,))


def enqueue_everyone(db: Database) -> None:
    """Every identifier with statements or recorded completions, for a remap of the whole store."""
    db.execute(f"INSERT INTO learners_to_map (learner) {WITH_STATEMENTS} ON CONFLICT DO NOTHING")
    db.execute(
        "INSERT INTO learners_to_map (learner) SELECT DISTINCT learner_key FROM recorded_completions"
        " WHERE learner_key IS NOT NULL ON CONFLICT DO NOTHING"
    )


def any_recorded(db: Database) -> bool:
    return db.one("SELECT 1 FROM recorded_completions LIMIT 1") is not None


def any_retracted(db: Database) -> bool:
    return db.one("SELECT 1 FROM retractions LIMIT 1") is not None


def statement_ids_of(db: Database, evidence_ids: Iterable[str]) -> dict[str, list[str]]:
    """The statements each stored evidence of `evidence_ids` was mapped from: a feed record's sources."""
    rows = rows_in(db, "SELECT id, statement_ids FROM evidence WHERE id IN ({})", sorted(evidence_ids))
    return {row.id: orjson.loads(row.statement_ids) for row in rows}
