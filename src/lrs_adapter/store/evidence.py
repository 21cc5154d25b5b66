"""Mapping the learners whose history changed: read their statement facts, run the pure mapper, store evidence.

Each learner's evidence for a certification is replaced whole in one transaction with the removal of that
learner from the queue, so a killed run leaves every learner either mapped or still queued, never half done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import orjson

from lrs_adapter.mapping.mapper import map_learner
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.evidence import Evidence
from lrs_adapter.store.certifications import save_certification
from lrs_adapter.store.corrections import retracted_evidence, without_retracted
from lrs_adapter.store.database import Database
from lrs_adapter.store.exemptions import exempt_until
from lrs_adapter.store.learners import keys_of, queue_key, resolve, roster_facts
from lrs_adapter.store.outbox import SinkEvents
from lrs_adapter.store.recorded import recorded_completions
from lrs_adapter.xapi.facts import StatementFacts, from_row
from lrs_adapter.xapi.timestamps import format_instant

BATCH = 200


@dataclass
class MapCounts:
    learners: int = 0
    evidence: int = 0
    unresolved: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def learner_facts(db: Database, keys: Sequence[str]) -> list[StatementFacts]:
    """The facts of every statement made under any of one learner's identifiers."""
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        "SELECT id, learner, verb_id, object_id, registration, timestamp, stored, voided_by IS NOT NULL, facts"
        f" FROM statements WHERE learner IN ({marks}) AND voids IS NULL",
        tuple(keys),
    )
    return [from_row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]) for r in rows]


def save_evidence(db: Database, learner: str, certification: str, evidence: Sequence[Evidence], now: str) -> None:
    db.execute("DELETE FROM evidence WHERE learner = ? AND certification = ?", (learner, certification))
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


def map_queued(
    db: Database,
    mappings: Sequence[Mapping],
    now: str,
    *,
    home_page: str | None,
    as_of: date | None = None,
    sinks: SinkEvents | None = None,
) -> MapCounts:
    """Map and evaluate every queued identifier's learner with every mapping (as of `as_of`, by default the day of
    `now`), putting each certification event in the outbox for `sinks`. An identifier no learner answers to leaves
    the queue unmapped (`learners unresolved` lists it; a roster import that resolves it queues it again)."""
    as_of = as_of or date.fromisoformat(now[:10])
    counts = MapCounts()
    any_recorded = db.one("SELECT 1 FROM recorded_completions LIMIT 1") is not None
    any_retracted = db.one("SELECT 1 FROM retractions LIMIT 1") is not None
    done: set[str] = set()  # one learner may be queued under several identifiers, in different batches: once is enough
    while True:
        batch = [row[0] for row in db.execute("SELECT learner FROM learners_to_map ORDER BY learner LIMIT ?", (BATCH,))]
        if not batch:
            return counts
        with db.transaction():
            resolved = resolve(db, batch, home_page)
            for learner in sorted(set(resolved.values()) - done):
                done.add(learner)
                counts.learners += 1
                keys = sorted(set(keys_of(db, learner, home_page)) | {k for k, v in resolved.items() if v == learner})
                facts = learner_facts(db, keys)
                no_it_access, assigned = roster_facts(db, learner)
                # What voided statements would have evidenced: reported as completions not counted, `voided`.
                voided = [replace(f, voided=False) for f in facts if f.voided]
                retracted = retracted_evidence(db, learner) if any_retracted else set()
                for mapping in mappings:
                    recorded = recorded_completions(db, mapping.certification.id, keys) if any_recorded else []
                    evidence = map_learner(learner, facts, mapping, recorded=recorded, no_it_access=no_it_access)
                    evidence = without_retracted(evidence, retracted) if retracted else evidence
                    save_evidence(db, learner, mapping.certification.id, evidence, now)
                    withdrawn = map_learner(learner, voided, mapping) if voided else []
                    state = save_certification(
                        db,
                        mapping,
                        learner,
                        evidence,
                        assigned,
                        as_of=as_of,
                        now=now,
                        withdrawn=withdrawn,
                        sinks=sinks,
                        exempt_until=exempt_until(db, learner, mapping.certification.id),
                    )
                    counts.evidence += len(evidence)
                    counts.statuses[state.status] = counts.statuses.get(state.status, 0) + 1
            db.executemany("DELETE FROM learners_to_map WHERE learner = ?", [(key,) for key in batch])
        counts.unresolved += len(set(batch) - set(resolved))


def reevaluate(
    db: Database,
    learner: str,
    mappings: Sequence[Mapping],
    now: str,
    *,
    home_page: str | None,
    sinks: SinkEvents | None = None,
) -> MapCounts:
    """An administrator's change shows at once, through the same path as a sync (states, change log, outbox), not
    at the next sync: the learner is queued and the queue mapped (with anyone else already waiting in it)."""
    db.execute(
        "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING", (queue_key(learner, home_page),)
    )
    return map_queued(db, mappings, now, home_page=home_page, sinks=sinks)
