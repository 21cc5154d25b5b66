"""HR's roster as the adapter holds it: one row per member of staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RosterRow:
    line: int
    payroll_numbers: tuple[str, ...]  # the first is the learner's id; the others are older or second numbers
    name: str
    work_emails: tuple[str, ...]
    department: str
    manager: str | None
    staff_group: str
    no_it_access: bool
    assigned_on: date
    left_on: date | None
