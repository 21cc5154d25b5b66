"""Push: deliver the outbox's pending deliveries to their sinks, in the order the changes happened.

A delivery is marked delivered in its own commit as soon as its sink acknowledged it (a batched sink's file: all
its deliveries at once), so a push killed at any point re-sends at most what was not acknowledged. When a sink's
target is down (its retries ran out) or refuses the configuration, the push stops that sink for this run: the next
run tries again, and after `max_attempts` failed runs a delivery is dead-lettered with its last error, for an admin
to replay with `lrs-adapter outbox retry`. A delivery refused on its own merits fails alone, but the later
deliveries about the same learner and certification wait for it: a revocation must not overtake its certification.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import groupby

import structlog

from lrs_adapter.config import Config
from lrs_adapter.errors import REFUSED, AdapterError, error_class_of
from lrs_adapter.mapping.model import Mapping as CertificationMapping
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.sinks import Sink, build_sinks
from lrs_adapter.store.database import Database
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.outbox import DEAD, Delivery, mark_delivered, mark_failed, pending, set_batch

log = structlog.get_logger(__name__)


@dataclass
class SinkCounts:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # behind a failed delivery of the same learner, or not reached after the sink stopped
    error: str | None = None  # why the sink stopped
    error_class: str | None = None


#: Hears a sink's counts so far and how many deliveries were pending for it, as its push goes on (a progress line).
OnDelivery = Callable[[str, SinkCounts, int], None]


@dataclass
class PushCounts:
    sinks: dict[str, SinkCounts] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.sinks.values())


def deliver(
    config: Config, db: Database, mappings: Sequence[CertificationMapping], on_delivery: OnDelivery | None = None
) -> PushCounts:
    """A scheduled run's end: the outbox pushed to every configured sink."""
    return push(
        db,
        build_sinks(config, mappings),
        now=lambda: format_instant(utc_now()),
        max_attempts=config.max_attempts,
        on_delivery=on_delivery,
    )


def push(
    db: Database,
    sinks: Mapping[str, Sink],
    *,
    now: Callable[[], str],
    max_attempts: int,
    on_delivery: OnDelivery | None = None,
) -> PushCounts:
    """Every sink's pending deliveries; `on_delivery` hears each sink's counts before each delivery and at its end."""
    counts = PushCounts()
    for name, sink in sinks.items():
        with stage_lock(db, f"push to {name}"):  # two pushes at once would both send what is pending
            items = pending(db, name)
            told = partial(on_delivery or _unheard, name)
            counts.sinks[name] = _push_sink(db, sink, items, now, max_attempts, told)
            told(counts.sinks[name], len(items))
    return counts


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
    counts.error = f"{error_class_of(error)}: {error}"
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
