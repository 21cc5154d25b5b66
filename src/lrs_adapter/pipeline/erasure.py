"""Erasing a person, as an event others hear of: their data out of the store (store/erasure.py, the feed's records
emptied and tombstoned), an `erased` event for every receiver that was sent events about them, the Totara upload
files already written listed (they left the adapter's hands), the states of the people they managed recorded
again (the feed's copy named them as manager), and whoever else stood on their evidence (the identity they were
merged into) evaluated again, so nobody stays certified on what was erased.

Everything here happens in the caller's transaction; the store's files are compacted after it commits
(store/compaction.py), and searched for `Erasure.identifiers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lrs_adapter.config import Config
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.settle import reevaluate
from lrs_adapter.rules.events import ERASED, erasure_event
from lrs_adapter.sinks import sink_events
from lrs_adapter.sinks.lms_file import upload_path, upload_rows
from lrs_adapter.store.certifications import restate
from lrs_adapter.store.database import Database
from lrs_adapter.store.erasure import Erased, erase
from lrs_adapter.store.learners import identities, merged_into
from lrs_adapter.store.leftovers import Identifiers, identifiers_of, reports_of
from lrs_adapter.store.outbox import delivered_event_ids, enqueue, written_deliveries


@dataclass(frozen=True)
class UploadLeftover:
    """A Totara upload file already written with rows about the person: the file and those rows."""

    file: str
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Erasure:
    erased: Erased
    #: What the store's files are searched for once compacted; never printed, never audited.
    identifiers: Identifiers
    uploads: tuple[UploadLeftover, ...]
    #: `erased` events put in the outbox, one per receiver and certification it was told about.
    receivers_told: int
    #: Other learners evaluated again because they stood on the person's evidence (an identity merged into them).
    reevaluated: tuple[str, ...]


def erase_person(db: Database, config: Config, mappings: Sequence[Mapping], learner: str, *, now: str) -> Erasure:
    """Call in a transaction, under the settle lock (no sync may evaluate the person meanwhile)."""
    people = identities(db, learner)
    identifiers = identifiers_of(db, people)
    uploads = upload_leftovers(db, config, people)
    delivered = delivered_event_ids(db, people)
    standing = sorted({kept for merged, kept in merged_into(db).items() if merged in people} - set(people))
    reports = reports_of(db, people)
    erased = erase(db, learner, home_page=config.home_page, now=now)
    told = tell_receivers(db, config, delivered, now)
    restate(db, reports, now)  # their records in the feed named the person as manager: a fresh one without
    for other in standing:
        reevaluate(db, other, mappings, now, home_page=config.home_page, sinks=sink_events(config))
    return Erasure(erased, identifiers, uploads, told, tuple(standing))


def upload_leftovers(db: Database, config: Config, people: Sequence[str]) -> tuple[UploadLeftover, ...]:
    """The upload files each `lms_file` sink has written (or was writing) with rows about `people`, and the rows."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for sink in config.sinks.values():
        if sink.kind != "lms_file":
            continue
        for delivery in written_deliveries(db, sink.name, people):
            found.setdefault(str(upload_path(sink, delivery)), []).extend(
                tuple(row.values()) for row in upload_rows(sink, [delivery])
            )
    return tuple(UploadLeftover(file, tuple(rows)) for file, rows in sorted(found.items()))


def tell_receivers(db: Database, config: Config, delivered: dict[tuple[str, str], list[str]], now: str) -> int:
    """An `erased` event for each sink that takes one and was sent events about the person, per certification,
    naming those events; a sink never told of them hears nothing. Returns how many events were queued."""
    told = 0
    for (sink, certification), event_ids in sorted(delivered.items()):
        kinds = config.sinks[sink].events if sink in config.sinks else frozenset()
        if ERASED in kinds:
            told += enqueue(db, [erasure_event(certification, event_ids)], {sink: kinds}, now)
    return told
