"""The outbox: one delivery per configured sink for every certification event.

Deliveries are written in the transaction that changes the certification, so a change is never committed without
its deliveries, nor a delivery without its change. A delivery is marked delivered in its own commit right after
the sink acknowledged it, so a killed push re-sends at most the one delivery in flight; every sink makes a re-send
harmless (deterministic statement ids, newer-wins documents, event ids a receiver can drop duplicates by).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lrs_adapter.model.contract import NOT_ON_ROSTER, LearnerFacts
from lrs_adapter.model.events import Event
from lrs_adapter.store.database import Database, Row, matching, rows_in
from lrs_adapter.store.learners import MAILTO

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
#: HELD: its learner is not on the roster (`[push] roster_only`): kept, in order, and pending again as soon as the
#: roster knows them. DISCARDED: an administrator gave up on it (`outbox discard`, audited); it stays on record.
HELD, DISCARDED = "held", "discarded"
#: SUPERSEDED: not sent, because what it reported stopped being true before it went, to a sink that could not have
#: taken it back (pipeline/superseded.py); its last error says why.
SUPERSEDED = "superseded"
STATUSES = (PENDING, DELIVERED, DEAD, HELD, DISCARDED, SUPERSEDED)
#: What a discard may act on: everything not yet delivered.
UNDELIVERED = (PENDING, DEAD, HELD)

#: Each configured sink's name and the events it takes.
SinkEvents = Mapping[str, frozenset[str]]

COLUMNS = (
    "id, event_id, sink, event, learner, certification, payload, status, attempts, last_error, batch, created_at,"
    " attempted_at, delivered_at"
)


@dataclass(frozen=True)
class Delivery:
    id: int
    event_id: str
    sink: str
    event: str
    learner: str
    certification: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    batch: str | None
    created_at: str
    attempted_at: str | None
    delivered_at: str | None
    #: The learner as the roster stands when the delivery is sent, read by the push (`pipeline/push.py`), not
    #: stored: what the contract's certification-state record says of them (`model/contract.py`).
    facts: LearnerFacts = NOT_ON_ROSTER


def _delivery(row: Row) -> Delivery:
    """`row`: the outbox's `COLUMNS`, the fields of a `Delivery`."""
    return Delivery(**(row.as_dict() | {"payload": orjson.loads(row.payload)}))


def enqueue(db: Database, events: Sequence[Event], sinks: SinkEvents, now: str) -> int:
    rows = [
        (e.id, sink, e.kind, e.learner, e.certification, orjson.dumps(e.payload(now)).decode(), PENDING, now)
        for e in events
        for sink, kinds in sinks.items()
        if e.kind in kinds
    ]
    db.executemany(
        "INSERT INTO outbox (event_id, sink, event, learner, certification, payload, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def delivered_event_ids(db: Database, learners: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """The ids of the events delivered about `learners`, by sink and certification: what each receiver holds of
    them, for an erasure to name."""
    found: dict[tuple[str, str], list[str]] = {}
    rows = rows_in(
        db,
        "SELECT sink, certification, event_id FROM outbox WHERE status = ? AND learner IN ({}) ORDER BY id",
        learners,
        (DELIVERED,),
    )
    for row in rows:
        found.setdefault((row.sink, row.certification), []).append(row.event_id)
    return found


def written_deliveries(db: Database, sink: str, learners: Sequence[str]) -> list[Delivery]:
    """`sink`'s deliveries about `learners` already named into a file (`set_batch`): written out, or about to be."""
    return [
        _delivery(r)
        for r in rows_in(
            db,
            f"SELECT {COLUMNS} FROM outbox WHERE sink = ? AND batch IS NOT NULL AND learner IN ({{}}) ORDER BY id",
            learners,
            (sink,),
        )
    ]


def event_ids_of(db: Database, sink: str) -> set[str]:
    """The ids of every event ever put in the outbox for `sink`, delivered or not."""
    return {row.event_id for row in db.execute("SELECT event_id FROM outbox WHERE sink = ?", (sink,))}


def pending(db: Database, sink: str) -> list[Delivery]:
    """In the order the changes happened: a revocation must not overtake the certification it revokes."""
    return [
        _delivery(r)
        for r in db.execute(f"SELECT {COLUMNS} FROM outbox WHERE sink = ? AND status = ? ORDER BY id", (sink, PENDING))
    ]


def deliveries(
    db: Database, *, status: str | None = None, sink: str | None = None, learner: str | None = None, limit: int = 100
) -> list[Delivery]:
    where, params = matching({"status": status, "sink": sink, "learner": learner})
    return [
        _delivery(r)
        for r in db.execute(f"SELECT {COLUMNS} FROM outbox{where} ORDER BY id DESC LIMIT ?", (*params, limit))
    ]


def count_deliveries(
    db: Database, *, status: str | None = None, sink: str | None = None, learner: str | None = None
) -> int:
    """How many deliveries `deliveries` would list with no limit."""
    where, params = matching({"status": status, "sink": sink, "learner": learner})
    return int(db.execute(f"SELECT COUNT(*) FROM outbox{where}", params)[0][0])


def delivery(db: Database, delivery_id: int) -> Delivery | None:
    row = db.one(f"SELECT {COLUMNS} FROM outbox WHERE id = ?", (delivery_id,))
    return _delivery(row) if row else None


def mark_delivered(db: Database, ids: Sequence[int], now: str) -> None:
    with db.transaction():
        db.executemany(
            "UPDATE outbox SET status = ?, delivered_at = ?, attempted_at = ?, attempts = attempts + 1,"
            " last_error = NULL WHERE id = ?",
            [(DELIVERED, now, now, i) for i in ids],
        )


def mark_failed(db: Database, delivery_id: int, error: str, now: str, max_attempts: int) -> str:
    """Count the attempt; after `max_attempts` the delivery is dead-lettered. Returns its status now."""
    with db.transaction():
        row = db.one("SELECT attempts FROM outbox WHERE id = ?", (delivery_id,))
        attempts = (row.attempts if row else 0) + 1
        status = DEAD if attempts >= max_attempts else PENDING
        db.execute(
            "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, attempted_at = ? WHERE id = ?",
            (status, attempts, error[:2000], now, delivery_id),
        )
    return status


def mark_superseded(db: Database, why: Mapping[int, str], now: str) -> None:
    """Pending deliveries that will never be sent, each with why (kept on record, as `outbox list` shows)."""
    with db.transaction():
        db.executemany(
            "UPDATE outbox SET status = ?, last_error = ?, attempted_at = ? WHERE id = ? AND status = ?",
            [(SUPERSEDED, f"superseded: {reason}"[:2000], now, i, PENDING) for i, reason in why.items()],
        )


def set_batch(db: Database, ids: Sequence[int], batch: str) -> None:
    """Name the file a set of deliveries goes into before writing it, so a re-run rewrites that same file."""
    with db.transaction():
        db.executemany("UPDATE outbox SET batch = ? WHERE id = ?", [(batch, i) for i in ids])


def requeue(db: Database, ids: Sequence[int] | None) -> int:
    """Dead-lettered deliveries back to pending with a fresh count of attempts (all of them when `ids` is None)."""
    with db.transaction():
        if ids is None:
            rows = db.execute("SELECT id FROM outbox WHERE status = ?", (DEAD,))
            ids = [r.id for r in rows]
        db.executemany(
            "UPDATE outbox SET status = ?, attempts = 0 WHERE id = ? AND status = ?", [(PENDING, i, DEAD) for i in ids]
        )
    return len(ids)


def depth(db: Database) -> dict[str, dict[str, int]]:
    """Deliveries per sink and status."""
    counts: dict[str, dict[str, int]] = {}
    for sink, status, count in db.execute("SELECT sink, status, COUNT(*) FROM outbox GROUP BY sink, status"):
        counts.setdefault(sink, {})[status] = count
    return counts


def sink_totals(db: Database) -> list[Row]:
    """Per sink: deliveries pending, deliveries dead, and failed attempts (every attempt but a delivering one);
    (sink, pending, dead, failed_attempts), by sink."""
    return db.execute(
        "SELECT sink, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,"
        " SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead,"
        " SUM(CASE WHEN status = 'delivered' THEN attempts - 1 ELSE attempts END) AS failed_attempts"
        " FROM outbox GROUP BY sink ORDER BY sink"
    )


def hold_off_roster(db: Database, sink: str) -> None:
    """`sink`'s pending deliveries about anyone the roster does not know (listed now, a leaver, or added by hand)
    held; held ones about someone it now knows pending again (their ids keep them in the order they happened). An
    erasure's event is about no one (its learner is empty) and is never held."""
    with db.transaction():
        db.execute(
            "UPDATE outbox SET status = ? WHERE sink = ? AND status = ? AND learner <> ''"
            " AND NOT EXISTS (SELECT 1 FROM learners WHERE learners.id = outbox.learner)",
            (HELD, sink, PENDING),
        )
        db.execute(
            "UPDATE outbox SET status = ? WHERE sink = ? AND status = ?"
            " AND EXISTS (SELECT 1 FROM learners WHERE learners.id = outbox.learner)",
            (PENDING, sink, HELD),
        )


#: Why a mail sink's delivery is held: the roster gives its learner no work e-mail, or they left (`hold_unaddressed`).
NO_EMAIL = "held: the roster gives this learner no work e-mail; add one (work_email) and import the roster"
LEFT = "held: this learner has left (no longer on the roster): no e-mail goes to a leaver"


def hold_unaddressed(db: Database, sink: str) -> None:
    """A mail sink's pending deliveries about learners it cannot or must not write to held, with why as their last
    error (what `outbox list --status held` shows): the roster gives them no work e-mail (`NO_EMAIL`), or they
    are no longer on it (`LEFT`). Those held so whose learner is reachable again are pending again, in order. Run
    after `hold_off_roster`, which holds whoever the roster does not know at all."""
    has_email = "EXISTS (SELECT 1 FROM learner_identifiers i WHERE i.learner_id = outbox.learner AND i.ifi LIKE ?)"
    left = "EXISTS (SELECT 1 FROM learners l WHERE l.id = outbox.learner AND l.on_roster = 0)"
    mailto = f"{MAILTO}%"
    with db.transaction():
        db.execute(
            f"UPDATE outbox SET status = ?, last_error = NULL WHERE sink = ? AND status = ? AND last_error IN (?, ?)"
            f" AND {has_email} AND NOT {left}",
            (PENDING, sink, HELD, NO_EMAIL, LEFT, mailto),
        )
        for why, condition, params in ((LEFT, left, ()), (NO_EMAIL, f"NOT {has_email}", (mailto,))):
            db.execute(
                f"UPDATE outbox SET status = ?, last_error = ? WHERE sink = ? AND status = ? AND learner <> ''"
                f" AND {condition}",
                (HELD, why, sink, PENDING, *params),
            )


def release_held(db: Database, sink: str) -> None:
    """`[push] roster_only = false`: whatever was held for `sink` is pending again."""
    with db.transaction():
        db.execute("UPDATE outbox SET status = ? WHERE sink = ? AND status = ?", (PENDING, sink, HELD))


def held_count(db: Database, sink: str) -> int:
    row = db.one("SELECT COUNT(*) AS held FROM outbox WHERE sink = ? AND status = ?", (sink, HELD))
    return int(row.held) if row else 0


def held_learners(db: Database) -> list[Row]:
    """Learners whose deliveries are held because the roster does not know them: (learner, deliveries, sinks,
    since), most deliveries first."""
    return db.execute(
        "SELECT learner, COUNT(*) AS deliveries, COUNT(DISTINCT sink) AS sinks, MIN(created_at) AS since"
        " FROM outbox WHERE status = ? GROUP BY learner ORDER BY COUNT(*) DESC, learner",
        (HELD,),
    )


def undelivered(db: Database, *, sink: str | None = None, ids: Sequence[int] = ()) -> list[Delivery]:
    """The deliveries not yet delivered (pending, dead or held) of `sink`, or among `ids`, oldest first."""
    marks = ",".join("?" * len(UNDELIVERED))
    if sink is not None:
        rows = db.execute(
            f"SELECT {COLUMNS} FROM outbox WHERE sink = ? AND status IN ({marks}) ORDER BY id", (sink, *UNDELIVERED)
        )
    else:
        rows = rows_in(
            db,
            f"SELECT {COLUMNS} FROM outbox WHERE status IN ({marks}) AND id IN ({{}}) ORDER BY id",
            list(ids),
            UNDELIVERED,
        )
    return [_delivery(r) for r in rows]


def discard(db: Database, ids: Sequence[int], now: str, reason: str) -> None:
    """Inside the caller's transaction (with its audit entry): the deliveries marked discarded, the reason their
    last error, so `outbox list` says why they never went."""
    db.executemany(
        "UPDATE outbox SET status = ?, last_error = ?, attempted_at = ? WHERE id = ? AND status <> ?",
        [(DISCARDED, f"discarded: {reason}"[:2000], now, i, DELIVERED) for i in ids],
    )


def oldest_pending(db: Database) -> dict[str, str]:
    """When each sink's oldest pending delivery was put in the outbox, by sink (sinks with none left out)."""
    rows = db.execute(
        "SELECT sink, MIN(created_at) AS since FROM outbox WHERE status = ? GROUP BY sink ORDER BY sink", (PENDING,)
    )
    return {row.sink: row.since for row in rows}
