"""Taking quarantined statements in again, after the adapter or the raw text was fixed.

A retry is a run of its own (source kind `quarantine`) under the connector's lock, so it shows in the run log and
cannot race a pull of the same connector; an entry that now passes is stored and marked released, never deleted.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from lrs_adapter.model.statements import Accepted
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.pipeline.erased import actor_keys
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.store.database import Database
from lrs_adapter.store.erasure_log import erased_rows
from lrs_adapter.store.locks import connector_lock
from lrs_adapter.store.quarantine import HELD, RELEASED, list_entries, resolve
from lrs_adapter.store.runs import RunCounts, add_to_run, finish_run, start_run
from lrs_adapter.store.statements import save_statements


def retry_entries(db: Database, entry_ids: list[int] | None, *, now: datetime) -> tuple[int, int]:
    """Returns (released, still held) among the entries asked for (None: every held entry)."""
    entries = [e for e in list_entries(db, status=HELD, limit=1_000_000) if entry_ids is None or e.id in entry_ids]
    stamp = format_instant(now)
    released = 0
    for connector in sorted({entry.connector for entry in entries}):
        mine = [entry for entry in entries if entry.connector == connector]
        with connector_lock(db, connector):
            run_id = start_run(db, connector, "quarantine", stamp, None)
            counts = RunCounts(pages=1, fetched=len(mine))
            with db.transaction():
                checked: list[tuple[int, Accepted]] = []  # (entry id, the statement that now passes)
                for entry in mine:
                    try:
                        outcome = take_in(orjson.loads(entry.raw), source=entry.source, received_at=now)
                    except orjson.JSONDecodeError:
                        continue
                    if isinstance(outcome, Accepted):
                        checked.append((entry.id, outcome))
                # An erased person's statement may pass its checks now: it stays held (pipeline/erased.py).
                taken, _ = erased_rows(db, checked, lambda pair: actor_keys(pair[1]), hold=True)
                for entry_id, _ in taken:
                    resolve(db, entry_id, RELEASED, stamp)
                passed = [item for _, item in taken]
                saved = save_statements(db, passed, connector=connector, run_id=run_id, received_at=stamp)
                counts.new, counts.duplicate, counts.voided = saved.new, saved.duplicate, saved.voided
                counts.conflicts, counts.quarantined = saved.conflicts, len(mine) - len(passed)
                add_to_run(db, run_id, counts, None)
            finish_run(db, run_id, now=stamp, outcome="succeeded", notes=f"quarantine retry of {len(mine)} entries")
            released += len(passed)
    return released, len(entries) - released
