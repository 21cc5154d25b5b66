"""What integrating systems read: the completion feed, certification states, one learner."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time, and their Query limits
# come from the config in the enclosing function, which a string annotation cannot reach.
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from lrs_adapter.api.models import (
    CertificationList,
    CertificationState,
    CompletionSummary,
    FeedPage,
    Learner,
    Problem,
    Status,
)
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.feed.changes import UnknownCursor, read_changes
from lrs_adapter.feed.records import feed_records
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.store.certifications import completions_of
from lrs_adapter.store.learners import learner_row

NO_NUL = r"^[^\x00]*$"  # a text query value holding NUL is no name anybody has (and PostgreSQL refuses it)
MAX_SEQ = 2**63 - 1


def feed_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()
    limit = Query(100, ge=1, le=config.api.max_limit, description=f"At most {config.api.max_limit}.")

    @router.get(
        "/completions",
        response_model=FeedPage,
        responses={400: {"model": Problem, "description": "`after` is no record's seq."}},
        summary="The completion feed, after the record with seq `after`",
    )
    def completions(
        after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="The seq of the last record read; 0: all.")] = 0,
        limit: int = limit,
    ) -> FeedPage:
        with store.open() as db:
            try:
                changes = read_changes(db, "completion", after=after, limit=limit)
            except UnknownCursor as error:
                raise HTTPException(400, str(error)) from None
            records = feed_records(db, changes)
        return FeedPage(records=records, next=changes[-1].seq if changes else after)

    @router.get("/certifications", response_model=CertificationList, summary="Certification states, filtered")
    def certifications(
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
        status: Status | None = None,
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        manager: Annotated[str | None, Query(pattern=NO_NUL, description="A manager's id: everyone below them")] = None,
        certification: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        limit: int = limit,
        offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    ) -> CertificationList:
        mappings = load_mappings(config.mappings) if as_of else []
        with store.open() as db:
            found = certification_states(
                db,
                certification=certification,
                manager=manager,
                department=department,
                as_of=as_of,
                mappings=mappings,
            )
        matching = [s for s in found if status is None or s["status"] == status]
        return CertificationList(
            states=[CertificationState(**s) for s in matching[offset : offset + limit]], total=len(matching)
        )

    @router.get(
        "/learners/{learner_id}",
        response_model=Learner,
        responses={404: {"model": Problem, "description": "Neither on the roster nor evaluated."}},
        summary="One learner: roster facts, states, every completion and why it counted or not",
    )
    def learner(learner_id: Annotated[str, Path(pattern=NO_NUL)]) -> Learner:
        with store.open() as db:
            row = learner_row(db, learner_id)
            states = certification_states(db, learner=learner_id)
            completions = completions_of(db, learner_id)
        if row is None and not states:
            raise HTTPException(404, "no such learner")
        facts: dict[str, Any] = dict.fromkeys(
            ("name", "department", "manager", "staff_group", "assigned_on", "left_on")
        )
        if row is not None:
            facts = {key: value for key, value in row.as_dict().items() if key != "on_roster"}
        return Learner(
            id=learner_id,
            on_roster=bool(row and row.on_roster),
            states=[CertificationState(**s) for s in states],
            completions=[  # the row's other columns (id, option_id) are no fields of the summary: left out
                CompletionSummary(**(c.as_dict() | {"option": c.option_id, "counted": bool(c.counted)}))
                for c in completions
            ],
            **facts,
        )

    return router
