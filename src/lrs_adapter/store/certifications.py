"""Completions and certification states as stored, and the change log they feed.

Both are replaced whole per learner and certification in the settling transaction (pipeline/certify.py decides
what they are), so they always agree with the evidence they were computed from; every difference from what was
stored before is appended to the change log in the same transaction, in commit order, for the feed to read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson

from lrs_adapter.model.evidence import Evidence
from lrs_adapter.model.timestamps import read_timestamp
from lrs_adapter.store.database import Database, Row, rows_in
from lrs_adapter.store.learners import queue_key
from lrs_adapter.store.outbox import PENDING

#: What a completion record says, as the change log and the feed carry it.
COMPLETION_COLUMNS = (
    "id",
    "option_id",
    "completed_at",
    "completed_on",
    "evidence_ids",
    "statement_ids",
    "sources",
    "counted",
    "reason",
    "cycle_due_on",
)
STATE_COLUMNS = ("status", "certified_on", "due_on", "window_opens_on", "option_id", "evidence_ids", "exempt_until")

#: A change: the subject (a completion's id, or "learner|certification" for a state) and its new record (None: it
#: no longer stands).
Change = tuple[str, dict[str, Any] | None]
#: A change of one learner's for one certification: (learner, certification, subject, record), as logged.
LoggedChange = tuple[str, str, str, dict[str, Any] | None]
#: A learner and certification.
Subject = tuple[str, str]


def completion_records(db: Database, learner: str, certification: str) -> dict[str, dict[str, Any]]:
    """The learner's stored completion records for a certification, by id."""
    return completion_records_of_learners(db, [learner]).get((learner, certification), {})


def completion_records_of_learners(db: Database, learners: Sequence[str]) -> dict[Subject, dict[str, dict[str, Any]]]:
    """`completion_records` of each of `learners`, of every certification, by (learner, certification)."""
    found: dict[Subject, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows_in(
        db,
        f"SELECT learner, certification, {', '.join(COMPLETION_COLUMNS)} FROM completions WHERE learner IN ({{}})",
        learners,
    ):
        found[(row.learner, row.certification)][row.id] = dict(zip(COMPLETION_COLUMNS, row[2:], strict=True))
    return found


def replace_completions(
    db: Database, completions: Sequence[tuple[str, str, Sequence[dict[str, Any]]]], now: str
) -> None:
    """Each (learner, certification, records) of `completions`: the records stored in place of all that learner's
    completions for that certification."""
    db.executemany(
        "DELETE FROM completions WHERE learner = ? AND certification = ?",
        [(learner, certification) for learner, certification, _ in completions],
    )
    db.executemany(
        f"INSERT INTO completions ({', '.join(COMPLETION_COLUMNS)}, learner, certification, evaluated_at)"
        f" VALUES ({', '.join('?' * (len(COMPLETION_COLUMNS) + 3))})",
        [
            (*(r[column] for column in COMPLETION_COLUMNS), learner, certification, now)
            for learner, certification, records in completions
            for r in records
        ],
    )


def state_record(db: Database, learner: str, certification: str) -> dict[str, Any] | None:
    """The learner's stored state for a certification, keyed by `STATE_COLUMNS`; None when never evaluated."""
    return state_records_of(db, [learner]).get((learner, certification))


def state_records_of(db: Database, learners: Sequence[str]) -> dict[Subject, dict[str, Any]]:
    """`state_record` of each of `learners`, of every certification, by (learner, certification)."""
    rows = rows_in(
        db,
        f"SELECT learner, certification, {', '.join(STATE_COLUMNS)} FROM certification_states WHERE learner IN ({{}})",
        learners,
    )
    return {(row.learner, row.certification): dict(zip(STATE_COLUMNS, row[2:], strict=True)) for row in rows}


def state_records(db: Database, certification: str) -> list[tuple[str, dict[str, Any]]]:
    """Every learner's stored state for a certification, by learner."""
    rows = db.execute(
        f"SELECT learner, {', '.join(STATE_COLUMNS)} FROM certification_states WHERE certification = ?"
        " ORDER BY learner",
        (certification,),
    )
    return [(row.learner, dict(zip(STATE_COLUMNS, row[1:], strict=True))) for row in rows]


def save_states(
    db: Database, states: Sequence[tuple[str, str, dict[str, Any], str | None]], *, as_of: date, now: str
) -> None:
    """Each (learner, certification, state, next transition) of `states`: `state` keyed by `STATE_COLUMNS`; the next
    transition: the day the status changes with time alone."""
    db.executemany(
        "INSERT INTO certification_states (learner, certification, as_of, status, certified_on, due_on,"
        " window_opens_on, option_id, evidence_ids, exempt_until, next_transition, evaluated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (learner, certification) DO UPDATE SET"
        " as_of = excluded.as_of, status = excluded.status, certified_on = excluded.certified_on,"
        " due_on = excluded.due_on, window_opens_on = excluded.window_opens_on, option_id = excluded.option_id,"
        " evidence_ids = excluded.evidence_ids, exempt_until = excluded.exempt_until,"
        " next_transition = excluded.next_transition,"
        " evaluated_at = excluded.evaluated_at",
        [
            (learner, certification, as_of.isoformat(), *(state[c] for c in STATE_COLUMNS), next_transition, now)
            for learner, certification, state, next_transition in states
        ],
    )


def drop_state(db: Database, learner: str, certification: str, now: str) -> None:
    """The state and evidence of a learner who no longer stands apart (merged into another), tombstoned in the
    change log."""
    db.execute("DELETE FROM certification_states WHERE learner = ? AND certification = ?", (learner, certification))
    db.execute("DELETE FROM evidence WHERE learner = ? AND certification = ?", (learner, certification))
    append_changes(db, [(learner, certification, f"{learner}|{certification}", None)], now)


def append_changes(db: Database, changes: Sequence[LoggedChange], now: str) -> None:
    """`changes` appended to the change log in the order given (their seq follows it)."""
    db.executemany(
        "INSERT INTO changes (learner, certification, kind, subject, record, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                learner,
                certification,
                "state" if "|" in subject else "completion",
                subject,
                None if record is None else orjson.dumps(record).decode(),
                now,
            )
            for learner, certification, subject, record in changes
        ],
    )


def restate(db: Database, learners: Sequence[str], now: str) -> int:
    """Learners whose place on the roster changed with their state unchanged (their manager was erased): each of
    their states appended to the change log again, so that a consumer's copy of the record (which carries the
    manager) follows. Returns how many states."""
    rows = rows_in(
        db,
        f"SELECT learner, certification, {', '.join(STATE_COLUMNS)} FROM certification_states"
        " WHERE learner IN ({}) ORDER BY learner, certification",
        learners,
    )
    append_changes(
        db,
        [
            (
                row.learner,
                row.certification,
                f"{row.learner}|{row.certification}",
                dict(zip(STATE_COLUMNS, row[2:], strict=True)),
            )
            for row in rows
        ],
        now,
    )
    return len(rows)


def requeue_due(db: Database, today: date, home_page: str | None) -> int:
    """Status changes with time alone (a window opens, a due date passes): queue every learner whose stored state
    has a next transition on or before today, so that `sync` re-evaluates them."""
    learners = [
        row.learner
        for row in db.execute(
            "SELECT DISTINCT learner FROM certification_states WHERE next_transition <= ?", (today.isoformat(),)
        )
    ]
    keys = [queue_key(learner, home_page) for learner in learners]
    db.executemany("INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING", [(k,) for k in keys])
    return len(keys)


def stored_evidence(db: Database, learner: str, certification: str) -> list[Evidence]:
    rows = db.execute(f"{_EVIDENCE} WHERE learner = ? AND certification = ?", (learner, certification))
    return [_evidence(r) for r in rows]


def stored_evidence_of(db: Database, learners: Sequence[str]) -> dict[Subject, list[Evidence]]:
    """`stored_evidence` of each of `learners`, of every certification, by (learner, certification)."""
    found: dict[Subject, list[Evidence]] = defaultdict(list)
    for row in rows_in(db, f"{_EVIDENCE} WHERE learner IN ({{}})", learners):
        found[(row.learner, row.certification)].append(_evidence(row))
    return found


_EVIDENCE = (
    "SELECT id, learner, certification, option_id, component, instant, statement_ids, source, flags FROM evidence"
)


def _evidence(r: Row) -> Evidence:
    return Evidence(
        r.id,
        r.learner,
        r.certification,
        r.option_id,
        r.component,
        read_timestamp(r.instant),
        tuple(orjson.loads(r.statement_ids)),
        r.source,
        tuple(flag for flag in r.flags.split(",") if flag),
    )


def last_change(db: Database) -> int:
    """The change log's newest sequence number (0 when empty)."""
    row = db.one("SELECT COALESCE(MAX(seq), 0) AS seq FROM changes")
    return int(row.seq) if row else 0


def state_changes_since(db: Database, seq: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(learner, certification, new state record) of each state changed after `seq`, by learner and certification;
    a state tombstoned since is left out."""
    rows = db.execute(
        "SELECT learner, certification, record FROM changes WHERE seq > ? AND kind = 'state' AND record IS NOT NULL"
        " ORDER BY learner, certification",
        (seq,),
    )
    return [(row.learner, row.certification, orjson.loads(row.record)) for row in rows]


def record_at(db: Database, subject: str, seq: int) -> dict[str, Any] | None:
    """What the change log said of `subject` (a completion id, or "learner|certification") as of `seq`."""
    row = db.one("SELECT record FROM changes WHERE subject = ? AND seq <= ? ORDER BY seq DESC LIMIT 1", (subject, seq))
    return orjson.loads(row.record) if row and row.record else None


def completions_of(db: Database, learner: str) -> list[Row]:
    """Every completion of the learner's, of every certification, oldest first: id, certification, option_id,
    completed_at, completed_on, counted, reason, cycle_due_on, statement_ids and sources (JSON lists)."""
    return db.execute(
        "SELECT id, certification, option_id, completed_at, completed_on, counted, reason, cycle_due_on,"
        " statement_ids, sources FROM completions WHERE learner = ? ORDER BY completed_at, id",
        (learner,),
    )


#: Of the learner and certification of a row of `table`: `sink` has pending deliveries about them.
_PENDING_FOR = (
    " EXISTS (SELECT 1 FROM outbox WHERE outbox.sink = ? AND outbox.status = ?"
    " AND outbox.learner = {table}.learner AND outbox.certification = {table}.certification)"
)


def cycles_pending_for(db: Database, sink: str) -> list[Row]:
    """The counted completions (each the start of a certification cycle) of every learner and certification that
    `sink` has pending deliveries about: learner, certification, counted, cycle_due_on, evidence_ids."""
    return db.execute(
        "SELECT learner, certification, counted, cycle_due_on, evidence_ids FROM completions"
        " WHERE counted = 1 AND cycle_due_on IS NOT NULL AND" + _PENDING_FOR.format(table="completions"),
        (sink, PENDING),
    )


def completion_history(db: Database, learner: str, certification: str) -> list[Row]:
    """Every completion record the change log holds of the learner's for a certification, in the order they were
    recorded: learner, certification, subject (the completion's id), record (None: tombstoned)."""
    return [row for row in completion_histories(db, [learner]) if row.certification == certification]


def completion_histories(db: Database, learners: Sequence[str]) -> list[Row]:
    """`completion_history` of each of `learners`, of every certification, in the order recorded."""
    rows = rows_in(
        db,
        "SELECT seq, learner, certification, subject, record FROM changes"
        " WHERE kind = 'completion' AND learner IN ({})",
        learners,
    )
    return sorted(rows, key=lambda row: row.seq)  # chunks of learners each come in order; the lot in seq order


def completion_histories_pending_for(db: Database, sink: str) -> list[Row]:
    """`completion_history` of every learner and certification that `sink` has pending deliveries about."""
    return db.execute(
        "SELECT learner, certification, subject, record FROM changes"
        " WHERE kind = 'completion' AND" + _PENDING_FOR.format(table="changes") + " ORDER BY seq",
        (sink, PENDING),
    )


#: Rows no open PostgreSQL transaction can still precede (feed/changes.py explains the order).
_SETTLED = "writer_xid < pg_snapshot_xmin(pg_current_snapshot())"
_CHANGE_COLUMNS = "seq, learner, certification, kind, subject, record, changed_at, erases"
#: The kind of a change-log row an erasure emptied: served by neither feed, kept so that a consumer whose cursor is
#: its seq can still read on from it.
ERASED_ROW = "erased"


def tombstone_erased(db: Database, learners: Sequence[str], now: str) -> int:
    """Call in the erasure's transaction. Every change-log row of `learners` is told to consumers as erased: a
    tombstone appended, naming no one, only the seq of the row it erases (the ids a consumer holds name the person:
    `learner|certification`, and completion ids derived from the payroll number); then the row is emptied where it
    stands (no learner, subject or record; its kind `ERASED_ROW`), so its seq stays a valid cursor but is never
    served again. Returns the number of tombstones."""
    rows = rows_in(db, "SELECT seq, certification, kind FROM changes WHERE learner IN ({}) ORDER BY seq", learners)
    db.executemany(
        "INSERT INTO changes (learner, certification, kind, subject, record, changed_at, erases)"
        " VALUES ('', ?, ?, '', NULL, ?, ?)",
        [(row.certification, row.kind, now, row.seq) for row in rows],
    )
    db.executemany(
        "UPDATE changes SET learner = '', subject = '', record = NULL, kind = ? WHERE seq = ?",
        [(ERASED_ROW, row.seq) for row in rows],
    )
    return len(rows)


def settled_change(db: Database, seq: int) -> Row | None:
    """The change log's row `seq` with its writer's transaction id (`writer_xid`, None on SQLite); None when there
    is no such row, or (PostgreSQL) while a transaction still open could commit a row before it."""
    settled = f" AND {_SETTLED}" if db.dialect == "postgresql" else ""
    return db.one(f"SELECT writer_xid FROM changes WHERE seq = ?{settled}", (seq,))


def changes_after(
    db: Database, kind: str, *, after: int, writer: str | None = None, limit: int | None = None
) -> list[Row]:
    """Changes of one kind after the row `after` (0: from the start) in the order a reader can follow with one
    cursor: `seq` on SQLite; on PostgreSQL (writer, seq) over settled rows, `writer` being the `writer_xid` of row
    `after` (`settled_change`). Columns: seq, learner, certification, kind, subject, record, changed_at, erases
    (the seq an erasure tombstone erases; None for every other change)."""
    page = "" if limit is None else f" LIMIT {int(limit)}"
    if db.dialect == "sqlite":
        return db.execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE kind = ? AND seq > ? ORDER BY seq{page}", (kind, after)
        )
    if after == 0:
        return db.execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE kind = ? AND {_SETTLED} ORDER BY writer_xid, seq{page}",
            (kind,),
        )
    return db.execute(
        f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE kind = ? AND {_SETTLED}"
        f" AND (writer_xid, seq) > (CAST(? AS xid8), ?) ORDER BY writer_xid, seq{page}",
        (kind, writer, after),
    )
