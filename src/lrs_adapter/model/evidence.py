"""What the mapper finds and the engine counts: component evidence, and completions recorded outside any LRS
(a briefing register, the replaced LMS's history, an administrator's correction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

#: The kinds of recorded completion. A history row is evidence of component `history`: a completion the replaced
#: LMS recorded completes its option by itself, and so does an administrator's correction.
REGISTER, HISTORY, CORRECTION = "register", "history", "correction"


@dataclass(frozen=True, slots=True)
class RecordedCompletion:
    """A completion recorded outside any LRS on a local date: a register row (it feeds the mapping's register
    component) or a row of the replaced LMS's history (it names its option)."""

    id: str
    kind: str  # REGISTER | HISTORY | CORRECTION
    option: str | None
    completed_on: date
    source: str


@dataclass(frozen=True, slots=True)
class Evidence:
    id: str
    learner: str
    certification: str
    option: str
    component: str
    instant: datetime
    statement_ids: tuple[str, ...]
    source: str | None = None  # a register row's file:line (it has no statement)
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordedRow:
    """A row of a briefing register or of the replaced LMS's history, as read from its file."""

    id: str
    kind: str  # register | history
    option: str | None  # history rows name their option; register rows feed a mapping's register component
    source: str  # file:line
    payroll_number: str
    name: str
    completed_on: date
    recorded_by: str  # who delivered the briefing, or which system the history came from
    department: str
