"""Settling: every queued learner's certification brought up to date as of now.

Settling re-queues the learners whose status changes with time today (a window opens, a due date passes), then maps
and evaluates everyone queued: their statement facts and recorded completions through the pure mapper, the evidence
through the engine (certify.py), each certification event into the outbox. A batch of learners is one transaction
with their removal from the queue, so a killed run leaves every learner either settled or still queued; what the
store holds of the batch is read in a few queries for the lot and its results written one statement per table (a
query or two per learner made the database's round trips most of a sync's time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import structlog

from lrs_adapter.config import Config
from lrs_adapter.logs import progress_level
from lrs_adapter.mapping.mapper import map_learner
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.evidence import Evidence
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.pipeline.certify import Outcome, Reminders, assess, certify, save_outcomes, schedule_of, stored_of
from lrs_adapter.rules.reminders import Enabled
from lrs_adapter.sinks import sink_events
from lrs_adapter.store.certifications import drop_state, requeue_due, state_record
from lrs_adapter.store.corrections import retracted_evidence, without_retracted
from lrs_adapter.store.database import Database
from lrs_adapter.store.evidence import (
    any_recorded,
    any_retracted,
    dequeue,
    enqueue_learner,
    facts_by_identifier,
    queued,
    save_evidence,
)
from lrs_adapter.store.exemptions import exempt_until_of
from lrs_adapter.store.learners import keys_of_learners, on_roster_of, queue_key, resolve, roster_facts_of
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.outbox import SinkEvents
from lrs_adapter.store.recorded import recorded_completions
from lrs_adapter.store.reminders import switch_on

log = structlog.get_logger(__name__)

BATCH = 200


@dataclass
class MapCounts:
    learners: int = 0
    evidence: int = 0
    unresolved: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


#: Hears the counts so far after each batch of learners settled (a progress line on a terminal).
OnBatch = Callable[[MapCounts], None]


def settle(
    config: Config, db: Database, mappings: Sequence[Mapping], now: datetime, on_batch: OnBatch | None = None
) -> MapCounts:
    """A scheduled run's middle: the learners whose status changes with time today queued, then everyone queued
    mapped and evaluated, under the settle lock (one settling at a time, whatever the workers)."""
    with stage_lock(db, "settle"):
        requeue_due(db, now.date(), config.home_page)
        return map_queued(
            db, mappings, format_instant(now), home_page=config.home_page, sinks=sink_events(config), on_batch=on_batch
        )


def map_queued(
    db: Database,
    mappings: Sequence[Mapping],
    now: str,
    *,
    home_page: str | None,
    as_of: date | None = None,
    sinks: SinkEvents | None = None,
    on_batch: OnBatch | None = None,
) -> MapCounts:
    """Map and evaluate every queued identifier's learner with every mapping (as of `as_of`, by default the day of
    `now`), putting each certification event in the outbox for `sinks`. An identifier no learner answers to leaves
    the queue unmapped (`learners unresolved` lists it; a roster import that resolves it queues it again). Each
    batch committed is a log line and told to `on_batch`."""
    as_of = as_of or date.fromisoformat(now[:10])
    counts = MapCounts()
    enabled = reminders_switched_on(db, mappings, as_of, home_page) if sinks else {}
    recorded, retracted = any_recorded(db), any_retracted(db)
    done: set[str] = set()  # one learner may be queued under several identifiers, in different batches: once is enough
    while batch := queued(db, BATCH):
        with db.transaction():
            resolved = resolve(db, batch, home_page)
            learners = sorted(set(resolved.values()) - done)
            done.update(learners)
            keys = keys_of_learners(db, learners, home_page)
            for key, learner in resolved.items():
                if learner in keys and key not in keys[learner]:
                    keys[learner] = sorted({*keys[learner], key})
            _settle_batch(db, keys, mappings, counts, as_of, now, sinks, recorded, retracted, enabled)
            dequeue(db, batch)
        counts.unresolved += len(set(batch) - set(resolved))
        log.log(progress_level(), "learners settled", phase="settle", **vars(counts))
        if on_batch is not None:
            on_batch(counts)
    return counts


def reminders_switched_on(
    db: Database, mappings: Sequence[Mapping], as_of: date, home_page: str | None
) -> dict[str, Enabled]:
    """When each certification's reminder offsets were switched on, by certification; an offset new today is
    recorded today and queues the certification's learners (store/reminders.py)."""
    return {
        m.certification.id: switch_on(
            db,
            m.certification.id,
            [(kind, str(offset)) for kind, offsets in schedule_of(m).offsets().items() for offset in offsets],
            as_of,
            home_page,
        )
        for m in mappings
    }


def _settle_batch(
    db: Database,
    keys: dict[str, list[str]],
    mappings: Sequence[Mapping],
    counts: MapCounts,
    as_of: date,
    now: str,
    sinks: SinkEvents | None,
    any_recorded: bool,
    any_retracted: bool,
    enabled: AbcMapping[str, Enabled],
) -> None:
    """A batch of learners, each under all their identifiers (`keys`, by learner), with every mapping: what the
    store holds of them read in a few queries for the lot, each learner mapped and evaluated in memory, and the
    results written one statement per table. `any_recorded`/`any_retracted`: whether the store holds any recorded
    completion or retraction at all (most stores hold none: their per-learner queries saved); `enabled`: when each
    certification's reminder offsets were switched on (`reminders_switched_on`; empty: no reminders)."""
    learners = list(keys)
    facts = facts_by_identifier(db, [key for found in keys.values() for key in found])
    roster = roster_facts_of(db, learners)
    exempt = exempt_until_of(db, learners, [m.certification.id for m in mappings])
    stored = stored_of(db, learners, revocations=bool(sinks))
    present = on_roster_of(db, learners, as_of) if enabled else set()
    evidence: list[Evidence] = []
    outcomes: list[Outcome] = []
    for learner in learners:
        counts.learners += 1
        statements = [f for key in keys[learner] for f in facts.get(key, [])]
        no_it_access, assigned = roster.get(learner, (None, None))
        # What voided statements would have evidenced: reported as completions not counted, `voided`.
        voided = [replace(f, voided=False) for f in statements if f.voided]
        retracted = retracted_evidence(db, learner) if any_retracted else set()
        for mapping in mappings:
            certification = mapping.certification.id
            recorded = recorded_completions(db, certification, keys[learner]) if any_recorded else []
            found = map_learner(learner, statements, mapping, recorded=recorded, no_it_access=no_it_access)
            found = without_retracted(found, retracted) if retracted else found
            outcome = assess(
                mapping,
                learner,
                found,
                assigned,
                stored.get((learner, certification)),
                as_of=as_of,
                withdrawn=map_learner(learner, voided, mapping) if voided else [],
                events=bool(sinks),
                exempt_until=exempt.get((learner, certification)),
                reminders=Reminders(enabled[certification], learner in present) if enabled else None,
            )
            evidence += found
            outcomes.append(outcome)
            counts.evidence += len(found)
            counts.statuses[outcome.state.status] = counts.statuses.get(outcome.state.status, 0) + 1
    save_evidence(db, evidence, [(o.learner, o.certification) for o in outcomes], now)
    save_outcomes(db, outcomes, sinks, as_of=as_of, now=now)


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
    enqueue_learner(db, queue_key(learner, home_page))
    return map_queued(db, mappings, now, home_page=home_page, sinks=sinks)


def retire_states(
    db: Database, learner: str, mappings: Sequence[Mapping], *, now: str, sinks: SinkEvents | None
) -> None:
    """A merged learner's own states no longer stand (their history is the kept learner's now): each completion is
    tombstoned and each cycle revoked (as an evaluation with no evidence does), then the state itself tombstoned."""
    for mapping in mappings:
        certification = mapping.certification.id
        if state_record(db, learner, certification) is None:
            continue
        certify(db, mapping, learner, [], None, as_of=date.fromisoformat(now[:10]), now=now, sinks=sinks)
        drop_state(db, learner, certification, now)
