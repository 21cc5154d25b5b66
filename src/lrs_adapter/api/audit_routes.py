"""What an auditor reads: the administrative actions and imports, with their before and after."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time, and their Query limits
# come from the config in the enclosing function, which a string annotation cannot reach.
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from lrs_adapter.api.models import VERSION_QUERY, AskedVersion, AuditPage, AuditRecord
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.store.audit import list_audit

NO_NUL = r"^[^\x00]*$"
MAX_ID = 2**63 - 1


def audit_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()

    @router.get("/audit", response_model=AuditPage | list[AuditRecord], summary="The audit trail, oldest first")
    def audit(
        learner: Annotated[str | None, Query(pattern=NO_NUL, description="Only entries about this learner")] = None,
        since: Annotated[date | None, Query(description="Only entries on or after this day (UTC)")] = None,
        after: Annotated[
            int, Query(ge=0, le=MAX_ID, description="The id of the last entry read (`next`); 0: all.")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=config.api.max_limit)] = 100,
        schema_version: Annotated[AskedVersion, Query(description=VERSION_QUERY)] = AskedVersion.CONTRACT,
    ) -> Any:
        with store.open() as db:
            entries = list_audit(db, learner=learner, since=since, after=after, limit=limit + 1)
        records = [AuditRecord(**asdict(entry)) for entry in entries[:limit]]
        if schema_version == 1:
            return records
        next_ = records[-1].id if records else after
        return AuditPage(schema_version=3, records=records, next=next_, has_more=len(entries) > limit)

    return router
