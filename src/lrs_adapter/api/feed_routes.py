"""What integrating systems read: the completion feed, the certification-state feed, certification states; each in
the contract's records (`model/contract.py`), or as before the contract on `?schema_version=1`.

Every paged answer pages one way: `records`, then `next` to pass as `after` for the following page and `has_more`,
false once the page reached the end (a feed's `next` stays usable: read on from it later for what came since)."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time, and their Query limits
# come from the config in the enclosing function, which a string annotation cannot reach.
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from lrs_adapter.api.models import (
    VERSION_QUERY,
    AskedVersion,
    CertificationListV1,
    CertificationPage,
    CertificationState,
    ChangesPage,
    FeedPage,
    FeedPageV1,
    Problem,
    Status,
)
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.feed.changes import UnknownCursor, read_changes
from lrs_adapter.feed.records import SCHEMA_VERSION, feed_records
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.model.contract import CONTRACT_VERSION, NOT_ON_ROSTER, LearnerFacts, certification_state
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import learner_facts

NO_NUL = r"^[^\x00]*$"  # a text query value holding NUL is no name anybody has (and PostgreSQL refuses it)
MAX_SEQ = 2**63 - 1
BAD_CURSOR: dict[int | str, dict[str, Any]] = {400: {"model": Problem, "description": "`after` is no record's seq."}}
SchemaVersion = Annotated[AskedVersion, Query(description=VERSION_QUERY)]
After = Annotated[int, Query(ge=0, le=MAX_SEQ, description="The seq of the last record read (`next`); 0: all.")]


def contract_states(db: Database, states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """States as `pipeline.states` reads them, as the contract's records, with the learner's contact."""
    facts: dict[str, LearnerFacts] = learner_facts(db, {s["learner"] for s in states})
    return [
        certification_state(
            s["learner"],
            s["certification"],
            s,
            status_as_of=s["as_of"],
            facts=facts.get(s["learner"], NOT_ON_ROSTER),
            with_contact=True,
        )
        for s in states
    ]


def _certification_page(db: Database, matching: list[dict[str, Any]], after: str, limit: int) -> CertificationPage:
    """The states after the one whose `id` is `after`, in `id` order."""
    ordered = sorted(matching, key=lambda s: f"{s['learner']}|{s['certification']}")
    rest = [s for s in ordered if f"{s['learner']}|{s['certification']}" > after]
    records = contract_states(db, rest[:limit])
    return CertificationPage(
        schema_version=CONTRACT_VERSION,
        records=records,
        next=records[-1]["id"] if records else after or None,
        has_more=len(rest) > limit,
        total=len(matching),
    )


def feed_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()
    limit = Query(100, ge=1, le=config.api.max_limit, description=f"At most {config.api.max_limit}.")

    def feed_page(kind: str, after: int, limit: int, version: int) -> tuple[list[dict[str, Any]], int, bool]:
        """A page of the change log's `kind`: its records, the seq to read on from and whether more follow."""
        with store.open() as db:
            try:
                changes = read_changes(db, kind, after=after, limit=limit + 1)
            except UnknownCursor as error:
                raise HTTPException(400, str(error)) from None
            shown = changes[:limit]
            records = feed_records(db, shown, version)
        return records, shown[-1].seq if shown else after, len(changes) > limit

    @router.get(
        "/completions",
        response_model=FeedPage | FeedPageV1,
        responses=BAD_CURSOR,
        summary="The completion feed, after the record with seq `after`",
    )
    def completions(after: After = 0, limit: int = limit, schema_version: SchemaVersion = AskedVersion.CONTRACT) -> Any:
        version = CONTRACT_VERSION if schema_version == CONTRACT_VERSION else SCHEMA_VERSION
        records, next_, has_more = feed_page("completion", after, limit, version)
        if schema_version == 1:
            return FeedPageV1(records=records, next=next_)
        return FeedPage(schema_version=CONTRACT_VERSION, records=records, next=next_, has_more=has_more)

    @router.get(
        "/certifications/changes",
        response_model=ChangesPage,
        responses=BAD_CURSOR,
        summary="The certification-state feed (`feed export --kind certifications`), after the record with seq `after`",
    )
    def certification_changes(after: After = 0, limit: int = limit) -> ChangesPage:
        records, next_, has_more = feed_page("state", after, limit, CONTRACT_VERSION)
        return ChangesPage(schema_version=CONTRACT_VERSION, records=records, next=next_, has_more=has_more)

    @router.get(
        "/certifications",
        response_model=CertificationPage | CertificationListV1,
        summary="Certification states, filtered, by `id`",
    )
    def certifications(
        as_of: Annotated[date | None, Query(description="Evaluate this day (default: as the last sync)")] = None,
        status: Status | None = None,
        department: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        manager: Annotated[str | None, Query(pattern=NO_NUL, description="A manager's id: everyone below them")] = None,
        certification: Annotated[str | None, Query(pattern=NO_NUL)] = None,
        after: Annotated[
            str, Query(pattern=NO_NUL, max_length=1000, description="The `id` of the last record read (`next`).")
        ] = "",
        limit: int = limit,
        offset: Annotated[int, Query(ge=0, le=2**31, description="With schema_version 1 only: records to skip.")] = 0,
        schema_version: SchemaVersion = AskedVersion.CONTRACT,
    ) -> Any:
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
            if schema_version == 1:
                states = [CertificationState(**s) for s in matching[offset : offset + limit]]
                return CertificationListV1(states=states, total=len(matching))
            return _certification_page(db, matching, after, limit)

    return router
