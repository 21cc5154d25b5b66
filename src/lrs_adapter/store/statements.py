"""Statements seen, by id: new ones stored, repeats counted, changed repeats recorded as conflicts, voids applied.

Called inside the transaction that also moves the connector's cursor, so a page is either wholly taken in, cursor
and all, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lrs_adapter.model.statements import Accepted
from lrs_adapter.store.database import Database, rows_in

#: Keeps `IN (...)` lists under every database's limit on parameters.
CHUNK = 500


@dataclass
class SaveCounts:
    new: int = 0
    duplicate: int = 0
    conflicts: int = 0
    voided: int = 0


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


def _lookup(db: Database, sql: str, keys: Sequence[str]) -> dict[str, str]:
    """`sql` selects two columns, a key and its value: each row is a (key, value) pair for the dict."""
    found: dict[str, str] = {}
    for chunk in _chunks(keys):
        marks = ",".join("?" * len(chunk))
        found.update(db.execute(sql.format(marks=marks), tuple(chunk)))
    return found


def save_statements(
    db: Database, accepted: Sequence[Accepted], *, connector: str, run_id: int, received_at: str
) -> SaveCounts:
    """Store a batch; the same id again is a no-op, the same id with other content a conflict kept for review."""
    counts = SaveCounts()
    by_id: dict[str, Accepted] = {}
    for item in accepted:
        if item.id in by_id:  # the same statement twice in one batch (an overlap or a page boundary)
            if by_id[item.id].content_hash == item.content_hash:
                counts.duplicate += 1
            else:
                counts.conflicts += 1
                _record_conflict(db, item, by_id[item.id].content_hash, connector, run_id, received_at)
            continue
        by_id[item.id] = item
    known = stored_hashes(db, list(by_id))
    fresh = [item for item in by_id.values() if item.id not in known]
    for item in by_id.values():
        if item.id in known:
            if known[item.id] == item.content_hash:
                counts.duplicate += 1
            else:
                counts.conflicts += 1
                _record_conflict(db, item, known[item.id], connector, run_id, received_at)
    voided = _lookup(db, "SELECT target_id, voiding_id FROM voids WHERE target_id IN ({marks})", [i.id for i in fresh])
    db.executemany(
        "INSERT INTO statements (id, connector, learner, verb_id, object_type, object_id, registration, timestamp,"
        " stored, voids, voided_by, content_hash, raw, run_id, received_at, facts)"
        # Another connector's run may insert the same statement concurrently (PostgreSQL): first one wins.
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        [
            (
                item.id,
                connector,
                item.learner,
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
            for item in fresh
        ],
    )
    counts.new = len(fresh)
    voiding = [(item.voids, item.id) for item in fresh if item.voids]
    if voiding:
        db.executemany("INSERT INTO voids (target_id, voiding_id) VALUES (?, ?) ON CONFLICT DO NOTHING", voiding)
        db.executemany(
            "UPDATE statements SET voided_by = ? WHERE id = ? AND voided_by IS NULL AND voids IS NULL",
            [(voiding_id, target) for target, voiding_id in voiding],
        )
        counts.voided = len(voiding)
    _mark_for_mapping(db, [item.learner for item in fresh], [target for target, _ in voiding])
    return counts


def _mark_for_mapping(db: Database, learners: list[str | None], voided_targets: list[str]) -> None:
    """Queue, in the page's own transaction, every learner whose history just changed, so none is missed."""
    keys = {learner for learner in learners if learner}
    if voided_targets:
        keys |= set(_lookup(db, "SELECT learner, id FROM statements WHERE id IN ({marks})", voided_targets)) - {None}
    db.executemany(
        "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING", [(key,) for key in sorted(keys)]
    )


def _record_conflict(
    db: Database, item: Accepted, stored_hash: str, connector: str, run_id: int, received_at: str
) -> None:
    db.execute(
        "INSERT INTO statement_conflicts (statement_id, connector, run_id, stored_hash, new_hash, raw, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (item.id, connector, run_id, stored_hash, item.content_hash, item.raw, received_at),
    )


def stored_hashes(db: Database, ids: Sequence[str]) -> dict[str, str]:
    """The content hash of each statement of `ids` the store holds: a statement met again is the same one when its
    hash is equal."""
    return _lookup(db, "SELECT id, content_hash FROM statements WHERE id IN ({marks})", ids)


def statement_count(db: Database) -> int:
    """How many statements the store holds (a restore asks before replacing them, and reports what it brought)."""
    row = db.one("SELECT COUNT(*) AS held FROM statements")
    return int(row.held) if row else 0


def statement_origins(db: Database, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(connector, stored) of each statement of `ids` the store holds: where a feed record's evidence came from."""
    rows = rows_in(db, "SELECT id, connector, stored FROM statements WHERE id IN ({})", sorted(ids))
    return {row.id: (row.connector, row.stored) for row in rows}
