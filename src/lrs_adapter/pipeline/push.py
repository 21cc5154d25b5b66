"""Push: deliver the outbox's pending deliveries to their sinks, in the order the changes happened.

A delivery is marked delivered in its own commit as soon as its sink acknowledged it (a batched sink's file: all
its deliveries at once), so a push killed at any point re-sends at most what was not acknowledged. When a sink's
target is down (its retries ran out) or refuses the configuration, the push stops that sink for this run: the next
run tries again, and after `max_attempts` failed runs a delivery is dead-lettered with its last error, for an admin
to replay with `lrs-adapter outbox retry`. A delivery refused on its own merits fails alone, but the later
deliveries about the same learner and certification wait for it: a revocation must not overtake its certification.

Each sink's push is a run in the run log (stage `push`): what it delivered, failed, refused, dead-lettered, left
waiting and held, and, when the sink stopped, why; `health` and the metrics read it from there.

A mail sink's deliveries about a learner the roster gives no work e-mail are held too (store/outbox.py
`hold_unaddressed`), each with that reason as its last error, counted in the run's `held` and listed by `outbox list
--status held`; they go as soon as a roster import gives the learner one.

Only learners on the roster are pushed (`[push] roster_only`, the default). The filter is here, at delivery, not
at enqueue: the outbox still gets every event, held (status `held`) while the roster does not know the learner. A
filter at enqueue would lose them for good, because a learner the roster learns of later is evaluated to the same
state and no new event is made; held, their events go out, in order, on the first push after the roster import.
It also holds back one way for every sink (LRS statements, agent profile, LMS file, webhook), as all go through
the outbox.

A sink that cannot take a result back (`can_retract` false: Totara's upload file) is sent only what is still true:
pending deliveries superseded before they went are marked so and counted, not sent (pipeline/superseded.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import groupby

import structlog

from lrs_adapter.config import Config
from lrs_adapter.errors import REFUSED, AdapterError, error_class_of
from lrs_adapter.mapping.model import Mapping as CertificationMapping
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.superseded import supersede
from lrs_adapter.sinks import Sink, build_sinks
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import learner_facts
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.outbox import (
    DEAD,
    UNDELIVERED,
    Delivery,
    depth,
    held_count,
    hold_off_roster,
    hold_unaddressed,
    mark_delivered,
    mark_failed,
    pending,
    release_held,
    set_batch,
)
from lrs_adapter.store.runs import PUSH_COUNTERS, finish_push_run, start_push_run

log = structlog.get_logger(__name__)


#: A push run's outcomes besides `running` and `interrupted` (store/runs.py).
SUCCEEDED, FAILED, STOPPED = "succeeded", "failed", "stopped"


@dataclass
class SinkCounts:
    delivered: int = 0
    failed: int = 0  # deliveries whose attempt failed this run, the refused ones included
    refused: int = 0  # of those, refused on their own merits (the rest: the target was down)
    dead: int = 0
    waiting: int = 0  # behind a failed delivery of the same learner, or not reached after the sink stopped
    held: int = 0  # about learners not on the roster, kept in the outbox until the roster knows them
    superseded: int = 0  # no longer true when their turn came, to a sink that cannot take them back: not sent
    error: str | None = None  # why the sink stopped
    error_class: str | None = None  # of that error: `config` (exit 2, no attempt spent) or `transient`

    @property
    def outcome(self) -> str:
        return STOPPED if self.error else FAILED if self.failed else SUCCEEDED


#: Hears a sink's counts so far and how many deliveries were pending for it, as its push goes on (a progress line).
OnDelivery = Callable[[str, SinkCounts, int], None]


@dataclass
class PushCounts:
    sinks: dict[str, SinkCounts] = field(default_factory=dict)
    #: Sinks no longer configured whose deliveries (pending, dead or held) will never go: how many each holds.
    unconfigured: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.sinks.values())


def deliver(
    config: Config, db: Database, mappings: Sequence[CertificationMapping], on_delivery: OnDelivery | None = None
) -> PushCounts:
    """A scheduled run's end: the outbox pushed to every configured sink."""
    counts = push(
        db,
        build_sinks(config, mappings),
        now=lambda: format_instant(utc_now()),
        max_attempts=config.max_attempts,
        roster_only=config.roster_only,
        on_delivery=on_delivery,
    )
    counts.unconfigured = unconfigured_sinks(db, config.sinks)
    return counts


def unconfigured_sinks(db: Database, configured: Iterable[str]) -> dict[str, int]:
    """Sinks that hold undelivered deliveries but are no longer configured, and how many each holds."""
    names = set(configured)
    held = {sink: sum(by_status.get(status, 0) for status in UNDELIVERED) for sink, by_status in depth(db).items()}
    return {sink: count for sink, count in sorted(held.items()) if count and sink not in names}


def push(
    db: Database,
    sinks: Mapping[str, Sink],
    *,
    now: Callable[[], str],
    max_attempts: int,
    roster_only: bool = False,
    on_delivery: OnDelivery | None = None,
) -> PushCounts:
    """Each sink in turn, each a push run in the run log. `roster_only`: hold deliveries about learners the roster
    does not know (`deliver` passes `[push] roster_only`, true by default); `on_delivery` hears each sink's counts
    before each delivery and at its end."""
    counts = PushCounts()
    for name, sink in sinks.items():
        with stage_lock(db, f"push to {name}"):  # two pushes at once would both send what is pending
            told = partial(on_delivery or _unheard, name)
            counts.sinks[name] = _push_run(db, name, sink, now, max_attempts, roster_only, told)
    return counts


def _push_run(
    db: Database,
    name: str,
    sink: Sink,
    now: Callable[[], str],
    max_attempts: int,
    roster_only: bool,
    told: Callable[[SinkCounts, int], None],
) -> SinkCounts:
    run_id = start_push_run(db, name, now())
    try:
        if roster_only:
            hold_off_roster(db, name)
        else:
            release_held(db, name)
        if sink.needs_email:
            hold_unaddressed(db, name)
        items = with_learner_facts(db, pending(db, name))
        current = items if sink.can_retract else supersede(db, name, items, now())
        counts = _push_sink(db, sink, current, now, max_attempts, told)
        counts.held = held_count(db, name)
        counts.superseded = len(items) - len(current)
        told(counts, len(items))
    except BaseException as error:  # a bug or a signal: the run log says so, then it goes on up
        finish_push_run(
            db, run_id, {}, now=now(), outcome=FAILED, error_class=error_class_of(error), error_message=str(error)
        )
        raise
    finish_push_run(
        db,
        run_id,
        {counter: getattr(counts, counter) for counter in PUSH_COUNTERS},
        now=now(),
        outcome=counts.outcome,
        error_class=counts.error_class,
        error_message=counts.error,
    )
    return counts


def with_learner_facts(db: Database, items: list[Delivery]) -> list[Delivery]:
    """The deliveries with their learners as the roster stands now, read at once: what a sink's contract records
    say of them (an event's certification-state record, a mailer's recipients)."""
    facts = learner_facts(db, {item.learner for item in items if item.learner})
    return [replace(item, facts=facts[item.learner]) if item.learner in facts else item for item in items]


def _unheard(sink: str, counts: SinkCounts, pending: int) -> None:
    """A push nobody watches."""


def _push_sink(
    db: Database,
    sink: Sink,
    items: list[Delivery],
    now: Callable[[], str],
    max_attempts: int,
    told: Callable[[SinkCounts, int], None],
) -> SinkCounts:
    counts = SinkCounts()
    if sink.batched:
        return _push_batches(db, sink, items, now, max_attempts, counts, told)
    held: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        told(counts, len(items))
        subject = (item.learner, item.certification)
        if subject in held:
            counts.waiting += 1
            continue
        try:
            sink.send([item])
        except AdapterError as error:
            if error_class_of(error) == REFUSED:  # this delivery alone: the learner's later ones wait for it
                counts.refused += 1
                _failed(db, item, error, now(), max_attempts, counts)
                held.add(subject)
                continue
            # The target is down, or the sink's configuration is wrong: nothing after this would pass either.
            counts.waiting += len(items) - index - 1
            _stopped(db, item, error, now(), max_attempts, counts)
            break
        mark_delivered(db, [item.id], now())
        counts.delivered += 1
    return counts


def _push_batches(
    db: Database,
    sink: Sink,
    items: list[Delivery],
    now: Callable[[], str],
    max_attempts: int,
    counts: SinkCounts,
    told: Callable[[SinkCounts, int], None],
) -> SinkCounts:
    """Deliveries named into a file by a run that did not finish go into that file again; the rest into a new one."""
    unnamed = [item for item in items if item.batch is None]
    if unnamed:
        batch = f"{unnamed[0].id:010d}"
        set_batch(db, [item.id for item in unnamed], batch)
        items = [item if item.batch else replace(item, batch=batch) for item in items]
    for _, group in groupby(sorted(items, key=lambda d: (str(d.batch), d.id)), key=lambda d: d.batch):
        batch_items = list(group)
        told(counts, len(items))
        try:
            sink.send(batch_items)
        except AdapterError as error:
            _stopped(db, batch_items[0], error, now(), max_attempts, counts, also=batch_items[1:])
            continue
        mark_delivered(db, [item.id for item in batch_items], now())
        counts.delivered += len(batch_items)
    return counts


def _stopped(
    db: Database,
    item: Delivery,
    error: AdapterError,
    at: str,
    max_attempts: int,
    counts: SinkCounts,
    also: list[Delivery] | None = None,
) -> None:
    """The sink cannot go on this run. A configuration fault (a missing secret, credentials the LRS refuses) is no
    fault of the deliveries: they stay pending with their attempts untouched, and the run exits 2 for a person to
    fix the configuration; a target that is down counts an attempt against each delivery it held up."""
    counts.error = str(error)
    counts.error_class = error_class_of(error)
    if counts.error_class == "config":
        counts.waiting += 1 + len(also or [])
        log.error("sink stopped: configuration", sink=item.sink, error=str(error))
        return
    for one in [item, *(also or [])]:
        _failed(db, one, error, at, max_attempts, counts)


def _failed(db: Database, item: Delivery, error: AdapterError, at: str, max_attempts: int, counts: SinkCounts) -> None:
    status = mark_failed(db, item.id, f"{error_class_of(error)}: {error}", at, max_attempts)
    counts.failed += 1
    counts.dead += status == DEAD
    log.warning(
        "delivery failed",
        sink=item.sink,
        delivery=item.id,
        certification_event=item.event,
        learner=item.learner,
        error_class=error_class_of(error),
        error=str(error),
        dead_lettered=status == DEAD,
    )
