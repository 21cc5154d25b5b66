"""Backfilling a sink added to a running installation: events only reach the sinks configured when a change
happens, so a Totara upload or a webhook added later would never hear of the certifications already held.

A backfill gives the new sink what it would hold had it been there all along: a `certified` event for every
certification cycle that stands, and the event of each learner's current status (window opened, overdue,
exempt), with the same event ids as the original events (a cycle back on the same evidence under its latest
issue's), so nothing the sink already has is sent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.events import Event
from lrs_adapter.pipeline.certify import cycles_of, revocations_of
from lrs_adapter.rules.events import certification_events
from lrs_adapter.store.certifications import completion_records, state_records
from lrs_adapter.store.database import Database
from lrs_adapter.store.outbox import enqueue, event_ids_of


def backfill_events(db: Database, mappings: Sequence[Mapping], sink: str, kinds: frozenset[str]) -> list[Event]:
    """The events `sink` lacks, oldest cycle first per learner."""
    held = event_ids_of(db, sink)
    events: list[Event] = []
    for mapping in mappings:
        certification = mapping.certification.id
        for learner, state in state_records(db, certification):
            records = completion_records(db, learner, certification).values()
            revoked = revocations_of(db, learner, certification)
            cycles = cycles_of(learner, certification, records, mapping.certification.window, revoked)
            for event in certification_events(learner, certification, {}, cycles, None, state):
                if event.kind in kinds and event.id not in held:
                    events.append(event)
    return events


def backfill(db: Database, mappings: Sequence[Mapping], sink: str, kinds: frozenset[str], now: str) -> Counter[str]:
    """Put the missing events in the outbox for `sink` alone, in one transaction; counts by event kind."""
    with db.transaction():
        events = backfill_events(db, mappings, sink, kinds)
        enqueue(db, events, {sink: kinds}, now)
    return Counter(event.kind for event in events)
