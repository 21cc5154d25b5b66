"""The rows the text report and the exports (CSV, XLSX, JSON lines) carry: the page's columns in the page's order,
with the dates as dates, so the workbook holds real dates and the text report reads like the page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.report.page import overdue_by
from lrs_adapter.rules.trend import Month

#: A manager's team, as the page shows it (the window's opening kept for whoever plans renewals).
TEAM_COLUMNS = (
    "name",
    "learner",
    "department",
    "certification",
    "status",
    "overdue_by",
    "due_on",
    "last_option",
    "certified_on",
    "window_opens_on",
    "exempt_until",
)
_DATES = ("certified_on", "due_on", "window_opens_on", "exempt_until", "as_of")


def team_rows(
    records: Sequence[dict[str, Any]], mappings: Sequence[Mapping], as_of: date | None
) -> list[dict[str, Any]]:
    """Each state record (`certification_states`, in the order given) with its dates as dates, how long overdue a
    red one is as of `as_of` (or the day it was evaluated), and the name of the option last certified with."""
    options = {(m.certification.id, o.id): o.name for m in mappings for o in m.options.values()}
    rows = []
    for record in records:
        row = {**record, **{key: date.fromisoformat(record[key]) if record[key] else None for key in _DATES}}
        on = as_of or row["as_of"]
        row["overdue_by"] = overdue_by(row["due_on"], on) if row["status"] == "red" and row["due_on"] else None
        row["last_option"] = options.get((record["certification"], record["option"]), record["option"])
        rows.append(row)
    return rows


def trend_rows(months: Sequence[Month]) -> list[dict[str, Any]]:
    """One row a month: its last day, the count per status and the people in all."""
    return [{"month_end": m.day, **m.counts, "people": m.people} for m in months]
