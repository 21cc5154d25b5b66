"""The manager's compliance page, served: the same page as `report --html`, with its filter form live.

With `[signin]` configured, the pages are for people signed in with the council's provider (api/signin.py), each
scoped on the server to whom they may see (rules/audience.py): a manager's page (`manager`) for the signed-in
person or anyone they see, a department's (`department`) for a department role, the whole council's for the council
role, and `/report/me` for everyone. A page outside someone's view answers 404, as a page of nobody does, so it tells
no one who exists. Without `[signin]`, the page takes the API's bearer tokens, as every other route does.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time.
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from lrs_adapter import report
from lrs_adapter.api.models import Status
from lrs_adapter.api.signin import SIGN_OUT, Session, signed_in
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config, SigninConfig
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.report.page import SignedIn
from lrs_adapter.rules.audience import Places, Viewer, may_see_department, viewer_of, visible_to
from lrs_adapter.rules.hierarchy import everyone_below
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import roster_places

NO_NUL = r"^[^\x00]*$"
OWN_PAGE = "/report/me"
NOT_FOUND = HTTPException(404, "no such page")


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


def page_of(reader: Reader, manager: str | None, department: str | None) -> tuple[str, str | None, str | None]:
    """(manager, department, heading) of the page asked for, if the reader may see it; with nothing asked, their
    widest view. Raises 404 for a page outside their view, and redirects someone with no view but their own."""
    if manager:
        if manager not in reader.seen:
            raise NOT_FOUND
        return manager, department, None
    if department:
        if not may_see_department(reader.viewer, department):
            raise NOT_FOUND
        return "", department, f"{department} department"
    if reader.viewer.council:
        return "", None, "The whole council"
    if reader.has_people:
        return reader.viewer.person, None, None
    if reader.viewer.departments:
        first = min(reader.viewer.departments)
        return "", first, f"{first} department"
    raise HTTPException(303, "your own page", headers={"Location": OWN_PAGE})


def report_router(config: Config, store: Store) -> APIRouter:
    mappings = load_mappings(config.mappings)
    if config.signin is None:
        return bearer_report_router(mappings, store)
    return signed_in_report_router(config.signin, mappings, store)


def bearer_report_router(mappings: Sequence[Mapping], store: Store) -> APIRouter:
    """The page for a holder of an API token (an integrator's portal): any manager's."""
    router = APIRouter()

    @router.get("/report", response_class=HTMLResponse, summary="A manager's staff, red/amber/green (HTML)")
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


def signed_in_report_router(signin: SigninConfig, mappings: Sequence[Mapping], store: Store) -> APIRouter:
    """The pages for people signed in, each scoped on the server to whom its reader may see."""
    router = APIRouter()

    @router.get("/report", response_class=HTMLResponse, summary="The signed-in reader's view (HTML)")
    def report_page(
        request: Request,
        manager: Annotated[str | None, Query(pattern=NO_NUL, description="A manager's learner id")] = None,
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        status: Status | None = None,
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
    ) -> HTMLResponse:
        session = signed_in(request)
        with store.open() as db:
            reader = reader_of(db, session, signin)
            shown, within, heading = page_of(reader, manager, department)
            page = report.render_report(
                db,
                mappings=mappings,
                manager=shown,
                department=within,
                status=status,
                as_of=as_of,
                form_action="/report",
                people=reader.seen,
                signed_in=reader.signed_in(),
                heading=heading,
            )
        return HTMLResponse(page)

    @router.get(OWN_PAGE, response_class=HTMLResponse, summary="The signed-in learner's own status (HTML)")
    def own_page(request: Request) -> Response:
        session = signed_in(request)
        with store.open() as db:
            reader = reader_of(db, session, signin)
            page = report.render_own_status(db, mappings=mappings, learner=session.person, signed_in=reader.signed_in())
        return HTMLResponse(page)

    return router
