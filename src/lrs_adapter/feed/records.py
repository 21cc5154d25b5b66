"""Shaping change-log entries into feed records, and reading what they refer to.

Version 3 (the default) is the contract's record (`model/contract.py`), the same the API and the webhook send, with
the feed's head (`seq`, `changed_at`, `deleted`); version 2 is still served on request until
`OLD_VERSIONS_UNTIL` (`feed export --schema-version 2`, the API's `?schema_version=1`).

The change log holds what the engine decided; a consumer also needs where the evidence came from (connector, when
the LRS recorded it) and who the learner is in the organisation (on the roster, manager, department). Those are
looked up for a whole page at once; the learner's facts are as the roster stands when the feed is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lrs_adapter.feed.changes import Change
from lrs_adapter.model import contract
from lrs_adapter.model.contract import CONTRACT_VERSION, NOT_ON_ROSTER, LearnerFacts
from lrs_adapter.store.certifications import completions_of
from lrs_adapter.store.database import Database
from lrs_adapter.store.evidence import statement_ids_of
from lrs_adapter.store.learners import learner_facts
from lrs_adapter.store.statements import statement_origins

#: 2: an erasure's tombstone (`erased_seq`, naming no one) joined the records; version 1 had none. 3: the contract.
SCHEMA_VERSION = 2
#: The versions a consumer may ask for.
VERSIONS = (SCHEMA_VERSION, CONTRACT_VERSION)


@dataclass(frozen=True)
class Origin:
    connector: str
    stored: str


def _head(change: Change, id_: str, version: int = SCHEMA_VERSION) -> dict[str, Any]:
    return {
        "schema_version": version,
        "seq": change.seq,
        "id": id_,
        "learner_id": change.learner,
        "certification": change.certification,
        "changed_at": change.changed_at,
        "deleted": change.record is None,
    }


def erasure_tombstone(change: Change, version: int = SCHEMA_VERSION) -> dict[str, Any]:
    """An erased person's record, to be deleted by whoever holds it: known only by the seq it was read under, since
    every id a consumer holds for it (the payroll number, `learner|certification`, a completion id derived from
    them) would keep the person in the feed for ever."""
    return {
        "schema_version": version,
        "seq": change.seq,
        "id": None,
        "learner_id": None,
        "certification": change.certification,
        "changed_at": change.changed_at,
        "deleted": True,
        "erased_seq": change.erases,
    }


def _completion(id_: str, learner: str, certification: str, data: Any, origins: dict[str, Origin]) -> dict[str, Any]:
    """The contract's completion record, with where its statements came from (`origins`: by statement id)."""
    found = [origins[s] for s in orjson.loads(data["statement_ids"]) if s in origins]
    return contract.completion(
        id_,
        learner,
        certification,
        data,
        connectors=sorted({o.connector for o in found}),
        recorded_at=max((o.stored for o in found), default=None),
    )


def completion_record(change: Change, origins: dict[str, Origin], version: int = CONTRACT_VERSION) -> dict[str, Any]:
    """One completion as the feed carries it; `origins`: the stored statements it may rest on, by id. Versions 2
    and 3 have the same fields."""
    record = _head(change, change.subject, version)
    if change.record is None:
        return record
    record |= _completion(change.subject, change.learner, change.certification, change.record, origins)
    return record | {"schema_version": version}


def _origins(db: Database, statement_ids: Iterable[str]) -> dict[str, Origin]:
    return {id_: Origin(*origin) for id_, origin in statement_origins(db, statement_ids).items()}


def learner_completions(db: Database, learner: str) -> list[dict[str, Any]]:
    """Every completion of the learner's as it stands, of every certification, oldest first: the contract's
    completion records (the API's `/learners/{id}`), without the feed's head."""
    rows = completions_of(db, learner)
    origins = _origins(db, {s for row in rows for s in orjson.loads(row.statement_ids)})
    return [_completion(row.id, learner, row.certification, row.as_dict(), origins) for row in rows]


def certification_record(
    change: Change, learners: dict[str, LearnerFacts], statements_of: dict[str, list[str]]
) -> dict[str, Any]:
    """One certification state in the contract's version; `statements_of` is read by version 2 only."""
    record = _head(change, f"{change.learner}|{change.certification}", CONTRACT_VERSION)
    if change.record is None:
        return record
    facts = learners.get(change.learner, NOT_ON_ROSTER)
    return record | contract.certification_state(
        change.learner, change.certification, change.record, status_as_of=change.changed_at[:10], facts=facts
    )


def certification_record_v2(
    change: Change, learners: dict[str, LearnerFacts], statements_of: dict[str, list[str]]
) -> dict[str, Any]:
    """One certification state as version 2 has it; `statements_of`: the statement ids behind each piece of
    evidence, by evidence id."""
    record = _head(change, f"{change.learner}|{change.certification}")
    if change.record is None:
        return record
    data = change.record
    facts = learners.get(change.learner, NOT_ON_ROSTER)
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


def feed_records(db: Database, changes: Sequence[Change], version: int = CONTRACT_VERSION) -> list[dict[str, Any]]:
    """Records for a page of changes (of either kind) in schema `version` (one of `VERSIONS`), with everything they
    refer to read in a few queries."""
    completions = [c.record for c in changes if c.kind == "completion" and c.record]
    states = [c.record for c in changes if c.kind == "state" and c.record]
    statements = {s for data in completions for s in orjson.loads(data["statement_ids"])}
    origins = _origins(db, statements)
    evidence = {e for data in states for e in orjson.loads(data["evidence_ids"])} if version < CONTRACT_VERSION else ()
    statements_of = statement_ids_of(db, evidence)
    learners = learner_facts(db, {c.learner for c in changes if c.kind == "state"})
    state_record = certification_record if version == CONTRACT_VERSION else certification_record_v2

    def record(change: Change) -> dict[str, Any]:
        if change.erases is not None:
            return erasure_tombstone(change, version)
        if change.kind == "completion":
            return completion_record(change, origins, version)
        return state_record(change, learners, statements_of)

    return [record(c) for c in changes]
