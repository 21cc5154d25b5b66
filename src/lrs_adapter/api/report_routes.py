"""The manager's compliance page, served: the same page as `report --html`, with its filter form live; its rows as
an Excel workbook; and the trend of the counts per status at each month's end, as a page and as JSON."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time.
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from lrs_adapter import report
from lrs_adapter.api.models import Problem, Status, Trend, TrendMonth
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.pipeline.trend import roster_trend
from lrs_adapter.report.exports import TEAM_COLUMNS, team_rows
from lrs_adapter.report.trend_page import render_trend
from lrs_adapter.report.xlsx import write_xlsx
from lrs_adapter.rules.trend import Month, month_ends

NO_NUL = r"^[^\x00]*$"
MONTH = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An error of a route that answers HTML or a workbook is still JSON (`{"detail": ...}`), which the document says.
PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
UNKNOWN_MANAGER: dict[int | str, dict[str, object]] = {
    404: {"content": PROBLEM, "description": "Nobody on the roster has this id or reports to it."}
}
BAD_MONTHS: dict[int | str, dict[str, object]] = {
    400: {"content": PROBLEM, "description": "`from` is after `to`, or more than 120 months apart."}
}


class TeamQuery:
    """What the page and its workbook are asked for: a manager's team, narrowed and as of a day."""

    def __init__(
        self,
        manager: Annotated[str, Query(pattern=NO_NUL, description="The manager's learner id")],
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        status: Status | None = None,
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
    ) -> None:
        self.manager, self.department, self.status, self.as_of = manager, department, status, as_of


class TrendQuery:
    """The months of a trend, both included, and the department (None: the whole council)."""

    def __init__(
        self,
        first: Annotated[str, Query(alias="from", pattern=MONTH, description="The first month, YYYY-MM")],
        last: Annotated[str, Query(alias="to", pattern=MONTH, description="The last month, YYYY-MM")],
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
    ) -> None:
        self.first, self.last, self.department = first, last, department or None


@contextmanager
def known_manager() -> Iterator[None]:
    """A manager the roster does not know is a 404 naming them, not an empty team."""
    try:
        yield
    except report.UnknownManager as error:
        raise HTTPException(404, str(error)) from None


def report_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()
    mappings = load_mappings(config.mappings)

    @router.get(
        "/report",
        response_class=HTMLResponse,
        responses=UNKNOWN_MANAGER,
        summary="A manager's direct reports, red/amber/green (HTML)",
    )
    def report_page(team: Annotated[TeamQuery, Depends()]) -> HTMLResponse:
        with store.open() as db, known_manager():
            page = report.render_report(
                db,
                mappings=mappings,
                manager=team.manager,
                department=team.department or None,
                status=team.status,
                as_of=team.as_of,
                form_action="/report",
            )
        return HTMLResponse(page)

    @router.get(
        "/report.xlsx",
        response_class=Response,
        responses={200: {"content": {XLSX: {}}, "description": "An Excel workbook"}, **UNKNOWN_MANAGER},
        summary="The manager's page's rows as an Excel workbook, most urgent first",
    )
    def report_workbook(team: Annotated[TeamQuery, Depends()]) -> Response:
        with store.open() as db, known_manager():
            records = report.team_states(db, mappings=mappings, manager=team.manager, as_of=team.as_of)
        kept = [
            r for r in records if team.department in (None, "", r["department"]) and team.status in (None, r["status"])
        ]
        out = io.BytesIO()
        write_xlsx(out, TEAM_COLUMNS, team_rows(kept, mappings, team.as_of), title="Team")
        disposition = 'attachment; filename="compliance.xlsx"'  # no roster value in a header
        return Response(out.getvalue(), media_type=XLSX, headers={"Content-Disposition": disposition})

    def trend_of(query: TrendQuery) -> list[Month]:
        start, end = (date.fromisoformat(f"{month}-01") for month in (query.first, query.last))
        if start > end:
            raise HTTPException(400, "from is after to")
        if (end.year - start.year) * 12 + end.month - start.month >= 120:
            raise HTTPException(400, "at most 120 months at a time")
        with store.open() as db:
            return roster_trend(db, mappings, month_ends(start, end), query.department)

    @router.get(
        "/report/trend",
        response_class=HTMLResponse,
        responses=BAD_MONTHS,
        summary="Counts per status at each month's end, as a chart and a table (HTML)",
    )
    def trend_page(query: Annotated[TrendQuery, Depends()]) -> HTMLResponse:
        return HTMLResponse(render_trend(trend_of(query), department=query.department))

    @router.get(
        "/report/trend.json",
        responses={400: {"model": Problem, "description": "`from` is after `to`, or more than 120 months apart."}},
        summary="Counts per status at each month's end (README: Trends)",
    )
    def trend_json(query: Annotated[TrendQuery, Depends()]) -> Trend:
        return Trend(department=query.department, months=trend_months(trend_of(query)))

    return router


def trend_months(months: Sequence[Month]) -> list[TrendMonth]:
    return [TrendMonth(month_end=m.day.isoformat(), people=m.people, **m.counts) for m in months]
