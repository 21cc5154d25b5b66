"""Statements seen, by id: new ones stored, repeats counted, changed repeats recorded as conflicts, voids applied.

Called inside the transaction that also moves the connector's cursor, so a page is either wholly taken in, cursor
and all, or not at all. Rows are numbered in the order they arrive (`seq`), keyed by their id's 16 bytes, and refer
to their actor by number (store/statement_keys.py): a store of millions of statements appends at the end of the
table and its indexes stay small enough for the page cache.

A statement met again is compared with the stored one only then: its content hash (the statement without what an
LRS assigns) is computed from the stored text and the new text, so the millions of statements met once are never
hashed. The hash the slow path of intake computes (of what was received, before it filled in an id, `stored` or a
`timestamp`) is stored with the row, as is the hash of a statement an erasure rewrote, whose text no longer is the
one received.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson

from lrs_adapter.model.statements import Accepted, content_hash
from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.statement_keys import held_id, id_bytes, id_text, ids_bytes, learner_keys

#: The columns a new statement fills, with their PostgreSQL types (its pull copies them in binary: database.py).
COLUMNS = (
    ("id", "bytea"),
    ("connector", "text"),
    ("learner_key", "bigint"),
    ("verb_id", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("registration", "text"),
    ("timestamp", "text"),
    ("stored", "text"),
    ("voids", "text"),
    ("voided_by", "text"),
    ("content_hash", "text"),
    ("raw", "text"),
    ("run_id", "bigint"),
    ("received_at", "text"),
    ("facts", "text"),
)


@dataclass
class SaveCounts:
    new: int = 0
    duplicate: int = 0
    conflicts: int = 0
    voided: int = 0


@dataclass(frozen=True)
class Held:
    """A statement as the store holds it, for comparing with one met again."""

    content_hash: str | None  # when its text is not what was received (see the module's docstring)
    raw: str

    @property
    def digest(self) -> str:
        return self.content_hash if self.content_hash is not None else content_hash(orjson.loads(self.raw))


def held(item: Accepted) -> Held:
    return Held(item.content_hash, item.raw)


def differs(item: Accepted, stored: Held) -> bool:
    """Whether `item` is another statement under a stored one's id: equal text is the same statement, unequal
    text (another key order, another `stored`) is compared by content hash."""
    if item.content_hash is None and stored.content_hash is None and item.raw == stored.raw:
        return False
    return held(item).digest != stored.digest


def save_statements(
    db: Database, accepted: Sequence[Accepted], *, connector: str, run_id: int, received_at: str
) -> SaveCounts:
    """Store a batch; the same id again is a no-op, the same id with other content a conflict kept for review."""
    counts = SaveCounts()
    by_id: dict[bytes, Accepted] = {}
    again: list[tuple[Accepted, Held]] = []
    for item in accepted:
        key = id_bytes(item.id)
        if key in by_id:  # the same statement twice in one batch (an overlap or a page boundary)
            again.append((item, held(by_id[key])))
        else:
            by_id[key] = item
    stored = stored_statements(db, list(by_id))
    fresh = [(key, item) for key, item in by_id.items() if key not in stored]
    again += [(item, stored[key]) for key, item in by_id.items() if key in stored]
    for item, was in again:
        if differs(item, was):
            counts.conflicts += 1
            _record_conflict(db, item, was.digest, connector, run_id, received_at)
        else:
            counts.duplicate += 1
    voided: dict[str, str] = dict(
        rows_in(db, "SELECT target_id, voiding_id FROM voids WHERE target_id IN ({})", [i.id for _, i in fresh])
    )
    numbers = learner_keys(db, [item.learner for _, item in fresh if item.learner], add=True)
    db.insert_new(
        "statements",
        COLUMNS,
        [
            (
                key,
                connector,
                numbers[item.learner] if item.learner else None,
                item.verb_id,
                item.object_type,
                item.object_id,
                item.registration,
                item.timestamp,
                item.stored,
                item.voids,
                # A voiding statement cannot itself be voided (xAPI Data 2.3.2): the void is ignored.
                None if item.voids else voided.get(item.id),
                item.content_hash,
                item.raw,
                run_id,
                received_at,
                item.facts,
            )
            for key, item in fresh
        ],
        # Another connector's run may insert the same statement concurrently (PostgreSQL): first one wins.
        key="id",
    )
    counts.new = len(fresh)
    voiding = [(item.voids, item.id) for _, item in fresh if item.voids]
    if voiding:
        db.executemany("INSERT INTO voids (target_id, voiding_id) VALUES (?, ?) ON CONFLICT DO NOTHING", voiding)
        db.executemany(
            "UPDATE statements SET voided_by = ? WHERE id = ? AND voided_by IS NULL AND voids IS NULL",
            [(voiding_id, id_bytes(target)) for target, voiding_id in voiding],
        )
        counts.voided = len(voiding)
    _mark_for_mapping(db, [item.learner for _, item in fresh], [target for target, _ in voiding])
    return counts


def _mark_for_mapping(db: Database, learners: list[str | None], voided_targets: list[str]) -> None:
    """Queue, in the page's own transaction, every learner whose history just changed, so none is missed."""
    keys = {learner for learner in learners if learner}
    if voided_targets:
        keys |= {
            row.learner
            for row in rows_in(
                db,
                "SELECT k.learner FROM statements s JOIN statement_learners k ON k.id = s.learner_key"
                " WHERE s.id IN ({})",
                ids_bytes(voided_targets),
            )
        }
    db.insert_new("learners_to_map", [("learner", "text")], [(key,) for key in sorted(keys)], key="learner")


def _record_conflict(
    db: Database, item: Accepted, stored_hash: str, connector: str, run_id: int, received_at: str
) -> None:
    db.execute(
        "INSERT INTO statement_conflicts (statement_id, connector, run_id, stored_hash, new_hash, raw, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (item.id, connector, run_id, stored_hash, held(item).digest, item.raw, received_at),
    )


def stored_statements(db: Database, keys: Sequence[bytes]) -> dict[bytes, Held]:
    """Each statement of `keys` (ids' 16 bytes) the store holds, as it holds it: a statement met again is the same
    one when `differs` says it does not."""
    rows = rows_in(db, "SELECT id, content_hash, raw FROM statements WHERE id IN ({})", keys)
    return {bytes(row.id): Held(row.content_hash, row.raw) for row in rows}


def unchanged(db: Database, accepted: Sequence[Accepted]) -> set[str]:
    """The ids of `accepted` the store holds with the same content."""
    stored = stored_statements(db, ids_bytes(item.id for item in accepted))
    return {item.id for item in accepted if (was := stored.get(id_bytes(item.id))) and not differs(item, was)}


def statement_count(db: Database) -> int:
    """How many statements the store holds (a restore asks before replacing them, and reports what it brought)."""
    row = db.one("SELECT COUNT(*) AS held FROM statements")
    return int(row.held) if row else 0


def statement_origins(db: Database, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(connector, stored) of each statement of `ids` the store holds: where a feed record's evidence came from."""
    keys = [key for key in map(held_id, sorted(ids)) if key is not None]
    rows = rows_in(db, "SELECT id, connector, stored FROM statements WHERE id IN ({})", keys)
    return {id_text(row.id): (row.connector, row.stored) for row in rows}
