"""Push what is true when it is sent: a sink that cannot take a result back never gets one that stopped being true.

A `certified` delivery waits in the outbox until the next push. If, meanwhile, its cycle stopped standing (its
evidence voided or retracted, its learner merged or unmerged, its due date moved, so the cycle was revoked and
maybe certified again on another date), a sink that can take it back (an LRS voids the statement, a webhook's
receiver hears `revoked`, an agent profile's newer document wins) gets the certification and its revocation, in
order. A sink that cannot (Totara's completion upload records a completion and has no way to withdraw one) takes no
`revoked` events, so it would be told, for good, something the adapter no longer holds true. For such a sink the
push first compares each pending `certified` delivery with the learner's cycles as they stand now: one whose cycle
no longer stands, under the id it was certified with, is superseded. A cycle that went away and came back before
either delivery was sent stands under its new issue's id (rules/events.py), so the first is superseded and the
second sent: one row, not two. Superseded deliveries are kept on record with why (`outbox list --status
superseded`) and counted in the push run; the rest are sent as usual.

A mail cannot be taken back either, and what it says is a status: `window_opened` and `due_soon` say the learner
is amber for a due date, `overdue` and `overdue_reminder` that they are red for it. For such a sink a pending one of
these whose learner's stored state no longer has that status for that due date (they certified, were exempted,
left, or time moved them on) is superseded too: a reminder goes out only while it still applies.

Checked at push time, not when the events are made, because that is when the sink is told: whatever happened in
between, the sink gets what the store holds when it is sent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import structlog

from lrs_adapter.config import Config
from lrs_adapter.pipeline.certify import issue_of, revocations_by_learner
from lrs_adapter.rules.events import CERTIFIED, OVERDUE, WINDOW_OPENED
from lrs_adapter.rules.reminders import APPLIES_WHILE
from lrs_adapter.sinks import SINK_KINDS
from lrs_adapter.store.certifications import completion_histories_pending_for, cycles_pending_for, state_records_of
from lrs_adapter.store.database import Database
from lrs_adapter.store.outbox import Delivery, mark_superseded, pending

log = structlog.get_logger(__name__)

#: A cycle as it stands: learner, certification and the cycle's statement id.
CycleKey = tuple[str, str, str]
#: The status an event says its learner has for its due date (the reminders' own, and the status events').
STILL = {**APPLIES_WHILE, WINDOW_OPENED: "amber", OVERDUE: "red"}


def standing_cycles(db: Database, sink: str) -> set[CycleKey]:
    """The cycles standing now of every learner and certification `sink` has pending deliveries about, each under
    the id of its latest issue."""
    revoked = revocations_by_learner(completion_histories_pending_for(db, sink))
    standing = set()
    for row in cycles_pending_for(db, sink):
        issued = issue_of(
            row.learner, row.certification, row.as_dict(), revoked.get((row.learner, row.certification), {})
        )
        if issued is not None:
            standing.add((row.learner, row.certification, issued[0]))
    return standing


def stale(
    items: Sequence[Delivery], standing: Collection[CycleKey], states: Mapping[tuple[str, str], Mapping[str, Any]]
) -> dict[int, str]:
    """Which of `items` (pending, oldest first) no longer tell the truth, by id, with why: a `certified` whose
    cycle no longer stands; a status event or reminder (`STILL`) whose learner's state (`states`, by learner and
    certification) no longer has its status for its due date."""
    why: dict[int, str] = {}
    for item in items:
        if item.event in STILL:
            said, now = item.payload.get("state") or {}, states.get((item.learner, item.certification)) or {}
            if (now.get("status"), now.get("due_on")) != (STILL[item.event], said.get("due_on")):
                why[item.id] = (
                    f"the learner is no longer {STILL[item.event]} for the due date {said.get('due_on')}"
                    f" (now {now.get('status', 'not evaluated')}, due {now.get('due_on')})"
                )
            continue
        cycle = item.payload.get("cycle")
        if item.event != CERTIFIED or not cycle:
            continue
        if (item.learner, item.certification, cycle["statement_id"]) not in standing:
            why[item.id] = (
                f"the cycle it certifies (completed {cycle['completed_on']}, due {cycle['due_on']}) was revoked"
                " before it was sent"
            )
    return why


def _states(db: Database, items: Sequence[Delivery]) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored states of the learners of the status events and reminders among `items`."""
    return state_records_of(db, sorted({item.learner for item in items if item.event in STILL}))


def would_supersede(config: Config, db: Database) -> dict[str, list[tuple[Delivery, str]]]:
    """What a push now would mark superseded, by sink that cannot retract, each delivery with why; nothing is
    marked (`sync --dry-run` tells them apart from what would be sent)."""
    found = {}
    for name, sink in config.sinks.items():
        if SINK_KINDS[sink.kind].can_retract:
            continue
        items = pending(db, name)
        why = stale(items, standing_cycles(db, name), _states(db, items))
        found[name] = [(item, why[item.id]) for item in items if item.id in why]
    return found


def supersede(db: Database, sink: str, items: Sequence[Delivery], now: str) -> list[Delivery]:
    """Mark `sink`'s stale pending deliveries superseded; the ones left to send, in order."""
    why = stale(items, standing_cycles(db, sink), _states(db, items))
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
