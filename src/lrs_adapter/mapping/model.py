"""A certification as a mapping file describes it: its parameters, its options, their components and routes.

Nothing here names a certification, an option or an IRI: those live in `mappings/*.toml`, so a second
certification is a second file and no code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lrs_adapter.model.period import Period

PLACES = ("object", "parent", "grouping", "category", "other")


@dataclass(frozen=True)
class ActivityRule:
    """The statement must name `iri` (exactly, or as a prefix) in one of `places`."""

    iri: str
    prefix: bool
    places: tuple[str, ...]


@dataclass(frozen=True)
class Progress:
    """Video-style progress: the result extension must reach `at_least`; absent, result.completion true does."""

    extension: str
    at_least: float


@dataclass(frozen=True)
class Presence:
    """Join/leave pairs of one learner and registration; the union of the intervals must reach `at_least_s`."""

    join: str
    leave: str
    at_least_s: float


@dataclass(frozen=True)
class Component:
    id: str
    verbs: frozenset[str]
    activities: tuple[ActivityRule, ...]
    completion: str | None = None  # "true" | "not_false"
    success: str | None = None  # "true" | "not_false"
    min_scaled_score: float | None = None
    min_duration_s: float | None = None
    progress: Progress | None = None
    presence: Presence | None = None
    cmi5_defined_only: bool = False
    instructors: frozenset[str] | None = None
    register: bool = False  # met by a register row (a paper register, imported), not by a statement


@dataclass(frozen=True)
class Option:
    id: str
    name: str
    components: dict[str, Component]
    routes: tuple[tuple[str, ...], ...]  # completed when every component of one route is met in one cycle
    flag_unless_no_it_access: bool = False


@dataclass(frozen=True)
class Certification:
    id: str
    name: str
    iri: str
    validity: Period
    window: Period
    first_due: Period
    recertify_from: str  # "completion" | "expiry"
    time_zone: str
    #: Offsets before the due date on which `due_soon` is raised, and after it `overdue_reminder` (rules/reminders.py).
    reminders: tuple[Period, ...] = ()
    escalations: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Mapping:
    path: Path
    certification: Certification
    options: dict[str, Option]
