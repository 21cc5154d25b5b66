"""The run log and the connectors' cursors.

A run row is written when the run starts (outcome `running`) and updated with each page in the page's own
transaction, so a killed run leaves a truthful row; the next run of that connector, holding its lock, marks such a
row `interrupted`.

Two stages write runs: a pull run per connector (`stage` `pull`) and a push run per sink (`stage` `push`, the
sink's name in `connector`, its deliveries in `delivered`...`held`). They share one table so that `runs` shows what
ran in the order it ran; every question about connectors (health, cursor lag, statement totals) asks of pull runs
only, so a sink and a connector may share a name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from lrs_adapter.model.statements import Cursor
from lrs_adapter.store.database import Database, Row, matching

PULL, PUSH = "pull", "push"
#: A push run's counts of deliveries: delivered; failed (its attempt failed, refused ones included); refused (on its
#: own merits); dead (dead-lettered by this run); waiting (not tried: behind a failure, or the sink stopped); held
#: (its learner is not on the roster, `[push] roster_only`).
PUSH_COUNTERS = ("delivered", "failed", "refused", "dead", "waiting", "held", "superseded")
COUNTERS = ("pages", "fetched", "new", "duplicate", "quarantined", "voided", "conflicts", "own")


@dataclass
class RunCounts:
    pages: int = 0
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    voided: int = 0
    conflicts: int = 0
    own: int = 0  # statements the adapter wrote itself (its results sink's), skipped

    def add(self, other: RunCounts) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Run:
    id: int
    connector: str
    source_kind: str
    started_at: str
    ended_at: str | None
    pages: int
    fetched: int
    new: int
    duplicate: int
    quarantined: int
    voided: int
    conflicts: int
    own: int
    cursor_before: str | None
    cursor_after: str | None
    outcome: str
    error_class: str | None
    error_message: str | None
    notes: str | None
    stage: str
    delivered: int
    failed: int
    refused: int
    dead: int
    waiting: int
    held: int
    superseded: int


RUN_COLUMNS = ", ".join(field.name for field in fields(Run))


def start_run(db: Database, connector: str, source_kind: str, now: str, cursor_before: str | None) -> int:
    with db.transaction():
        db.execute(
            "UPDATE runs SET outcome = 'interrupted', ended_at = COALESCE(ended_at, ?),"
            " error_message = COALESCE(error_message, 'the process stopped before the run ended')"
            " WHERE connector = ? AND stage = 'pull' AND outcome = 'running'",
            (now, connector),
        )
        row = db.one(
            "INSERT INTO runs (connector, source_kind, started_at, cursor_before, outcome)"
            " VALUES (?, ?, ?, ?, 'running') RETURNING id",
            (connector, source_kind, now, cursor_before),
        )
    assert row is not None
    return int(row.id)


def add_to_run(db: Database, run_id: int, counts: RunCounts, cursor_after: str | None) -> None:
    """Inside a page's transaction: the run row's counters move with the data they count."""
    db.execute(
        "UPDATE runs SET " + ", ".join(f"{name} = {name} + ?" for name in COUNTERS) + ","
        " cursor_after = COALESCE(?, cursor_after) WHERE id = ?",
        (*(getattr(counts, name) for name in COUNTERS), cursor_after, run_id),
    )


def finish_run(
    db: Database,
    run_id: int,
    *,
    now: str,
    outcome: str,
    error_class: str | None = None,
    error_message: str | None = None,
    notes: str | None = None,
) -> Run:
    with db.transaction():
        db.execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, error_class = ?, error_message = ?, notes = ? WHERE id = ?",
            (now, outcome, error_class, error_message, notes, run_id),
        )
    run = get_run(db, run_id)
    assert run is not None
    return run


def get_run(db: Database, run_id: int) -> Run | None:
    row = db.one(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
    return Run(*row) if row else None


def list_runs(
    db: Database, *, connector: str | None = None, limit: int = 20, failed: bool = False, stage: str | None = None
) -> list[Run]:
    """Newest first; `failed`: only runs that failed, were interrupted or (a push) stopped, what ops look for;
    `connector`: a connector's or a sink's name; `stage`: only pull or only push runs."""
    where, params = _runs_matching(connector, failed, stage)
    rows = db.execute(f"SELECT {RUN_COLUMNS} FROM runs{where} ORDER BY id DESC LIMIT ?", (*params, limit))
    return [Run(*row) for row in rows]


def count_runs(db: Database, *, connector: str | None = None, failed: bool = False, stage: str | None = None) -> int:
    """How many runs `list_runs` would list with no limit."""
    where, params = _runs_matching(connector, failed, stage)
    return int(db.execute(f"SELECT COUNT(*) FROM runs{where}", params)[0][0])


def _runs_matching(connector: str | None, failed: bool, stage: str | None) -> tuple[str, list[Any]]:
    failures = ("outcome IN ('failed', 'interrupted', 'stopped')",) if failed else ()
    return matching({"connector": connector or None, "stage": stage or None}, *failures)


def get_cursor(db: Database, connector: str) -> Cursor | None:
    row = db.one("SELECT position, basis FROM cursors WHERE connector = ?", (connector,))
    return Cursor(row.position, row.basis) if row else None


def set_cursor(db: Database, connector: str, cursor: Cursor, run_id: int, now: str) -> None:
    db.execute(
        "INSERT INTO cursors (connector, position, basis, run_id, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (connector) DO UPDATE SET position = excluded.position, basis = excluded.basis,"
        " run_id = excluded.run_id, updated_at = excluded.updated_at",
        (connector, cursor.position, cursor.basis, run_id, now),
    )


def run_counts(db: Database) -> list[Row]:
    """How many runs each connector has had with each outcome: (connector, outcome, runs), by connector."""
    return db.execute(
        "SELECT connector, outcome, COUNT(*) AS runs FROM runs WHERE stage = 'pull' GROUP BY connector, outcome"
        " ORDER BY connector, outcome"
    )


def statement_totals(db: Database) -> list[Row]:
    """Statements each connector's runs fetched, quarantined and skipped as the adapter's own, all runs together:
    (connector, fetched, quarantined, own), by connector."""
    return db.execute(
        "SELECT connector, SUM(fetched) AS fetched, SUM(quarantined) AS quarantined, SUM(own) AS own FROM runs"
        " WHERE stage = 'pull'"
        " GROUP BY connector ORDER BY connector"
    )


def last_ended(db: Database, outcomes: Sequence[str], connector: str | None = None) -> dict[str, str]:
    """When each connector's newest run with one of `outcomes` ended (only `connector`'s when given); a connector
    without such a run is left out."""
    marks = ",".join("?" * len(outcomes))
    where, params = (" AND connector = ?", (connector,)) if connector else ("", ())
    rows = db.execute(
        f"SELECT connector, MAX(ended_at) AS ended_at FROM runs WHERE stage = 'pull' AND outcome IN ({marks}){where}"
        " GROUP BY connector ORDER BY connector",
        (*outcomes, *params),
    )
    return {row.connector: row.ended_at for row in rows}


def last_outcome(db: Database, connector: str) -> str | None:
    """The outcome of the connector's newest finished run (None: it has none)."""
    row = db.one(
        "SELECT outcome FROM runs WHERE connector = ? AND stage = 'pull' AND outcome <> 'running'"
        " ORDER BY id DESC LIMIT 1",
        (connector,),
    )
    return row.outcome if row else None


def cursor_positions(db: Database) -> dict[str, str]:
    """Each connector's cursor position (the newest `stored` it has safely read, or an export file's), by
    connector."""
    rows = db.execute("SELECT connector, position FROM cursors ORDER BY connector")
    return {row.connector: row.position for row in rows}


def start_push_run(db: Database, sink: str, now: str) -> int:
    """A push to `sink` begins (under its push lock): a push run of it still `running` was killed, and says so."""
    with db.transaction():
        db.execute(
            "UPDATE runs SET outcome = 'interrupted', ended_at = COALESCE(ended_at, ?),"
            " error_message = COALESCE(error_message, 'the process stopped before the push ended')"
            " WHERE connector = ? AND stage = 'push' AND outcome = 'running'",
            (now, sink),
        )
        row = db.one(
            "INSERT INTO runs (connector, source_kind, stage, started_at, outcome) VALUES (?, 'sink', 'push', ?,"
            " 'running') RETURNING id",
            (sink, now),
        )
    assert row is not None
    return int(row.id)


def finish_push_run(
    db: Database,
    run_id: int,
    counts: Mapping[str, int],
    *,
    now: str,
    outcome: str,
    error_class: str | None = None,
    error_message: str | None = None,
) -> Run:
    """The push run's ending and its deliveries counted, keyed as `PUSH_COUNTERS` (each delivery's own outcome is
    already committed in the outbox, delivery by delivery)."""
    with db.transaction():
        db.execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, error_class = ?, error_message = ?, "
            + ", ".join(f"{name} = ?" for name in PUSH_COUNTERS)
            + " WHERE id = ?",
            (now, outcome, error_class, error_message, *(counts.get(name, 0) for name in PUSH_COUNTERS), run_id),
        )
    run = get_run(db, run_id)
    assert run is not None
    return run


def last_push_runs(db: Database) -> dict[str, Run]:
    """Each sink's newest finished push run, by sink."""
    rows = db.execute(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE id IN (SELECT MAX(id) FROM runs WHERE stage = 'push'"
        " AND outcome <> 'running' GROUP BY connector) ORDER BY connector"
    )
    return {row.connector: Run(*row) for row in rows}


def push_run_counts(db: Database) -> list[Row]:
    """How many push runs each sink has had with each outcome: (sink, outcome, runs), by sink."""
    return db.execute(
        "SELECT connector AS sink, outcome, COUNT(*) AS runs FROM runs WHERE stage = 'push'"
        " GROUP BY connector, outcome ORDER BY connector, outcome"
    )
