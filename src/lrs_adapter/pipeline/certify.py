"""Evaluating one learner for one certification after mapping: the engine's completions (the unified completion
record, each counted or not and why) and certification state, stored for the feed and the reports, every
difference from what was stored before appended to the change log, and each certification event put in the outbox.

The records and the diff are built here from pure parts (the engine, the events); the store only reads and writes
them, in the settling transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from lrs_adapter.mapping.mapper import evidence_id
from lrs_adapter.mapping.model import Mapping as CertificationMapping
from lrs_adapter.model.events import Cycle, Event
from lrs_adapter.model.evidence import HISTORY, Evidence
from lrs_adapter.model.period import Period
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.rules.engine import Completion, Params, Piece, State, evaluate, local_date
from lrs_adapter.rules.events import certification_events, cycle_statement_id, revocations
from lrs_adapter.store.certifications import (
    LoggedChange,
    append_changes,
    completion_histories,
    completion_history,
    completion_records_of_learners,
    replace_completions,
    save_states,
    state_records_of,
)
from lrs_adapter.store.database import Database, Row
from lrs_adapter.store.outbox import SinkEvents, enqueue


def params_of(mapping: CertificationMapping) -> Params:
    cert = mapping.certification
    return Params(cert.validity, cert.window, cert.first_due, cert.recertify_from, cert.time_zone)


def routes_of(mapping: CertificationMapping) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The mapping's routes, plus the replaced LMS's history, which completes any option by itself."""
    return {option.id: (*option.routes, (HISTORY,)) for option in mapping.options.values()}


def pieces_of(evidence: Sequence[Evidence]) -> list[Piece]:
    """The engine's view of evidence: what completed which component of which option, when."""
    return [Piece(e.id, e.option, e.component, e.instant) for e in evidence]


def evaluate_learner(
    mapping: CertificationMapping,
    evidence: Sequence[Evidence],
    assigned_on: date | None,
    as_of: date,
    withdrawn: Sequence[Evidence] = (),
    exempt_until: date | None = None,
) -> tuple[State, list[Completion]]:
    return evaluate(
        pieces_of(evidence),
        params=params_of(mapping),
        as_of=as_of,
        assigned_on=assigned_on,
        routes=routes_of(mapping),
        withdrawn=pieces_of(withdrawn),
        exempt_until=exempt_until,
    )


def completion_records_of(
    mapping: CertificationMapping, learner: str, completions: Sequence[Completion], evidence: Sequence[Evidence]
) -> dict[str, dict[str, Any]]:
    """The completion records (keyed as `COMPLETION_COLUMNS`) of the engine's completions, by id; `evidence`: all
    the pieces they may rest on, withdrawn ones included."""
    certification = mapping.certification.id
    zone = ZoneInfo(mapping.certification.time_zone)
    sources = {e.id: (e.statement_ids, e.source) for e in evidence}
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
    return records


def state_record_of(state: State) -> dict[str, Any]:
    """The state record (keyed as `STATE_COLUMNS`) of the engine's state."""
    return {
        "status": state.status,
        "certified_on": _day(state.certified_on),
        "due_on": _day(state.due_on),
        "window_opens_on": _day(state.window_opens_on),
        "option_id": state.option,
        "evidence_ids": orjson.dumps(state.evidence).decode(),
        "exempt_until": _day(state.exempt_until),
    }


@dataclass(frozen=True)
class Stored:
    """What the store holds of one learner's certification before it is evaluated again: the completion records by
    id, the state (None: never evaluated), and how many times each cycle was revoked (`revocations_by_learner`)."""

    completions: Mapping[str, dict[str, Any]]
    state: dict[str, Any] | None
    revoked: Mapping[str, int]


@dataclass(frozen=True)
class Outcome:
    """One learner's certification evaluated: what to store (`save_outcomes`) and the state the engine found."""

    learner: str
    certification: str
    state: State
    records: dict[str, dict[str, Any]]
    state_record: dict[str, Any]
    changes: list[LoggedChange]
    events: list[Event]


def stored_of(db: Database, learners: Sequence[str], *, revocations: bool) -> dict[tuple[str, str], Stored]:
    """`Stored` of each of `learners` for every certification, by (learner, certification), in a few queries for the
    lot; `revocations`: whether to read the change log's completion histories (only the events need them)."""
    completions = completion_records_of_learners(db, learners)
    states = state_records_of(db, learners)
    revoked = revocations_by_learner(completion_histories(db, learners)) if revocations else {}
    return {
        key: Stored(completions.get(key, {}), states.get(key), revoked.get(key, Counter()))
        for key in {*completions, *states, *revoked}
    }


def assess(
    mapping: CertificationMapping,
    learner: str,
    evidence: Sequence[Evidence],
    assigned: date | None,
    stored: Stored | None,
    *,
    as_of: date,
    withdrawn: Sequence[Evidence] = (),
    events: bool = False,
    exempt_until: date | None = None,
) -> Outcome:
    """Evaluate one learner's certification against what is stored (`stored`; None: nothing yet): the records, the
    change log's rows for every difference, and (`events`) the certification events. Pure: `save_outcomes` stores
    a batch of them. The arguments are `certify`'s."""
    stored = stored or Stored({}, None, Counter())
    state, completions = evaluate_learner(mapping, evidence, assigned, as_of, withdrawn, exempt_until)
    certification = mapping.certification.id
    records = completion_records_of(mapping, learner, completions, [*evidence, *withdrawn])
    before = stored.completions
    changes: list[LoggedChange] = [
        (learner, certification, key, record) for key, record in records.items() if before.get(key) != record
    ]
    changes += [(learner, certification, key, None) for key in before if key not in records]  # no longer stands
    new_state = state_record_of(state)
    if stored.state != new_state:
        changes.append((learner, certification, f"{learner}|{certification}", new_state))
    found: list[Event] = []
    if events:
        window, revoked = mapping.certification.window, stored.revoked  # this evaluation's changes not counted yet
        found = certification_events(
            learner,
            certification,
            cycles_of(learner, certification, before.values(), window, revoked),
            cycles_of(learner, certification, records.values(), window, revoked),
            stored.state,
            new_state,
        )
    return Outcome(learner, certification, state, records, new_state, changes, found)


def save_outcomes(
    db: Database, outcomes: Sequence[Outcome], sinks: SinkEvents | None, *, as_of: date, now: str
) -> None:
    """A batch of `assess`'s outcomes stored: completions, each event into the outbox for `sinks`, states, and the
    change log's rows, one statement per table, in the outcomes' order (the change log's seq follows it)."""
    replace_completions(db, [(o.learner, o.certification, list(o.records.values())) for o in outcomes], now)
    if sinks:
        enqueue(db, [event for o in outcomes for event in o.events], sinks, now)
    save_states(
        db,
        [(o.learner, o.certification, o.state_record, _day(o.state.next_transition)) for o in outcomes],
        as_of=as_of,
        now=now,
    )
    append_changes(db, [change for o in outcomes for change in o.changes], now)


def certify(
    db: Database,
    mapping: CertificationMapping,
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
    """Evaluate and store one learner's certification. `assigned`: the roster's assignment date; `withdrawn`: what
    the learner's voided statements would have evidenced, reported as not counted, `voided`; `sinks`: where the
    certification events go (the outbox); `exempt_until`: the end of the learner's exemption, if any."""
    stored = stored_of(db, [learner], revocations=bool(sinks)).get((learner, mapping.certification.id))
    outcome = assess(
        mapping,
        learner,
        evidence,
        assigned,
        stored,
        as_of=as_of,
        withdrawn=withdrawn,
        events=bool(sinks),
        exempt_until=exempt_until,
    )
    save_outcomes(db, [outcome], sinks, as_of=as_of, now=now)
    return outcome.state


def cycles_of(
    learner: str, certification: str, records: Iterable[dict[str, Any]], window: Period, revoked: Mapping[str, int]
) -> dict[str, Cycle]:
    """The counted completions, each the start of a certification cycle, by the id it is certified under;
    `revoked`: how many times each cycle was revoked before (`revocations_of`)."""
    cycles = {}
    for r in records:
        issued = issue_of(learner, certification, r, revoked)
        if issued is None:
            continue
        due_on = r["cycle_due_on"]
        cycle = Cycle(
            *issued,
            r["option_id"],
            r["completed_at"],
            r["completed_on"],
            due_on,
            window.before(date.fromisoformat(due_on)).isoformat(),
            tuple(orjson.loads(r["evidence_ids"])),
            tuple(orjson.loads(r["statement_ids"])),
            tuple(orjson.loads(r["sources"])),
        )
        cycles[cycle.statement_id] = cycle
    return cycles


def first_issue_id(learner: str, certification: str, record: Mapping[str, Any]) -> str | None:
    """The id of the first issue of the cycle a completion record starts (what `revocations` counts by); None when
    it starts none (not counted)."""
    if not record["counted"] or not record["cycle_due_on"]:
        return None
    evidence_ids = orjson.loads(record["evidence_ids"])
    return cycle_statement_id(learner, certification, record["cycle_due_on"], evidence_ids, issue=0)


def issue_of(
    learner: str, certification: str, record: Mapping[str, Any], revoked: Mapping[str, int]
) -> tuple[str, int] | None:
    """The id the cycle a completion record starts is certified under now, and its issue; None when it starts
    none. `revoked`: how many times each cycle was revoked before, by its first issue's id."""
    first = first_issue_id(learner, certification, record)
    if first is None:
        return None
    issue = revoked.get(first, 0)
    if not issue:
        return first, 0
    evidence_ids = orjson.loads(record["evidence_ids"])
    return cycle_statement_id(learner, certification, record["cycle_due_on"], evidence_ids, issue=issue), issue


def revocations_by_learner(history: Iterable[Row]) -> dict[tuple[str, str], Counter[str]]:
    """How many times each cycle was revoked, by learner and certification, from completion histories (rows of
    learner, certification, subject, record in the change log's order)."""
    histories: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    for row in history:
        record = orjson.loads(row.record) if row.record else None
        cycle = first_issue_id(row.learner, row.certification, record) if record else None
        histories[(row.learner, row.certification)].append((row.subject, cycle))
    return {key: revocations(changes) for key, changes in histories.items()}


def revocations_of(db: Database, learner: str, certification: str) -> Counter[str]:
    """How many times each of the learner's cycles was revoked, as the change log has recorded so far."""
    history = completion_history(db, learner, certification)
    return revocations_by_learner(history).get((learner, certification), Counter())


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
