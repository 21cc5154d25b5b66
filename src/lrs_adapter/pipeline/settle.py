"""What a scheduled run does after its pulls: settle every learner's certification as of now, then push.

Settling re-queues the learners whose status changes with time today (a window opens, a due date passes), maps
and evaluates everyone queued, and writes each certification event into the outbox with its change; delivering
pushes the outbox to every configured sink. `sync`, `remap`, `push` and `outbox retry` are made of these two.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lrs_adapter.config import Config
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.pull import utc_now
from lrs_adapter.pipeline.push import PushCounts, push
from lrs_adapter.sinks import build_sinks, sink_events
from lrs_adapter.store.certifications import requeue_due
from lrs_adapter.store.database import Database
from lrs_adapter.store.evidence import MapCounts, map_queued
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.xapi.timestamps import format_instant


def settle(config: Config, db: Database, mappings: Sequence[Mapping], now: datetime) -> MapCounts:
    with stage_lock(db, "settle"):
        requeue_due(db, now.date(), config.home_page)
        return map_queued(db, mappings, format_instant(now), home_page=config.home_page, sinks=sink_events(config))


def deliver(config: Config, db: Database, mappings: Sequence[Mapping]) -> PushCounts:
    return push(
        db,
        build_sinks(config, mappings),
        now=lambda: format_instant(utc_now()),
        max_attempts=config.max_attempts,
    )
