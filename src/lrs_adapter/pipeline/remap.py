"""Remapping: every learner mapped and evaluated again from the stored statements and recorded completions, after a
mapping was fixed. Whose certification state changes is returned and audited; the next push delivers it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lrs_adapter.config import Config
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.sinks import sink_events
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.certifications import last_change, record_at, state_changes_since
from lrs_adapter.store.database import Database
from lrs_adapter.store.evidence import enqueue_everyone
from lrs_adapter.store.locks import stage_lock


@dataclass(frozen=True)
class StateChange:
    learner: str
    certification: str
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass(frozen=True)
class Remapped:
    learners: int
    changes: list[StateChange]
    dry_run: bool


class _DryRun(Exception):
    """Raised on purpose to roll a dry run back, carrying what it found."""

    def __init__(self, remapped: Remapped) -> None:
        self.remapped = remapped


def remap(
    config: Config, db: Database, *, actor: str, dry_run: bool = False, now: Callable[[], datetime] = utc_now
) -> Remapped:
    """Everyone queued and settled again in one transaction under the settle lock, audited with each changed state
    before and after; a dry run rolls it all back, the audit entry with it, and returns what would change."""
    mappings = load_mappings(config.mappings)
    with stage_lock(db, "settle"):
        try:
            with db.transaction():
                before = last_change(db)
                enqueue_everyone(db)
                at = format_instant(now())
                mapped = map_queued(db, mappings, at, home_page=config.home_page, sinks=sink_events(config))
                changes = [
                    StateChange(learner, certification, record_at(db, f"{learner}|{certification}", before), after)
                    for learner, certification, after in state_changes_since(db, before)
                ]
                append_audit(
                    db,
                    actor=actor,
                    action="remap",
                    at=at,
                    reason=f"{len(changes)} certification states changed among {mapped.learners} learners",
                    before={f"{c.learner}|{c.certification}": c.before for c in changes},
                    after={f"{c.learner}|{c.certification}": c.after for c in changes},
                )
                remapped = Remapped(mapped.learners, changes, dry_run)
                if dry_run:
                    raise _DryRun(remapped)  # the audit entry goes with the rest: nothing was changed
        except _DryRun as rolled_back:
            return rolled_back.remapped
    return remapped
