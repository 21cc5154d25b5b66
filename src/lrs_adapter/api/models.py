"""The API's response bodies, which make its OpenAPI document: what clients may rely on.

The contract's records (`model/contract.py`) are described by the same JSON Schemas the feed ships
(`feed/schemas/*-v3.schema.json`), embedded here, so the OpenAPI document and a schemathesis run hold the API's
answers to the very schemas the webhook's bodies and the feed's records are checked against. The models named `V1`
are the answers before the contract, served on `?schema_version=1` until `OLD_VERSIONS_UNTIL`.
"""

from __future__ import annotations

import json
from enum import IntEnum
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from lrs_adapter.model.contract import CONTRACT_VERSION, OLD_VERSIONS_UNTIL


def _contract_schema(name: str) -> dict[str, Any]:
    """A record's JSON Schema as the feed ships it, without the keys that only a standalone file has."""
    text = resources.files("lrs_adapter.feed").joinpath("schemas", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


CertificationRecord = Annotated[dict[str, Any], WithJsonSchema(_contract_schema("certification-v3.schema.json"))]
CompletionRecord = Annotated[dict[str, Any], WithJsonSchema(_contract_schema("completion-v3.schema.json"))]
Version = Literal[3]


class AskedVersion(IntEnum):
    """The answer's schema a client asks for (`?schema_version=`): an enum, so that the query's text "1" is taken."""

    BEFORE_CONTRACT = 1
    CONTRACT = CONTRACT_VERSION


VERSION_QUERY = (
    f"The answer's schema: {CONTRACT_VERSION}, the contract (the default), or 1, the answer before it, served until"
    f" {OLD_VERSIONS_UNTIL}."
)
HAS_MORE = "Whether more records follow this page now: read on with `after` = `next` until it is false."

Status = Literal["none", "green", "amber", "red", "exempt"]


class FeedPage(BaseModel):
    schema_version: Version
    records: list[CompletionRecord] = Field(description="Completion records in feed order (README: Contract).")
    next: int = Field(description="Pass as `after` to read on: the seq of the last record here, or `after` again.")
    has_more: bool = Field(description=HAS_MORE)


class ChangesPage(BaseModel):
    schema_version: Version
    records: list[CertificationRecord] = Field(
        description="Certification-state records in feed order, tombstones included (README: Contract)."
    )
    next: int = Field(description="Pass as `after` to read on: the seq of the last record here, or `after` again.")
    has_more: bool = Field(description=HAS_MORE)


class CertificationPage(BaseModel):
    schema_version: Version
    records: list[CertificationRecord] = Field(description="Certification-state records by `id`, with `contact`.")
    next: str | None = Field(
        description="Pass as `after` to read on: the `id` of the last record here, or `after` again (null: none)."
    )
    has_more: bool = Field(description=HAS_MORE)
    total: int = Field(description="How many states match the filters, across all pages.")


class RosterFacts(BaseModel):
    """What the roster says of a learner, in every version of `/learners/{id}`."""

    name: str | None
    email: str | None = Field(description="Their work e-mail (the roster's; the first if it gives several).")
    department: str | None
    manager: str | None
    staff_group: str | None
    on_roster: bool
    assigned_on: str | None
    left_on: str | None


class LearnerRecord(RosterFacts):
    schema_version: Version
    learner_id: str
    certifications: list[CertificationRecord]
    completions: list[CompletionRecord] = Field(description="Every completion, counted or not and why.")


class FeedPageV1(BaseModel):
    records: list[dict[str, Any]] = Field(
        description="Completion records in feed order, each as completion-v2.schema.json describes."
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


class CertificationListV1(BaseModel):
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


class LearnerV1(RosterFacts):
    id: str
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
    """RFC 9457 problem details: every error the API answers, whatever its status, as application/problem+json."""

    type: str = Field(description="`about:blank`: the status says what went wrong.")
    title: str = Field(description="The status's phrase, e.g. Not Found.")
    status: int
    detail: str = Field(description="What went wrong this time, and what to do.")
    instance: str = Field(description="The path asked for.")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="With 422: each parameter refused (`loc`, `msg`, `type`), as FastAPI finds them."
    )


class AuditRecord(BaseModel):
    id: int = Field(description="Pass as `after` to read on from this entry.")
    at: str
    actor: str = Field(description="The operating system user, or the `--actor` the command was given.")
    action: str
    learner: str | None
    reason: str | None
    before: Any = Field(description="What the action changed, as it was (JSON; null when nothing was there).")
    after: Any = Field(description="What the action changed, as it became (JSON).")


class AuditPage(BaseModel):
    schema_version: Version
    records: list[AuditRecord]
    next: int = Field(description="Pass as `after` to read on: the id of the last entry here, or `after` again.")
    has_more: bool = Field(description=HAS_MORE)


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
