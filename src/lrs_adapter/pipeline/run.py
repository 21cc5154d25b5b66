"""One scheduled run, top down: pull every connector, settle every learner whose certification may have changed,
push the results. `lrs-adapter sync` is this function and its printing; read it first to see the whole pipeline.

    sources (LRS, export file)                                        sinks (LRS, Totara file, webhook, ...)
           |                                                                      ^
           v                                                                      |
    pull -> intake (page_intake) -> store --> settle: map -> certify -> outbox --> push

Each stage commits what it finished before the next begins, so a run killed anywhere is resumed by the next one:
the pull from its cursors, settling from the queue of learners to map, the push from the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from lrs_adapter.config import Config
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.timestamps import utc_now
from lrs_adapter.pipeline.push import PushCounts, SinkCounts, deliver
from lrs_adapter.pipeline.settle import MapCounts, settle
from lrs_adapter.pipeline.workers import Pulled, PullProgress, pull_all
from lrs_adapter.store.database import Database


class Watcher:
    """Hears each stage as it goes and its outcome as soon as it is known (the command draws a progress line and
    prints the outcomes as they come); silent here."""

    def pulling(self, progress: PullProgress) -> None:
        """A connector's pull so far, after each page taken in and each commit (from worker processes too)."""

    def pulled(self, outcomes: Sequence[Pulled]) -> None:
        """Every connector's pull, ended."""

    def settling(self, counts: MapCounts) -> None:
        """The learners mapped and evaluated so far, after each batch."""

    def settled(self, counts: MapCounts, mappings: Sequence[Mapping]) -> None:
        """Every queued learner mapped and evaluated."""

    def pushing(self, sink: str, counts: SinkCounts, pending: int) -> None:
        """A sink's push so far, of the `pending` deliveries it began with: before each delivery, and at its end."""


@dataclass(frozen=True)
class SyncResult:
    pulled: list[Pulled]
    settled: MapCounts
    pushed: PushCounts | None  # None: a dry run (with no sink configured: no sink's counts, but sinks removed named)


def run_sync(
    config: Config,
    db: Database,
    *,
    connectors: Sequence[str] = (),
    workers: int = 1,
    share: bool = False,
    dry_run: bool = False,
    log_format: str | None = None,
    now: Callable[[], datetime] = utc_now,
    watcher: Watcher | None = None,
) -> SyncResult:
    """Pull `connectors` (default: all; over `workers` processes; `share`: skip those another worker holds), settle
    as of now, and push to every configured sink unless `dry_run`. A failed pull stops nothing: what other
    connectors and earlier runs brought in is settled and pushed all the same, and the result says what failed."""
    watcher = watcher or Watcher()
    mappings = load_mappings(config.mappings)
    pulled = pull_all(
        config, db, connectors, workers=workers, share=share, log_format=log_format, on_progress=watcher.pulling
    )
    watcher.pulled(pulled)
    settled = settle(config, db, mappings, now(), on_batch=watcher.settling)
    watcher.settled(settled, mappings)
    pushed = None if dry_run else deliver(config, db, mappings, on_delivery=watcher.pushing)
    return SyncResult(pulled, settled, pushed)
