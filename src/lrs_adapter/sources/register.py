"""Managers' briefing registers (CSV or XLSX): one row per person briefed, logged by an administrator.

Unlike the roster, rows stand alone: good rows are imported and each bad one (no date, a date in the future, an
unreadable date, no payroll number) is reported with its line and reason. A row's identity is its content (payroll
number, date, who delivered it), so importing the same file twice, or the same row from two files, adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl

from lrs_adapter.errors import ConfigError
from lrs_adapter.sources.roster import parse_date

COLUMNS = ("payroll_number", "name", "date_delivered", "delivered_by", "department")


@dataclass(frozen=True)
class RegisterRow:
    id: str
    source: str  # file:line
    payroll_number: str
    name: str
    delivered_on: date
    delivered_by: str
    department: str


@dataclass(frozen=True)
class BadRow:
    source: str
    reason: str


def _cells(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row by lower-cased header) from a CSV or the first sheet of an XLSX workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip().lower() for cell in next(rows, ())]
        for line, values in enumerate(rows, start=2):
            yield line, {key: _text(value) for key, value in zip(header, values, strict=False) if key}
        workbook.close()
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
        for row in reader:
            yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def read_register(path: Path, *, today: date) -> tuple[list[RegisterRow], list[BadRow]]:
    if not path.is_file():
        raise ConfigError("no such register file.", file=str(path), fix="give the path of a CSV or XLSX register.")
    rows: list[RegisterRow] = []
    bad: list[BadRow] = []
    for line, values in _cells(path):
        source = f"{path.name}:{line}"
        if not any(values.values()):
            continue
        payroll, when = values.get("payroll_number", ""), values.get("date_delivered", "")
        if not payroll:
            bad.append(BadRow(source, "no payroll number"))
            continue
        if not when:
            bad.append(BadRow(source, "no date delivered"))
            continue
        try:
            delivered = parse_date(when)
        except ValueError as error:
            bad.append(BadRow(source, str(error)))
            continue
        if delivered > today:
            bad.append(BadRow(source, f"the date {delivered.isoformat()} is in the future"))
            continue
        by = values.get("delivered_by", "")
        identity = hashlib.sha256(f"{payroll}|{delivered.isoformat()}|{by}".encode()).hexdigest()[:32]
        rows.append(
            RegisterRow(identity, source, payroll, values.get("name", ""), delivered, by, values.get("department", ""))
        )
    return rows, bad
