"""Shaping change-log entries into feed records (schema version 1), and reading what they refer to.

The change log holds what the engine decided; a consumer also needs where the evidence came from (connector, when
the LRS recorded it) and who the learner is in the organisation (on the roster, manager, department). Those are
looked up for a whole page at once; the learner's facts are as the roster stands when the feed is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lrs_adapter.feed.changes import Change
from lrs_adapter.store.database import Database
from lrs_adapter.store.evidence import statement_ids_of
from lrs_adapter.store.learners import roster_standings
from lrs_adapter.store.statements import statement_origins

#: 2: an erasure's tombstone (`erased_seq`, naming no one) joined the records; version 1 had none.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Origin:
    connector: str
    stored: str


@dataclass(frozen=True)
class LearnerFacts:
    on_roster: bool
    manager: str | None
    department: str | None


def _head(change: Change, id_: str) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "seq": change.seq,
        "id": id_,
        "learner_id": change.learner,
        "certification": change.certification,
        "changed_at": change.changed_at,
        "deleted": change.record is None,
    }


def erasure_tombstone(change: Change) -> dict[str, Any]:
    """An erased person's record, to be deleted by whoever holds it: known only by the seq it was read under, since
    every id a consumer holds for it (the payroll number, `learner|certification`, a completion id derived from
    them) would keep the person in the feed for ever."""
    return {
        "schema_version": SCHEMA_VERSION,
        "seq": change.seq,
        "id": None,
        "learner_id": None,
        "certification": change.certification,
        "changed_at": change.changed_at,
        "deleted": True,
        "erased_seq": change.erases,
    }


def completion_record(change: Change, origins: dict[str, Origin]) -> dict[str, Any]:
    """One completion as the feed carries it; `origins`: the stored statements it may rest on, by id."""
    record = _head(change, change.subject)
    if change.record is None:
        return record
    data = change.record
    statement_ids: list[str] = orjson.loads(data["statement_ids"])
    found = [origins[s] for s in statement_ids if s in origins]
    record.update(
        option=data["option_id"],
        completed_at=data["completed_at"],
        completed_on=data["completed_on"],
        recorded_at=max((o.stored for o in found), default=None),
        source={
            "connectors": sorted({o.connector for o in found}),
            "statement_ids": statement_ids,
            "records": orjson.loads(data["sources"]),
        },
        counted=bool(data["counted"]),
        reason=data["reason"],
        cycle_due_on=data["cycle_due_on"],
    )
    return record


def certification_record(
    change: Change, learners: dict[str, LearnerFacts], statements_of: dict[str, list[str]]
) -> dict[str, Any]:
    """One certification state; `statements_of`: the statement ids behind each piece of evidence, by evidence id."""
    record = _head(change, f"{change.learner}|{change.certification}")
    if change.record is None:
        return record
    data = change.record
    facts = learners.get(change.learner, LearnerFacts(False, None, None))
    evidence_ids: list[str] = orjson.loads(data["evidence_ids"])
    record.update(
        status=data["status"],
        exempt_until=data.get("exempt_until"),  # changes logged before exemptions existed have none
        status_as_of=change.changed_at[:10],
        certified_on=data["certified_on"],
        due_on=data["due_on"],
        window_opens_on=data["window_opens_on"],
        certified_by={
            "option": data["option_id"],
            "statement_ids": [s for e in evidence_ids for s in statements_of.get(e, [])],
        },
        on_roster=facts.on_roster,
        manager=facts.manager,
        department=facts.department,
    )
    return record


def feed_records(db: Database, changes: Sequence[Change]) -> list[dict[str, Any]]:
    """Records for a page of changes (of either kind), with everything they refer to read in a few queries."""
    completions = [c.record for c in changes if c.kind == "completion" and c.record]
    states = [c.record for c in changes if c.kind == "state" and c.record]
    statements = {s for data in completions for s in orjson.loads(data["statement_ids"])}
    origins = {id_: Origin(*origin) for id_, origin in statement_origins(db, statements).items()}
    statements_of = statement_ids_of(db, {e for data in states for e in orjson.loads(data["evidence_ids"])})
    learners = {
        r.id: LearnerFacts(bool(r.on_roster), r.manager, r.department)
        for r in roster_standings(db, {c.learner for c in changes if c.kind == "state"})
    }

    def record(change: Change) -> dict[str, Any]:
        if change.erases is not None:
            return erasure_tombstone(change)
        if change.kind == "completion":
            return completion_record(change, origins)
        return certification_record(change, learners, statements_of)

    return [record(c) for c in changes]
