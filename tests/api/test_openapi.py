"""Schemathesis against the API's own OpenAPI document: generated requests (valid and not) for every operation,
with a valid token, answered without a server error and as the document says."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lrs_adapter.config import Config
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.store import open_store

#: The routes read by a seq cursor, which refuse a well-formed `after` that is no record's seq.
FEEDS = ("/completions", "/certifications/changes")


def exercise(operation: Any, headers: dict[str, str], excluded: list[Any]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()


def test_the_api_keeps_its_openapi_document(app: FastAPI, config: Config, token: str) -> None:
    """Each operation's strategy driven by hypothesis directly (schemathesis's pytest fixture integration does not
    run on this pytest 9); every default check, `not_a_server_error` among them."""
    db = open_store(config.store_url)
    with db.transaction():  # a fresh successful sync: /health answers 200, so any 5xx at all is a failure
        now = format_instant(utc_now())
        db.execute(
            "INSERT INTO runs (connector, source_kind, started_at, ended_at, outcome) VALUES ('demo', 'file', ?, ?,"
            " 'succeeded')",
            (now, now),
        )
    db.close()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert len(operations) == 12
    for operation in operations:
        # A well-formed `after` that is no record's seq is refused (400): reading on from a guessed place could skip
        # changes; so is a trend whose `from` is after its `to` (a relation the schema cannot say). Every other check
        # stays on for those routes.
        refusing = (*FEEDS, "/report/trend", "/report/trend.json")
        excluded = [positive_data_acceptance] if operation.path in refusing else []
        exercise(operation, {"Authorization": f"Bearer {token}"}, excluded)


def test_the_document_names_every_route_and_the_token(app: FastAPI) -> None:
    document = app.openapi()
    assert set(document["paths"]) == {
        "/completions",
        "/certifications",
        "/certifications/changes",
        "/learners/{learner_id}",
        "/runs",
        "/health",
        "/metrics",
        "/report",
        "/report.xlsx",
        "/report/trend",
        "/report/trend.json",
        "/audit",
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for operation in operations.values():
            errors = {
                status: r for status, r in operation["responses"].items() if status[0] in "45" and status != "503"
            }
            assert {"401", "500"} <= set(errors), path
            for response in errors.values():
                assert list(response["content"]) == ["application/problem+json"], path
