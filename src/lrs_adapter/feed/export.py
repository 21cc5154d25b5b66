"""Writing the feed to a file as JSON lines or CSV, whole or not at all.

A consumer's job may pick the file up at any moment: it is written beside its destination under a temporary name
and renamed over it (`os.replace`, atomic on one file system), so nobody reads half an export.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from lrs_adapter.csv_output import write_csv
from lrs_adapter.feed.changes import KINDS, read_changes
from lrs_adapter.feed.records import feed_records
from lrs_adapter.model.contract import CONTRACT_VERSION
from lrs_adapter.store.database import Database

PAGE = 1000

#: What every record starts with, of either kind (records.py `_head`), and an erasure's tombstone's seq to delete.
HEAD_COLUMNS = ("schema_version", "seq", "id", "learner_id", "certification", "changed_at", "deleted", "erased_seq")
#: A certification-state record's status and dates, in every version.
STATE_COLUMNS = ("status", "exempt_until", "status_as_of", "certified_on", "due_on", "window_opens_on")
#: CSV columns per kind: nested fields flattened with a dot, lists joined with `;` as in HR's roster files.
CSV_COLUMNS = {
    "completions": (
        *HEAD_COLUMNS,
        "option",
        "completed_at",
        "completed_on",
        "recorded_at",
        "source.connectors",
        "source.statement_ids",
        "source.records",
        "counted",
        "reason",
        "cycle_due_on",
    ),
    "certifications": (
        *HEAD_COLUMNS,
        *STATE_COLUMNS,
        "option",
        "on_roster",
        "manager",
        "department",
        "staff_group",
    ),
}
#: Version 2's certification columns (its completions have version 3's), served until `OLD_VERSIONS_UNTIL`.
CSV_COLUMNS_V2 = CSV_COLUMNS | {
    "certifications": (
        *HEAD_COLUMNS,
        *STATE_COLUMNS,
        "certified_by.option",
        "certified_by.statement_ids",
        "on_roster",
        "manager",
        "department",
    )
}


def records_after(db: Database, kind: str, after: int, version: int = CONTRACT_VERSION) -> Iterator[dict[str, Any]]:
    """Every record of `kind` ("completions" or "certifications") after seq `after`, a page at a time, in schema
    `version`."""
    while True:
        changes = read_changes(db, KINDS[kind], after=after, limit=PAGE)
        yield from feed_records(db, changes, version)
        if len(changes) < PAGE:
            return
        after = changes[-1].seq


def csv_row(record: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in record.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for inner, item in items:
            name = f"{key}.{inner}" if inner else key
            row[name] = _cell(item)
    return row


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_records(
    records: Iterator[dict[str, Any]],
    kind: str,
    fmt: str,
    out: IO[str],
    *,
    bom: bool = False,
    version: int = CONTRACT_VERSION,
) -> int:
    """The records as JSON lines, or as CSV (`csv_output`: formula-looking text neutralised; `bom` for Excel)."""
    if fmt == "csv":
        columns = (CSV_COLUMNS if version == CONTRACT_VERSION else CSV_COLUMNS_V2)[kind]
        return write_csv(out, columns, map(csv_row, records), bom=bom)
    count = 0
    for record in records:
        out.write(orjson.dumps(record).decode() + "\n")
        count += 1
    return count
