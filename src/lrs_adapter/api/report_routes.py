"""The manager's compliance page, served: the same page as `report --html`, with its filter form live; its rows as
an Excel workbook; and the trend of the counts per status at each month's end, as a page and as JSON.

With `[signin]` configured, the pages are for people signed in with the council's provider (api/signin.py), each
scoped on the server to whom they may see (rules/audience.py): a manager's page (`manager`) for the signed-in
person or anyone they see, a department's (`department`) for a department role, the whole council's for the council
role, and `/report/me` for everyone. The workbook holds the rows of the page it is asked for, scoped the same way;
the trend is a department's for its role and the whole council's (or any department's) for the council role. A page
outside someone's view answers 404, as a page of nobody does, so it tells no one who exists. Without `[signin]`,
the pages take the API's bearer tokens, as every other route does, and an unknown manager's 404 names them.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time.
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from lrs_adapter import report
from lrs_adapter.api.models import Problem, Status, Trend, TrendMonth
from lrs_adapter.api.signin import SIGN_OUT, Session, signed_in
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config, SigninConfig
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.trend import roster_trend
from lrs_adapter.report.exports import TEAM_COLUMNS, team_rows
from lrs_adapter.report.page import SignedIn
from lrs_adapter.report.trend_page import render_trend
from lrs_adapter.report.xlsx import write_xlsx
from lrs_adapter.rules.audience import Places, Viewer, may_see_department, viewer_of, visible_to
from lrs_adapter.rules.hierarchy import everyone_below
from lrs_adapter.rules.trend import Month, month_ends
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import roster_places

NO_NUL = r"^[^\x00]*$"
MONTH = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OWN_PAGE = "/report/me"
NOT_FOUND = HTTPException(404, "no such page")
#: An error of a route that answers HTML or a workbook is still JSON (`{"detail": ...}`), which the document says.
PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
UNKNOWN_MANAGER: dict[int | str, dict[str, object]] = {
    404: {"content": PROBLEM, "description": "Nobody on the roster has this id or reports to it."}
}
OUT_OF_VIEW: dict[int | str, dict[str, object]] = {
    404: {"content": PROBLEM, "description": "Nobody the signed-in reader may see (or nobody at all) has this id."}
}
BAD_MONTHS: dict[int | str, dict[str, object]] = {
    400: {"content": PROBLEM, "description": "`from` is after `to`, or more than 120 months apart."}
}
WORKBOOK: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}, "description": "An Excel workbook"}}


class TeamQuery:
    """What the page and its workbook are asked for: a manager's team, narrowed and as of a day."""

    def __init__(
        self,
        manager: Annotated[str, Query(pattern=NO_NUL, description="The manager's learner id")],
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        status: Status | None = None,
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
    ) -> None:
        self.manager: str | None = manager
        self.department, self.status, self.as_of = department or None, status, as_of


class ScopedQuery(TeamQuery):
    """The same for someone signed in: no manager is a department's page (`department`), or their widest view."""

    def __init__(
        self,
        manager: Annotated[str | None, Query(pattern=NO_NUL, description="A manager's learner id")] = None,
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        status: Status | None = None,
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
    ) -> None:
        super().__init__(manager or "", department, status, as_of)
        self.manager = manager or None


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
def known_manager(unknown: HTTPException | None = None) -> Iterator[None]:
    """A manager the roster does not know is a 404 naming them (or `unknown`, which names no one), not an empty
    team."""
    try:
        yield
    except report.UnknownManager as error:
        raise (unknown or HTTPException(404, str(error))) from None


def workbook(records: list[dict[str, Any]], team: TeamQuery, mappings: Sequence[Mapping]) -> Response:
    """The page's rows, with its filters, as an Excel workbook."""
    kept = [r for r in records if team.department in (None, r["department"]) and team.status in (None, r["status"])]
    out = io.BytesIO()
    write_xlsx(out, TEAM_COLUMNS, team_rows(kept, mappings, team.as_of), title="Team")
    disposition = 'attachment; filename="compliance.xlsx"'  # no roster value in a header
    return Response(out.getvalue(), media_type=XLSX, headers={"Content-Disposition": disposition})


def trend_of(db: Database, mappings: Sequence[Mapping], query: TrendQuery, department: str | None) -> list[Month]:
    start, end = (date.fromisoformat(f"{month}-01") for month in (query.first, query.last))
    if start > end:
        raise HTTPException(400, "from is after to")
    if (end.year - start.year) * 12 + end.month - start.month >= 120:
        raise HTTPException(400, "at most 120 months at a time")
    return roster_trend(db, mappings, month_ends(start, end), department)


def trend_months(months: Sequence[Month]) -> list[TrendMonth]:
    return [TrendMonth(month_end=m.day.isoformat(), people=m.people, **m.counts) for m in months]


@dataclass(frozen=True)
class Reader:
    """One request's signed-in reader: their roles, and everyone they may see on the roster as it stands now."""

    session: Session
    viewer: Viewer
    places: Places
    seen: frozenset[str]

    @property
    def has_people(self) -> bool:
        return bool(everyone_below(self.places.managers, self.viewer.person))

    def signed_in(self) -> SignedIn:
        views = [("My status", OWN_PAGE)]
        if self.has_people:
            views.append(("My team", f"/report?{urlencode({'manager': self.viewer.person})}"))
        views += [(name, f"/report?{urlencode({'department': name})}") for name in sorted(self.viewer.departments)]
        if self.viewer.council:
            views.append(("Whole council", "/report"))
        return SignedIn(self.session.name, SIGN_OUT, views)


def reader_of(db: Database, session: Session, signin: SigninConfig) -> Reader:
    places = roster_places(db)
    if session.person not in places:  # left, or erased, since signing in
        raise HTTPException(403, "you are no longer on the roster")
    where = Places({p: m for p, (m, _) in places.items()}, {p: d for p, (_, d) in places.items()})
    viewer = viewer_of(session.person, session.groups, signin.council, signin.departments)
    return Reader(session, viewer, where, visible_to(viewer, where))


def page_of(reader: Reader, manager: str | None, department: str | None) -> tuple[str | None, str | None, str | None]:
    """(manager, department, heading) of the page asked for, if the reader may see it; with nothing asked, their
    widest view. Raises 404 for a page outside their view, and redirects someone with no view but their own."""
    if manager:
        if manager not in reader.seen:
            raise NOT_FOUND
        return manager, department, None
    if department:
        if not may_see_department(reader.viewer, department):
            raise NOT_FOUND
        return None, department, f"{department} department"
    if reader.viewer.council:
        return None, None, "The whole council"
    if reader.has_people:
        return reader.viewer.person, None, None
    if reader.viewer.departments:
        first = min(reader.viewer.departments)
        return None, first, f"{first} department"
    raise HTTPException(303, "your own page", headers={"Location": OWN_PAGE})


def trend_scope(reader: Reader, department: str | None) -> str | None:
    """The department whose trend the reader may see (None: the whole council's): any for the council role, their
    own for a department role; a manager's people alone have no trend, so anyone else gets the same 404."""
    if department:
        if not may_see_department(reader.viewer, department):
            raise NOT_FOUND
        return department
    if reader.viewer.council:
        return None
    if reader.viewer.departments:
        return min(reader.viewer.departments)
    raise NOT_FOUND


def report_router(config: Config, store: Store) -> APIRouter:
    mappings = load_mappings(config.mappings)
    if config.signin is None:
        return bearer_report_router(mappings, store)
    return signed_in_report_router(config.signin, mappings, store)


def bearer_report_router(mappings: Sequence[Mapping], store: Store) -> APIRouter:
    """The pages for a holder of an API token (an integrator's portal): any manager's, any department's trend."""
    router = APIRouter()

    @router.get(
        "/report",
        response_class=HTMLResponse,
        responses=UNKNOWN_MANAGER,
        summary="Everyone below a manager, red/amber/green (HTML)",
    )
    def report_page(team: Annotated[TeamQuery, Depends()]) -> HTMLResponse:
        with store.open() as db, known_manager():
            page = report.render_report(
                db,
                mappings=mappings,
                manager=team.manager,
                department=team.department,
                status=team.status,
                as_of=team.as_of,
                form_action="/report",
            )
        return HTMLResponse(page)

    @router.get(
        "/report.xlsx",
        response_class=Response,
        responses={**WORKBOOK, **UNKNOWN_MANAGER},
        summary="The manager's page's rows as an Excel workbook, most urgent first",
    )
    def report_workbook(team: Annotated[TeamQuery, Depends()]) -> Response:
        with store.open() as db, known_manager():
            records = report.team_states(db, mappings=mappings, manager=team.manager, as_of=team.as_of)
        return workbook(records, team, mappings)

    @router.get(
        "/report/trend",
        response_class=HTMLResponse,
        responses=BAD_MONTHS,
        summary="Counts per status at each month's end, as a chart and a table (HTML)",
    )
    def trend_page(query: Annotated[TrendQuery, Depends()]) -> HTMLResponse:
        with store.open() as db:
            months = trend_of(db, mappings, query, query.department)
        return HTMLResponse(render_trend(months, department=query.department))

    @router.get(
        "/report/trend.json",
        responses={400: {"model": Problem, "description": "`from` is after `to`, or more than 120 months apart."}},
        summary="Counts per status at each month's end (README: Trends)",
    )
    def trend_json(query: Annotated[TrendQuery, Depends()]) -> Trend:
        with store.open() as db:
            months = trend_of(db, mappings, query, query.department)
        return Trend(department=query.department, months=trend_months(months))

    return router


def signed_in_report_router(signin: SigninConfig, mappings: Sequence[Mapping], store: Store) -> APIRouter:
    """The pages for people signed in, each scoped on the server to whom its reader may see."""
    router = APIRouter()

    @contextmanager
    def reading(request: Request) -> Iterator[tuple[Database, Reader]]:
        """The store and the signed-in reader (or a redirect to sign in); an unknown manager is the same 404 as a
        manager out of view."""
        session = signed_in(request)
        with store.open() as db, known_manager(NOT_FOUND):
            yield db, reader_of(db, session, signin)

    def trend_in_view(request: Request, query: TrendQuery) -> tuple[str | None, list[Month], SignedIn]:
        """The department of the trend the reader may see (`trend_scope`), its months, and the reader."""
        with reading(request) as (db, reader):
            department = trend_scope(reader, query.department)
            return department, trend_of(db, mappings, query, department), reader.signed_in()

    @router.get(
        "/report", response_class=HTMLResponse, responses=OUT_OF_VIEW, summary="The signed-in reader's view (HTML)"
    )
    def report_page(request: Request, query: Annotated[ScopedQuery, Depends()]) -> HTMLResponse:
        with reading(request) as (db, reader):
            shown, within, heading = page_of(reader, query.manager, query.department)
            page = report.render_report(
                db,
                mappings=mappings,
                manager=shown,
                department=within,
                status=query.status,
                as_of=query.as_of,
                form_action="/report",
                people=reader.seen,
                signed_in=reader.signed_in(),
                heading=heading,
            )
        return HTMLResponse(page)

    @router.get(
        "/report.xlsx",
        response_class=Response,
        responses={**WORKBOOK, **OUT_OF_VIEW},
        summary="The rows of the signed-in reader's page as an Excel workbook, most urgent first",
    )
    def report_workbook(request: Request, query: Annotated[ScopedQuery, Depends()]) -> Response:
        with reading(request) as (db, reader):
            shown, within, _ = page_of(reader, query.manager, query.department)
            records = report.team_states(
                db, mappings=mappings, manager=shown, department=within, as_of=query.as_of, people=reader.seen
            )
        return workbook(records, query, mappings)

    @router.get(
        "/report/trend",
        response_class=HTMLResponse,
        responses={**BAD_MONTHS, **OUT_OF_VIEW},
        summary="The trend of the reader's department or council, as a chart and a table (HTML)",
    )
    def trend_page(request: Request, query: Annotated[TrendQuery, Depends()]) -> HTMLResponse:
        department, months, reader = trend_in_view(request, query)
        return HTMLResponse(render_trend(months, department=department, signed_in=reader))

    @router.get(
        "/report/trend.json",
        responses={
            400: {"model": Problem, "description": "`from` is after `to`, or more than 120 months apart."},
            **OUT_OF_VIEW,
        },
        summary="The trend of the reader's department or council (README: Trends)",
    )
    def trend_json(request: Request, query: Annotated[TrendQuery, Depends()]) -> Trend:
        department, months, _ = trend_in_view(request, query)
        return Trend(department=department, months=trend_months(months))

    @router.get(OWN_PAGE, response_class=HTMLResponse, summary="The signed-in learner's own status (HTML)")
    def own_page(request: Request) -> Response:
        with reading(request) as (db, reader):
            page = report.render_own_status(
                db, mappings=mappings, learner=reader.session.person, signed_in=reader.signed_in()
            )
        return HTMLResponse(page)

    return router
