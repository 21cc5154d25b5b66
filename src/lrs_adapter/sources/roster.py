"""HR's roster CSV: who must hold the certification, their identifiers, manager, department and dates.

Read whole and checked row by row before anything is stored: the roster is a full snapshot (people missing from it
become leavers), so importing half of a broken file would turn the people on its bad rows into leavers. Every bad
row is reported with its line number and reason; one bad row refuses the file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from lrs_adapter.errors import ConfigError
from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.model.roster import RosterRow
from lrs_adapter.sources.csvfile import read_csv
from lrs_adapter.sources.tables import TableRefused

COLUMNS = (
    "payroll_number",
    "name",
    "work_email",
    "department",
    "manager_payroll_number",
    "staff_group",
    "no_it_access",
    "assignment_date",
    "leaving_date",
)
REQUIRED = ("payroll_number", "name", "assignment_date")
TRUE, FALSE = {"y", "yes", "true", "1"}, {"", "n", "no", "false", "0"}


class RosterError(ConfigError):
    """The roster file cannot be imported as it is; the message lists every bad row."""


def parse_date(text: str) -> date:
    """ISO (2026-03-31) or UK day/month/year (31/03/2026), as HR systems export them; never US month/day."""
    text = text.strip()
    for layout in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC).date()  # a calendar day: any zone gives the same
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (write 2026-03-31 or 31/03/2026)")


def _several(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(",", ";").split(";") if part.strip())


def read_roster(path: Path) -> list[RosterRow]:
    try:
        header, records = read_csv(path)
    except OSError as error:
        raise RosterError(f"cannot read the roster: {error.strerror}.", file=str(path)) from None
    except TableRefused as error:
        raise RosterError(f"{error}; nothing was imported.", file=str(path), fix=error.fix) from None
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise RosterError(
            f"the header lacks {', '.join(missing)}.",
            file=str(path),
            fix=f"the first line names the columns: {','.join(COLUMNS)} (several payroll numbers or emails: "
            "separate them with ';').",
        )
    rows: list[RosterRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, values in records:
        try:
            row = _row(line, values)
        except ValueError as error:
            problems.append(f"  - line {line}: {error}")
            continue
        for number in row.payroll_numbers:
            if number in seen:
                problems.append(f"  - line {line}: payroll number {number} is also on line {seen[number]}")
            seen[number] = line
        rows.append(row)
    if problems:
        raise RosterError(
            f"{len(problems)} bad rows; nothing was imported:\n" + "\n".join(problems),
            file=str(path),
            fix="correct those rows (the roster is a full snapshot, so a partial import would make leavers).",
        )
    return rows


def _identifiers(values: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """The row's payroll numbers, work emails and manager, each held to the rule for a learner's identifier
    (model/identifiers.py): they become learner ids and the keys statements are resolved by."""
    numbers = _several(values["payroll_number"])
    emails = tuple(email.lower() for email in _several(values.get("work_email", "")))
    manager = values.get("manager_payroll_number") or None
    if not numbers:
        raise ValueError("payroll_number holds no number")
    columns = {"payroll_number": numbers, "work_email": emails, "manager_payroll_number": (manager,) if manager else ()}
    for column, identifiers in columns.items():
        for identifier in identifiers:
            if (fault := identifier_fault(identifier)) is not None:
                raise ValueError(f"{column} {fault}")
    return numbers, emails, manager


def _row(line: int, values: dict[str, str]) -> RosterRow:
    for column in REQUIRED:
        if not values.get(column):
            raise ValueError(f"{column} is empty")
    flag = values.get("no_it_access", "").lower()
    if flag not in TRUE | FALSE:
        raise ValueError(f"no_it_access {flag!r} is not yes or no")
    try:
        assigned = parse_date(values["assignment_date"])
        left = parse_date(values["leaving_date"]) if values.get("leaving_date") else None
    except ValueError as error:
        raise ValueError(str(error)) from None
    numbers, emails, manager = _identifiers(values)
    return RosterRow(
        line=line,
        payroll_numbers=numbers,
        name=values["name"],
        work_emails=emails,
        department=values.get("department", ""),
        manager=manager,
        staff_group=values.get("staff_group", ""),
        no_it_access=flag in TRUE,
        assigned_on=assigned,
        left_on=left,
    )
