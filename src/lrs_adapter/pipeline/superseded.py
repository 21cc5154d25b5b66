"""Push what is true when it is sent: a sink that cannot take a result back never gets one that stopped being true.

A `certified` delivery waits in the outbox until the next push. If, meanwhile, its cycle stopped standing (its
evidence voided or retracted, its learner merged or unmerged, its due date moved, so the cycle was revoked and
maybe certified again on another date), a sink that can take it back (an LRS voids the statement, a webhook's
receiver hears `revoked`, an agent profile's newer document wins) gets the certification and its revocation, in
order. A sink that cannot (Totara's completion upload records a completion and has no way to withdraw one) takes no
`revoked` events, so it would be told, for good, something the adapter no longer holds true. For such a sink the
push first compares each pending `certified` delivery with the learner's cycles as they stand now: one whose cycle
no longer stands is superseded, and so is one whose cycle a later pending delivery reports again (it went away and
came back before either was sent). Superseded deliveries are kept on record with why (`outbox list --status
superseded`) and counted in the push run; the rest are sent as usual.

Checked at push time, not when the events are made, because that is when the sink is told: whatever happened in
between, the sink gets what the store holds when it is sent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import orjson
import structlog

from lrs_adapter.rules.events import CERTIFIED, cycle_statement_id
from lrs_adapter.store.certifications import cycles_pending_for
from lrs_adapter.store.database import Database
from lrs_adapter.store.outbox import Delivery, mark_superseded

log = structlog.get_logger(__name__)

#: A cycle as it stands: learner, certification and the cycle's statement id.
CycleKey = tuple[str, str, str]


def standing_cycles(db: Database, sink: str) -> set[CycleKey]:
    """The cycles standing now of every learner and certification `sink` has pending deliveries about."""
    return {
        (row.learner, row.certification, cycle_statement_id(row.learner, row.certification, row.cycle_due_on, ids))
        for row in cycles_pending_for(db, sink)
        for ids in [orjson.loads(row.evidence_ids)]
    }


def stale(items: Sequence[Delivery], standing: Collection[CycleKey]) -> dict[int, str]:
    """Which of `items` (pending, oldest first) no longer tell the truth, by id, with why. Only `certified`
    deliveries are judged: they are all a sink that cannot take a result back is sent."""
    why: dict[int, str] = {}
    latest: dict[CycleKey, int] = {}
    for item in items:
        cycle = item.payload.get("cycle")
        if item.event != CERTIFIED or not cycle:
            continue
        key = (item.learner, item.certification, cycle["statement_id"])
        if key not in standing:
            why[item.id] = (
                f"the cycle it certifies (completed {cycle['completed_on']}, due {cycle['due_on']}) was revoked"
                " before it was sent"
            )
            continue
        if key in latest:
            why[latest[key]] = f"delivery {item.id} certifies the same cycle again"
        latest[key] = item.id
    return why


def supersede(db: Database, sink: str, items: Sequence[Delivery], now: str) -> list[Delivery]:
    """Mark `sink`'s stale pending deliveries superseded; the ones left to send, in order."""
    why = stale(items, standing_cycles(db, sink))
    if not why:
        return list(items)
    mark_superseded(db, why, now)
    for item in items:
        if item.id in why:
            log.info(
                "delivery superseded",
                sink=sink,
                delivery=item.id,
                learner=item.learner,
                certification=item.certification,
                why=why[item.id],
            )
    return [item for item in items if item.id not in why]
