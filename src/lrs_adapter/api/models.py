"""The API's response bodies, which make its OpenAPI document: what clients may rely on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["none", "green", "amber", "red", "exempt"]


class FeedPage(BaseModel):
    records: list[dict[str, Any]] = Field(
        description="Completion records in feed order, each as completion-v2.schema.json describes (README: Feed)."
    )
    next: int = Field(description="Pass as `after` to read on: the seq of the last record here, or `after` again.")


class CertificationState(BaseModel):
    learner: str
    name: str
    department: str
    staff_group: str
    manager: str | None
    certification: str
    status: Status
    certified_on: str | None
    due_on: str | None
    window_opens_on: str | None
    option: str | None
    as_of: str
    exempt_until: str | None = Field(description="With status exempt: the day the exemption ends.")


class CertificationList(BaseModel):
    states: list[CertificationState]
    total: int = Field(description="How many states match the filters, across all pages.")


class CompletionSummary(BaseModel):
    certification: str
    option: str
    completed_at: str
    completed_on: str
    counted: bool
    reason: str | None
    cycle_due_on: str | None


class Learner(BaseModel):
    id: str
    name: str | None
    department: str | None
    manager: str | None
    staff_group: str | None
    on_roster: bool
    assigned_on: str | None
    left_on: str | None
    states: list[CertificationState]
    completions: list[CompletionSummary]


class ConnectorHealthRecord(BaseModel):
    connector: str
    healthy: bool
    last_success: str | None
    last_outcome: str | None
    problem: str | None


class SinkHealthRecord(BaseModel):
    sink: str
    healthy: bool
    last_outcome: str | None = Field(description="Its newest push run's outcome.")
    pending: int
    dead: int
    oldest_pending: str | None
    problem: str | None


class Health(BaseModel):
    healthy: bool
    max_age_seconds: float
    connectors: list[ConnectorHealthRecord]
    sinks: list[SinkHealthRecord] = Field(
        description="Each configured sink, and each sink no longer configured that still holds deliveries."
    )


class Problem(BaseModel):
    detail: str


class AuditRecord(BaseModel):
    id: int = Field(description="Pass as `after` to read on from this entry.")
    at: str
    actor: str = Field(description="The operating system user, or the `--actor` the command was given.")
    action: str
    learner: str | None
    reason: str | None
    before: Any = Field(description="What the action changed, as it was (JSON; null when nothing was there).")
    after: Any = Field(description="What the action changed, as it became (JSON).")


class TrendMonth(BaseModel):
    month_end: str = Field(description="The month's last day: counted as of it.")
    red: int
    amber: int
    green: int
    exempt: int
    none: int
    people: int = Field(description="Everyone counted that month: on the roster on its last day (README: Trends).")


class Trend(BaseModel):
    department: str | None
    months: list[TrendMonth]
