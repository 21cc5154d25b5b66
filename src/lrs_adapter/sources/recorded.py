"""Completions recorded outside any LRS: managers' briefing registers (CSV or XLSX, one row per person briefed)
and the history of the LMS being replaced (CSV: who completed which option when), so that nobody turns red on day
one for training done before the adapter existed.

Unlike the roster, rows stand alone: good rows are imported and each bad one (no date, a date in the future, an
unreadable date, no payroll number or one that breaks the rule for identifiers, an unknown option) is reported with
its line and reason. A row's identity is its content, so importing the same file twice, or the same row from two
files, adds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lrs_adapter.errors import ConfigError
from lrs_adapter.model.evidence import HISTORY, REGISTER, RecordedRow
from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.sources.csvfile import read_csv
from lrs_adapter.sources.roster import parse_date
from lrs_adapter.sources.tables import TableRefused
from lrs_adapter.sources.workbook import read_workbook


@dataclass(frozen=True)
class BadRow:
    source: str
    reason: str


def _cells(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, row by lower-cased header) from a CSV or the first sheet of an XLSX workbook."""
    read = read_workbook if path.suffix.lower() in (".xlsx", ".xlsm") else read_csv
    try:
        return read(path)[1]
    except TableRefused as error:
        raise ConfigError(f"{error}; nothing was imported.", file=str(path), fix=error.fix) from None


def _read(
    path: Path, *, today: date, date_column: str, by_column: str, options: frozenset[str] | None
) -> tuple[list[RecordedRow], list[BadRow]]:
    if not path.is_file():
        raise ConfigError("no such file.", file=str(path), fix="give the path of a CSV (or, for registers, XLSX) file.")
    rows: list[RecordedRow] = []
    bad: list[BadRow] = []
    for line, values in _cells(path):
        source = f"{path.name}:{line}"
        if not any(values.values()):
            continue
        payroll, when, option = values.get("payroll_number", ""), values.get(date_column, ""), values.get("option")
        if (fault := identifier_fault(payroll)) is not None:  # the rule for a learner's identifier
            bad.append(BadRow(source, f"payroll_number {fault}"))
            continue
        if not when:
            bad.append(BadRow(source, f"no {date_column.replace('_', ' ')}"))
            continue
        if options is not None and option not in options:
            bad.append(BadRow(source, f"option {option!r} is not one of {', '.join(sorted(options))}"))
            continue
        try:
            completed = parse_date(when)
        except ValueError as error:
            bad.append(BadRow(source, str(error)))
            continue
        if completed > today:
            bad.append(BadRow(source, f"the date {completed.isoformat()} is in the future"))
            continue
        by = values.get(by_column, "")
        kind = REGISTER if options is None else HISTORY
        identity = hashlib.sha256(f"{kind}|{payroll}|{option}|{completed.isoformat()}|{by}".encode()).hexdigest()[:32]
        rows.append(
            RecordedRow(
                identity,
                kind,
                option,
                source,
                payroll,
                values.get("name", ""),
                completed,
                by,
                values.get("department", ""),
            )
        )
    return rows, bad


def read_register(path: Path, *, today: date) -> tuple[list[RecordedRow], list[BadRow]]:
    """Columns: payroll_number, name, date_delivered (ISO or UK day/month/year), delivered_by, department."""
    return _read(path, today=today, date_column="date_delivered", by_column="delivered_by", options=None)


def read_history(path: Path, *, today: date, options: frozenset[str]) -> tuple[list[RecordedRow], list[BadRow]]:
    """Columns: payroll_number, option (an option id of the mapping), completion_date, source."""
    return _read(path, today=today, date_column="completion_date", by_column="source", options=options)
