"""A webinar platform's attendance report as the adapter holds it: who was in the meeting from when to when.

Teams and Zoom write one row per stretch a person spent in the meeting (a person who left and rejoined has two);
the rows are read by `sources/attendance.py` and become `joined`/`left` statements (`xapi/attendance.py`), so that
the presence rule of the mapping measures them exactly as it measures statements from any other tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Interval:
    """One stretch in the meeting. `addresses` are the row's e-mail and UPN (lower-cased, distinct, in that order;
    none for a guest who gave none), `name` the display name the platform shows."""

    source: str  # file:line, to name the row
    name: str
    addresses: tuple[str, ...]
    joined: datetime  # aware, UTC
    left: datetime


@dataclass(frozen=True)
class BadLine:
    """A row that cannot be taken in, with its file:line and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class AttendanceReport:
    platform: str  # "teams" | "zoom"
    title: str | None  # the meeting's title or topic, as the report gives it
    intervals: tuple[Interval, ...]
    bad: tuple[BadLine, ...]
