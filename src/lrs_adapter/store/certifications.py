"""Evaluating a learner after mapping: the engine's completions (the unified completion record, each counted or not
and why) and certification state, stored for the feed and the reports to read.

Both are replaced whole per learner and certification, in the mapping's transaction, so they always agree with
the evidence they were computed from; every difference from what was stored before (a completion added, changed
or no longer standing, a state that moved) is appended to the change log in the same transaction, in commit
order, for the feed to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from lrs_adapter.mapping.mapper import evidence_id
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.events import Cycle
from lrs_adapter.model.evidence import HISTORY, Evidence
from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import Completion, Params, Piece, State, evaluate, local_date
from lrs_adapter.rules.events import certification_events, cycle_statement_id
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import queue_key
from lrs_adapter.store.outbox import SinkEvents, enqueue
from lrs_adapter.xapi.timestamps import format_instant, read_timestamp

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


def params_of(mapping: Mapping) -> Params:
    cert = mapping.certification
    return Params(cert.validity, cert.window, cert.first_due, cert.recertify_from, cert.time_zone)


def routes_of(mapping: Mapping) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The mapping's routes, plus the replaced LMS's history, which completes any option by itself."""
    return {option.id: (*option.routes, (HISTORY,)) for option in mapping.options.values()}


def evaluate_learner(
    mapping: Mapping,
    evidence: Sequence[Evidence],
    assigned_on: date | None,
    as_of: date,
    withdrawn: Sequence[Evidence] = (),
    exempt_until: date | None = None,
) -> tuple[State, list[Completion]]:
    def pieces(items: Sequence[Evidence]) -> list[Piece]:
        return [Piece(e.id, e.option, e.component, e.instant) for e in items]

    return evaluate(
        pieces(evidence),
        params=params_of(mapping),
        as_of=as_of,
        assigned_on=assigned_on,
        routes=routes_of(mapping),
        withdrawn=pieces(withdrawn),
        exempt_until=exempt_until,
    )


def save_certification(
    db: Database,
    mapping: Mapping,
    learner: str,
    evidence: Sequence[Evidence],
    assigned: date | None,
    *,
    as_of: date,
    now: str,
    withdrawn: Sequence[Evidence] = (),
    sinks: SinkEvents | None = None,
    exempt_until: date | None = None,
) -> State:
    """`assigned`: the roster's assignment date; `withdrawn`: what the learner's voided statements would have
    evidenced, reported as not counted, `voided`; `sinks`: where the certification events go (the outbox);
    `exempt_until`: the end of the learner's exemption from this certification, if any."""
    state, completions = evaluate_learner(mapping, evidence, assigned, as_of, withdrawn, exempt_until)
    certification = mapping.certification.id
    zone = ZoneInfo(mapping.certification.time_zone)
    sources = {e.id: (e.statement_ids, e.source) for e in [*evidence, *withdrawn]}
    records = {}
    for c in completions:
        record: dict[str, Any] = {
            "id": evidence_id(learner, certification, c.option, "(completion)", c.evidence),
            "option_id": c.option,
            "completed_at": format_instant(c.instant),
            "completed_on": local_date(c.instant, zone).isoformat(),
            "evidence_ids": orjson.dumps(c.evidence).decode(),
            "statement_ids": orjson.dumps([s for e in c.evidence for s in sources[e][0]]).decode(),
            "sources": orjson.dumps([sources[e][1] for e in c.evidence if sources[e][1]]).decode(),
            "counted": int(c.counted),
            "reason": c.reason,
            "cycle_due_on": _day(c.due_on),
        }
        records[record["id"]] = record
    before = {
        row[0]: dict(zip(COMPLETION_COLUMNS, row, strict=True))
        for row in db.execute(
            f"SELECT {', '.join(COMPLETION_COLUMNS)} FROM completions WHERE learner = ? AND certification = ?",
            (learner, certification),
        )
    }
    changes: list[tuple[str, dict[str, Any] | None]] = [
        (key, record) for key, record in records.items() if before.get(key) != record
    ]
    changes += [(key, None) for key in before if key not in records]  # a tombstone: it no longer stands
    db.execute("DELETE FROM completions WHERE learner = ? AND certification = ?", (learner, certification))
    db.executemany(
        f"INSERT INTO completions ({', '.join(COMPLETION_COLUMNS)}, learner, certification, evaluated_at)"
        f" VALUES ({', '.join('?' * (len(COMPLETION_COLUMNS) + 3))})",
        [(*(r[column] for column in COMPLETION_COLUMNS), learner, certification, now) for r in records.values()],
    )
    new_state = {
        "status": state.status,
        "certified_on": _day(state.certified_on),
        "due_on": _day(state.due_on),
        "window_opens_on": _day(state.window_opens_on),
        "option_id": state.option,
        "evidence_ids": orjson.dumps(state.evidence).decode(),
        "exempt_until": _day(state.exempt_until),
    }
    old = db.one(
        f"SELECT {', '.join(STATE_COLUMNS)} FROM certification_states WHERE learner = ? AND certification = ?",
        (learner, certification),
    )
    if old is None or dict(zip(STATE_COLUMNS, old, strict=True)) != new_state:
        changes.append((f"{learner}|{certification}", new_state))
    if sinks:
        window = mapping.certification.window
        events = certification_events(
            learner,
            certification,
            cycles_of(learner, certification, before.values(), window),
            cycles_of(learner, certification, records.values(), window),
            dict(zip(STATE_COLUMNS, old, strict=True)) if old else None,
            new_state,
        )
        enqueue(db, events, sinks, now)
    db.execute(
        "INSERT INTO certification_states (learner, certification, as_of, status, certified_on, due_on,"
        " window_opens_on, option_id, evidence_ids, exempt_until, next_transition, evaluated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (learner, certification) DO UPDATE SET"
        " as_of = excluded.as_of, status = excluded.status, certified_on = excluded.certified_on,"
        " due_on = excluded.due_on, window_opens_on = excluded.window_opens_on, option_id = excluded.option_id,"
        " evidence_ids = excluded.evidence_ids, exempt_until = excluded.exempt_until,"
        " next_transition = excluded.next_transition,"
        " evaluated_at = excluded.evaluated_at",
        (learner, certification, as_of.isoformat(), *new_state.values(), _day(state.next_transition), now),
    )
    db.executemany(
        "INSERT INTO changes (learner, certification, kind, subject, record, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                learner,
                certification,
                "state" if "|" in key else "completion",
                key,
                None if record is None else orjson.dumps(record).decode(),
                now,
            )
            for key, record in changes
        ],
    )
    return state


def cycles_of(learner: str, certification: str, records: Iterable[dict[str, Any]], window: Period) -> dict[str, Cycle]:
    """The counted completions, each the start of a certification cycle."""
    cycles = {}
    for r in records:
        if not r["counted"] or not r["cycle_due_on"]:
            continue
        evidence_ids = tuple(orjson.loads(r["evidence_ids"]))
        due_on = r["cycle_due_on"]
        opens = window.before(date.fromisoformat(due_on))
        cycle = Cycle(
            cycle_statement_id(learner, certification, due_on, evidence_ids),
            r["option_id"],
            r["completed_at"],
            r["completed_on"],
            due_on,
            opens.isoformat(),
            evidence_ids,
            tuple(orjson.loads(r["statement_ids"])),
            tuple(orjson.loads(r["sources"])),
        )
        cycles[cycle.statement_id] = cycle
    return cycles


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def requeue_due(db: Database, today: date, home_page: str | None) -> int:
    """Status changes with time alone (a window opens, a due date passes): queue every learner whose stored state
    has a next transition on or before today, so that `sync` re-evaluates them."""
    learners = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT learner FROM certification_states WHERE next_transition <= ?", (today.isoformat(),)
        )
    ]
    keys = [queue_key(learner, home_page) for learner in learners]
    db.executemany("INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING", [(k,) for k in keys])
    return len(keys)


def stored_evidence(db: Database, learner: str, certification: str) -> list[Evidence]:
    rows = db.execute(
        "SELECT id, option_id, component, instant, statement_ids, source, flags FROM evidence"
        " WHERE learner = ? AND certification = ?",
        (learner, certification),
    )
    return [
        Evidence(
            r[0],
            learner,
            certification,
            r[1],
            r[2],
            read_timestamp(r[3]),
            tuple(orjson.loads(r[4])),
            r[5],
            tuple(flag for flag in r[6].split(",") if flag),
        )
        for r in rows
    ]
