"""The manager's compliance page, served: the same page as `report --html`, with its filter form live."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time.
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from lrs_adapter import report
from lrs_adapter.api.models import Status
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.mapping.loader import load_mappings

NO_NUL = r"^[^\x00]*$"


def report_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()
    mappings = load_mappings(config.mappings)

    @router.get("/report", response_class=HTMLResponse, summary="A manager's direct reports, red/amber/green (HTML)")
    def report_page(
        manager: Annotated[str, Query(pattern=NO_NUL, description="The manager's learner id")],
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        status: Status | None = None,
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
    ) -> HTMLResponse:
        with store.open() as db:
            page = report.render_report(
                db,
                mappings=mappings,
                manager=manager,
                department=department or None,
                status=status,
                as_of=as_of,
                form_action="/report",
            )
        return HTMLResponse(page)

    return router
