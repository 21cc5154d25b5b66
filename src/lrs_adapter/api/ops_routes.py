"""What ops and monitors read: the run log, health (503 when a connector is stale or failing, or a sink at fault),
metrics."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time, and their Query limits
# come from the config in the enclosing function, which a string annotation cannot reach.
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from lrs_adapter.api.models import ConnectorHealthRecord, Health, SinkHealthRecord
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.model.timestamps import utc_now
from lrs_adapter.ops.health import connector_health, sink_health
from lrs_adapter.ops.metrics import exposition
from lrs_adapter.store.runs import Run, list_runs


def ops_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()

    @router.get("/runs", response_model=list[Run], summary="The run log, newest first")
    def runs(
        connector: Annotated[str | None, Query(pattern=r"^[^\x00]*$")] = None,
        failed: Annotated[bool, Query(description="Only failed, interrupted or stopped runs")] = False,
        limit: Annotated[int, Query(ge=1, le=config.api.max_limit)] = 20,
        stage: Annotated[str | None, Query(pattern="^(pull|push)$", description="Only pull or only push runs")] = None,
    ) -> list[Run]:
        with store.open() as db:
            return list_runs(db, connector=connector, limit=limit, failed=failed, stage=stage)

    @router.get(
        "/health",
        response_model=Health,
        responses={
            503: {
                "model": Health,
                "description": "A connector is stale or its newest run failed, or a sink is at fault.",
            }
        },
        summary="Whether every configured connector's syncs are fresh and succeeding, and every sink taking its pushes",
    )
    def health(response: Response) -> Health:
        with store.open() as db:
            verdicts = connector_health(db, sorted(config.connectors), config.health_max_age, utc_now())
            sinks = sink_health(db, config.sinks, config.health_max_age, utc_now())
        healthy = all(v.healthy for v in verdicts) and all(s.healthy for s in sinks)
        response.status_code = 200 if healthy else 503
        return Health(
            healthy=healthy,
            max_age_seconds=config.health_max_age.total_seconds(),
            connectors=[ConnectorHealthRecord(healthy=v.healthy, **asdict(v)) for v in verdicts],
            sinks=[SinkHealthRecord(healthy=s.healthy, **asdict(s)) for s in sinks],
        )

    @router.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
        summary="Prometheus metrics",
    )
    def metrics() -> Response:
        with store.open() as db:
            return Response(exposition(db, utc_now()), media_type=CONTENT_TYPE_LATEST)

    return router
