"""Certification events as they travel from the engine's diff to the outbox and the sinks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cycle:
    """One certification cycle: the counted completion that started it. `issue`: how many times it was revoked
    before it was certified this time (rules/events.py), so 0 but for a cycle back on the same evidence."""

    statement_id: str
    issue: int
    option: str
    completed_at: str
    completed_on: str
    due_on: str
    window_opens_on: str
    evidence_ids: tuple[str, ...]
    statement_ids: tuple[str, ...]
    sources: tuple[str, ...]

    def as_record(self) -> dict[str, Any]:
        return {
            "statement_id": self.statement_id,
            "issue": self.issue,
            "option": self.option,
            "completed_at": self.completed_at,
            "completed_on": self.completed_on,
            "due_on": self.due_on,
            "window_opens_on": self.window_opens_on,
            "evidence_ids": list(self.evidence_ids),
            "statement_ids": list(self.statement_ids),
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Event:
    """`learner` is empty in an erasure's event, which names the events it erases (`erases`) instead of the
    person; `offset` is a reminder's (`due_soon`, `overdue_reminder`): how long before or after the due date."""

    id: str
    kind: str
    learner: str
    certification: str
    cycle: Cycle | None
    state: Mapping[str, Any]
    erases: tuple[str, ...] = ()
    offset: str | None = None

    def payload(self, occurred_at: str) -> dict[str, Any]:
        payload = {
            "event_id": self.id,
            "event": self.kind,
            "learner": self.learner or None,
            "certification": self.certification,
            "occurred_at": occurred_at,
            "cycle": self.cycle.as_record() if self.cycle else None,
            "state": dict(self.state),
        }
        if self.offset:
            payload["offset"] = self.offset
        return payload | {"erases": list(self.erases)} if self.erases else payload
